// All INTERACTS relationships as one list of [entrez_id, entrez_id, properties].
MATCH (s:Gene)-[r:INTERACTS]->(t:Gene)
RETURN collect([s.entrez_id, t.entrez_id, properties(r)]) AS rows
