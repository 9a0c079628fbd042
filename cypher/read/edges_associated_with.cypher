// All learned ASSOCIATED_WITH relationships as one list of [entrez_id, entrez_id, properties].
MATCH (s:Gene)-[r:ASSOCIATED_WITH]->(t:Gene)
RETURN collect([s.entrez_id, t.entrez_id, properties(r)]) AS rows
