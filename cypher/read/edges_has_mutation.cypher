// All HAS_MUTATION relationships as one list of [cell line name, entrez_id, properties].
MATCH (s:CellLine)-[r:HAS_MUTATION]->(t:Gene)
RETURN collect([s.name, t.entrez_id, properties(r)]) AS rows
