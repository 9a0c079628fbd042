// All Drug nodes with their properties (the key drug_id is among them).
MATCH (n:Drug)
RETURN properties(n) AS props
