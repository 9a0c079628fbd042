// Full-text index over the names users look things up by (case- and punctuation-insensitive):
// gene symbols and names, every name a merged drug has in its sources, pathway and cell-line names.
// cypher/explore/drug_to_gene_paths.cypher finds drugs through it.
CREATE FULLTEXT INDEX kgexpr_names IF NOT EXISTS
FOR (n:Gene|Drug|Pathway|CellLine) ON EACH [n.symbol, n.name, n.names]
