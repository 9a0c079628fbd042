// Which of $keys are NOT the entrez_id of a stored Gene node (checked before edges are written).
// One row: the missing keys as a list (usually empty).
UNWIND $keys AS k
OPTIONAL MATCH (n:Gene {entrez_id: k})
WITH k, n WHERE n IS NULL
RETURN collect(k) AS missing
