// Every node of the knowledge graph as (label, key) -- export() builds "Label:key" ids.
MATCH (n:Gene) RETURN 'Gene' AS label, n.entrez_id AS key
UNION ALL
MATCH (n:Pathway) RETURN 'Pathway' AS label, n.kegg_id AS key
UNION ALL
MATCH (n:Drug) RETURN 'Drug' AS label, n.drug_id AS key
UNION ALL
MATCH (n:CellLine) RETURN 'CellLine' AS label, n.name AS key
