// All learned ASSOCIATED_WITH relationships as (entrez_id, entrez_id, properties).
MATCH (s:Gene)-[r:ASSOCIATED_WITH]->(t:Gene)
RETURN s.entrez_id AS source, t.entrez_id AS target, properties(r) AS props
