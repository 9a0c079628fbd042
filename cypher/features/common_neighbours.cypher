// Common neighbours CN(x, y) = |Γx ∩ Γy| = (A²)[x, y] over the undirected knowledge graph.
// A is the 0/1 adjacency of the relationships whose type is in $rel_types (every type except
// the learned ASSOCIATED_WITH): direction is ignored, parallel relationships count once,
// self-loops never; x == y is left out (the caller fills 0). Pairs with no common neighbour
// return no row.
// $rows:  [{i: row index, eid: elementId}]          the nodes x (a chunk of the requested rows)
// $panel: {elementId: column index}                 the nodes y
UNWIND $rows AS row
MATCH (x) WHERE elementId(x) = row.eid
MATCH (x)-[r1]-(a)
WHERE type(r1) IN $rel_types AND a <> x
WITH DISTINCT row.i AS i, x, a
MATCH (a)-[r2]-(y)
WHERE type(r2) IN $rel_types AND y <> a AND y <> x AND $panel[elementId(y)] IS NOT NULL
WITH DISTINCT i, a, y
RETURN i, $panel[elementId(y)] AS j, toFloat(count(a)) AS score
