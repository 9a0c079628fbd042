// What a load wrote, kept in the database it wrote to: one (:KgexprLoad) node per load key, holding
// the knowledge graph's content hash and counts right after the load. Later stages compare it with
// the database as it is (a wipe, or another load in between, shows) and re-run what is missing.
MERGE (l:KgexprLoad {load_key: $load_key})
SET l.graph_hash = $graph_hash,
    l.counts = $counts,
    l.kgexpr = $kgexpr,
    l.loaded_at = datetime()
RETURN l.load_key AS load_key
