// Benchmark only: merge ONE INTERACTS relationship per query.
MATCH (s:Gene {entrez_id: $source})
MATCH (t:Gene {entrez_id: $target})
MERGE (s)-[r:INTERACTS {pathway: $pathway}]->(t)
SET r = $props
