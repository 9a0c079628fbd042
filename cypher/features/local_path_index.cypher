// Local path index LPI(x, y) = (A²)[x, y] + $beta * (A³)[x, y]  (Lü, Jin & Zhou 2009)
// over the same undirected 0/1 knowledge-graph adjacency A as common_neighbours.cypher.
// (A³)[x, y] counts walks x-a-b-y of length 3 exactly as the matrix product does: every
// step follows an edge (a != x, b != a, y != b) but a walk may revisit nodes (b = x, y = a).
// x == y is left out (the caller fills 0); pairs with score 0 return no row.
// $rows: [{i, eid}]; $panel: {elementId: column index}; $rel_types; $beta (float).
UNWIND $rows AS row
MATCH (x) WHERE elementId(x) = row.eid
MATCH (x)-[r1]-(a)
WHERE type(r1) IN $rel_types AND a <> x
WITH DISTINCT row.i AS i, row.eid AS xid, a
MATCH (a)-[r2]-(b)
WHERE type(r2) IN $rel_types AND b <> a
WITH DISTINCT i, xid, a, b
// w2 = (A²)[x, b]: the number of walks x-a-b
WITH i, xid, b, count(a) AS w2
CALL (b, w2) {
  // length-2 walks ending in the panel
  WITH b, w2 WHERE $panel[elementId(b)] IS NOT NULL
  RETURN b AS y, w2 AS a2, 0 AS a3
  UNION ALL
  // one more step: every walk x-a-b extends to each distinct neighbour y of b
  MATCH (b)-[r3]-(y)
  WHERE type(r3) IN $rel_types AND y <> b AND $panel[elementId(y)] IS NOT NULL
  WITH DISTINCT y, w2
  RETURN y, 0 AS a2, w2 AS a3
}
WITH i, xid, y, sum(a2) AS a2, sum(a3) AS a3
WHERE elementId(y) <> xid
RETURN i, $panel[elementId(y)] AS j, a2 + $beta * a3 AS score
