// Benchmark only: merge ONE Pathway node per query.
MERGE (n:Pathway {kegg_id: $key})
SET n += $props
