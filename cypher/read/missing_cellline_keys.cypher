// Which of $keys are NOT the name of a stored CellLine node (checked before edges are written).
// One row: the missing keys as a list (usually empty).
UNWIND $keys AS k
OPTIONAL MATCH (n:CellLine {name: k})
WITH k, n WHERE n IS NULL
RETURN collect(k) AS missing
