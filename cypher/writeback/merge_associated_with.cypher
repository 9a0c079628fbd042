// Write learned gene->gene associations back (batched).
// $rows: [{source, target, run_id, feature_set, props}];
// identity = (source, target, run_id, feature_set), so re-writing a run never duplicates edges.
UNWIND $rows AS row
MATCH (s:Gene {entrez_id: row.source})
MATCH (t:Gene {entrez_id: row.target})
MERGE (s)-[r:ASSOCIATED_WITH {run_id: row.run_id, feature_set: row.feature_set}]->(t)
SET r = row.props
RETURN count(r) AS merged
