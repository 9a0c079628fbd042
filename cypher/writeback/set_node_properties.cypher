// Feature values written back onto their nodes (kgexpr features --write-features): one map of
// properties per node, found by elementId. "merged" lets the caller check every row found its node.
UNWIND $rows AS row
MATCH (n) WHERE elementId(n) = row.eid
SET n += row.props
RETURN count(n) AS merged
