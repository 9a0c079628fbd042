// GDS Cypher projection of the knowledge graph, the same graph the embedded store's
// GraphView holds: every node with a schema label ($labels), one UNDIRECTED relationship per
// adjacent pair over the knowledge types ($rel_types, not ASSOCIATED_WITH) -- parallel
// relationships merged, self-loops dropped, isolated nodes kept.
// $graph_name must be unique (the caller drops it afterwards).
MATCH (s)
WHERE any(l IN labels(s) WHERE l IN $labels)
OPTIONAL MATCH (s)-[r]-(t)
WHERE type(r) IN $rel_types AND elementId(s) < elementId(t)
  AND any(l IN labels(t) WHERE l IN $labels)
WITH DISTINCT s, t
RETURN gds.graph.project($graph_name, s, t, {}, {undirectedRelationshipTypes: ['*']}) AS graph
