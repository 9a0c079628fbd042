// All Gene nodes with their properties (the key entrez_id is among them).
MATCH (n:Gene)
RETURN properties(n) AS props
