// Benchmark only: merge ONE Gene node per query (the per-row baseline of bench/neo4j_load.py).
MERGE (n:Gene {entrez_id: $key})
SET n += $props
