// Delete up to $limit learned ASSOCIATED_WITH edges whose properties equal every entry of
// $where (e.g. {run_id: "run-2024-01"}; an empty map matches all). Run until it returns 0.
MATCH ()-[r:ASSOCIATED_WITH]->()
WHERE all(k IN keys($where) WHERE r[k] = $where[k])
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS deleted
