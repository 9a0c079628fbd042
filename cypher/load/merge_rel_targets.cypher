// Merge (:Drug)-[:TARGETS]->(:Gene) (batched). $rows: [{source, target, props}].
// One relationship per (drug, gene); a re-merged row replaces its properties.
UNWIND $rows AS row
MATCH (s:Drug {drug_id: row.source})
MATCH (t:Gene {entrez_id: row.target})
MERGE (s)-[r:TARGETS]->(t)
SET r = row.props
RETURN count(r) AS merged
