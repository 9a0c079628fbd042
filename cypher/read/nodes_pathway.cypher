// All Pathway nodes as one list of property maps (the key kegg_id is among them).
// One record with a list decodes several times faster than one record per node.
MATCH (n:Pathway)
RETURN collect(properties(n)) AS rows
