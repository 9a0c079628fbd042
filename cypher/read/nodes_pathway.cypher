// All Pathway nodes with their properties (the key kegg_id is among them).
MATCH (n:Pathway)
RETURN properties(n) AS props
