// Look drugs up by name (exploration queries).
CREATE INDEX drug_name IF NOT EXISTS
FOR (n:Drug) ON (n.name)
