// Merge Pathway nodes by kegg_id (batched). $rows: [{key, props}], props without nulls.
// Properties in the row win; properties the row lacks keep their stored value.
UNWIND $rows AS row
MERGE (n:Pathway {kegg_id: row.key})
SET n += row.props
RETURN count(n) AS merged
