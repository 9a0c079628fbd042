// GDS Cypher projection of the knowledge graph, the same graph the embedded store's
// GraphView holds: every node with a schema label ($labels), one UNDIRECTED relationship per
// adjacent pair over the knowledge types ($rel_types, not ASSOCIATED_WITH) -- parallel
// relationships merged, self-loops dropped, isolated nodes kept.
// Nodes enter as their position in the GraphView ($rank: elementId -> 0..n-1, the view's order
// of "Label:key" ids), fed in that order: GDS then numbers and seeds them by the graph's content,
// never by Neo4j's internal ids, which depend on the load history.
MATCH (s)
WHERE any(l IN labels(s) WHERE l IN $labels)
OPTIONAL MATCH (s)-[r]-(t)
WHERE type(r) IN $rel_types AND any(l IN labels(t) WHERE l IN $labels)
WITH $rank[elementId(s)] AS si, $rank[elementId(t)] AS ti
// each pair once (si < ti); a node whose neighbours all rank lower, or with self-loops only,
// still enters as a source with no target
WITH DISTINCT si, CASE WHEN ti > si THEN ti END AS ti
WHERE si IS NOT NULL
ORDER BY si, ti
RETURN gds.graph.project($graph_name, si, ti, {}, {undirectedRelationshipTypes: ['*']}) AS graph
