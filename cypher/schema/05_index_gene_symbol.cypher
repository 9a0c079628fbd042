// Look genes up by HGNC symbol (exploration queries: "TP53").
CREATE INDEX gene_symbol IF NOT EXISTS
FOR (n:Gene) ON (n.symbol)
