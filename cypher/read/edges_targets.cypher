// All TARGETS relationships as (drug_id, entrez_id, properties).
MATCH (s:Drug)-[r:TARGETS]->(t:Gene)
RETURN s.drug_id AS source, t.entrez_id AS target, properties(r) AS props
