// Find (and replace) one run's learned associations.
CREATE INDEX associated_with_run_id IF NOT EXISTS
FOR ()-[r:ASSOCIATED_WITH]-() ON (r.run_id)
