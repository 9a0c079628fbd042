// Every node of the knowledge graph: one record per label with the list of its keys
// (export() builds "Label:key" ids).
MATCH (n:Gene) RETURN 'Gene' AS label, collect(n.entrez_id) AS keys
UNION ALL
MATCH (n:Pathway) RETURN 'Pathway' AS label, collect(n.kegg_id) AS keys
UNION ALL
MATCH (n:Drug) RETURN 'Drug' AS label, collect(n.drug_id) AS keys
UNION ALL
MATCH (n:CellLine) RETURN 'CellLine' AS label, collect(n.name) AS keys
