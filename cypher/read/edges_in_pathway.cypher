// All IN_PATHWAY relationships as one list of [gene entrez_id, pathway kegg_id, properties].
MATCH (s:Gene)-[r:IN_PATHWAY]->(t:Pathway)
RETURN collect([s.entrez_id, t.kegg_id, properties(r)]) AS rows
