// Delete up to $limit learned ASSOCIATED_WITH edges of one run (uses the run_id index).
// Run until it returns 0. Example: :param run_id => "n4jrun"
MATCH ()-[r:ASSOCIATED_WITH {run_id: $run_id}]->()
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS deleted
