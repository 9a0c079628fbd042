// Which of $keys are NOT the kegg_id of a stored Pathway node (checked before edges are written).
// One row: the missing keys as a list (usually empty).
UNWIND $keys AS k
OPTIONAL MATCH (n:Pathway {kegg_id: k})
WITH k, n WHERE n IS NULL
RETURN collect(k) AS missing
