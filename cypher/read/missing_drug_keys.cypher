// Which of $keys are NOT the drug_id of a stored Drug node (checked before edges are written).
// One row: the missing keys as a list (usually empty).
UNWIND $keys AS k
OPTIONAL MATCH (n:Drug {drug_id: k})
WITH k, n WHERE n IS NULL
RETURN collect(k) AS missing
