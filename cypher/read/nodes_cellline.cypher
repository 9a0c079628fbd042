// All CellLine nodes with their properties (the key name is among them).
MATCH (n:CellLine)
RETURN properties(n) AS props
