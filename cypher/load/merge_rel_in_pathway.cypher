// Merge (:Gene)-[:IN_PATHWAY]->(:Pathway) (batched). $rows: [{source, target, props}].
// One relationship per (gene, pathway); a re-merged row replaces its properties.
// Both end nodes must exist (checked beforehand; `merged` < rows fails the batch).
UNWIND $rows AS row
MATCH (s:Gene {entrez_id: row.source})
MATCH (t:Pathway {kegg_id: row.target})
MERGE (s)-[r:IN_PATHWAY]->(t)
SET r = row.props
RETURN count(r) AS merged
