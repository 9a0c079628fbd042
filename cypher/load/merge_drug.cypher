// Merge Drug nodes by drug_id (batched). $rows: [{key, props}], props without nulls.
// Properties in the row win; properties the row lacks keep their stored value.
UNWIND $rows AS row
MERGE (n:Drug {drug_id: row.key})
SET n += row.props
RETURN count(n) AS merged
