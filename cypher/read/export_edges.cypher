// Every knowledge relationship (not the learned ASSOCIATED_WITH) as end-node keys plus its
// identity properties, then the property a sign is read from (kgexpr.graph.signs: INTERACTS kind,
// TARGETS action): one record per type with a list of [source key, target key, identity..., signed]
// (one entry per relationship); export() sorts them like the embedded store.
MATCH (s:Gene)-[r:IN_PATHWAY]->(t:Pathway)
RETURN 'IN_PATHWAY' AS type, collect([s.entrez_id, t.kegg_id]) AS rows
UNION ALL
MATCH (s:Gene)-[r:INTERACTS]->(t:Gene)
RETURN 'INTERACTS' AS type, collect([s.entrez_id, t.entrez_id, r.pathway, r.kind]) AS rows
UNION ALL
MATCH (s:Drug)-[r:TARGETS]->(t:Gene)
RETURN 'TARGETS' AS type, collect([s.drug_id, t.entrez_id, r.action]) AS rows
UNION ALL
MATCH (s:CellLine)-[r:HAS_MUTATION]->(t:Gene)
RETURN 'HAS_MUTATION' AS type, collect([s.name, t.entrez_id, r.type]) AS rows
