// All Drug nodes as one list of property maps (the key drug_id is among them).
// One record with a list decodes several times faster than one record per node.
MATCH (n:Drug)
RETURN collect(properties(n)) AS rows
