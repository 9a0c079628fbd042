// Benchmark only: merge ONE IN_PATHWAY relationship per query.
MATCH (s:Gene {entrez_id: $source})
MATCH (t:Pathway {kegg_id: $target})
MERGE (s)-[r:IN_PATHWAY]->(t)
SET r = $props
