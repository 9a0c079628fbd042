// All IN_PATHWAY relationships as (gene entrez_id, pathway kegg_id, properties).
MATCH (s:Gene)-[r:IN_PATHWAY]->(t:Pathway)
RETURN s.entrez_id AS source, t.kegg_id AS target, properties(r) AS props
