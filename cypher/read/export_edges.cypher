// Every knowledge relationship (not the learned ASSOCIATED_WITH) as end-node keys plus its
// identity properties, one row per relationship -- export() sorts them like the embedded store.
MATCH (s:Gene)-[r:IN_PATHWAY]->(t:Pathway)
RETURN 'IN_PATHWAY' AS type, s.entrez_id AS source, t.kegg_id AS target, [] AS identity
UNION ALL
MATCH (s:Gene)-[r:INTERACTS]->(t:Gene)
RETURN 'INTERACTS' AS type, s.entrez_id AS source, t.entrez_id AS target, [r.pathway] AS identity
UNION ALL
MATCH (s:Drug)-[r:TARGETS]->(t:Gene)
RETURN 'TARGETS' AS type, s.drug_id AS source, t.entrez_id AS target, [] AS identity
UNION ALL
MATCH (s:CellLine)-[r:HAS_MUTATION]->(t:Gene)
RETURN 'HAS_MUTATION' AS type, s.name AS source, t.entrez_id AS target, [r.type] AS identity
