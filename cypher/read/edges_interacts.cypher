// All INTERACTS relationships as (entrez_id, entrez_id, properties).
MATCH (s:Gene)-[r:INTERACTS]->(t:Gene)
RETURN s.entrez_id AS source, t.entrez_id AS target, properties(r) AS props
