// Merge CellLine nodes by name (batched). $rows: [{key, props}], props without nulls.
// Properties in the row win; properties the row lacks keep their stored value.
UNWIND $rows AS row
MERGE (n:CellLine {name: row.key})
SET n += row.props
RETURN count(n) AS merged
