// Merge (:Gene)-[:INTERACTS {pathway}]->(:Gene) KGML relations (batched).
// $rows: [{source, target, pathway, props}]; identity = (source, target, pathway);
// props (which include pathway) replace the stored ones.
UNWIND $rows AS row
MATCH (s:Gene {entrez_id: row.source})
MATCH (t:Gene {entrez_id: row.target})
MERGE (s)-[r:INTERACTS {pathway: row.pathway}]->(t)
SET r = row.props
RETURN count(r) AS merged
