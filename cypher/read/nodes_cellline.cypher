// All CellLine nodes as one list of property maps (the key name is among them).
// One record with a list decodes several times faster than one record per node.
MATCH (n:CellLine)
RETURN collect(properties(n)) AS rows
