// All HAS_MUTATION relationships as (cell line name, entrez_id, properties).
MATCH (s:CellLine)-[r:HAS_MUTATION]->(t:Gene)
RETURN s.name AS source, t.entrez_id AS target, properties(r) AS props
