// Delete up to $limit HAS_MUTATION relationships whose properties equal every entry of $where
// (an empty map matches all). Run repeatedly until it returns 0.
MATCH ()-[r:HAS_MUTATION]->()
WHERE all(k IN keys($where) WHERE r[k] = $where[k])
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS deleted
