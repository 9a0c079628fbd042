// Merge (:CellLine)-[:HAS_MUTATION {type}]->(:Gene) (batched).
// $rows: [{source, target, type, props}]; identity = (cell line, gene, type).
UNWIND $rows AS row
MATCH (s:CellLine {name: row.source})
MATCH (t:Gene {entrez_id: row.target})
MERGE (s)-[r:HAS_MUTATION {type: row.type}]->(t)
SET r = row.props
RETURN count(r) AS merged
