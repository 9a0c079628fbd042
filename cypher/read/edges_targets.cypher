// All TARGETS relationships as one list of [drug_id, entrez_id, properties].
MATCH (s:Drug)-[r:TARGETS]->(t:Gene)
RETURN collect([s.drug_id, t.entrez_id, properties(r)]) AS rows
