// The (:KgexprLoad) record of one load key (no row when the database has none).
MATCH (l:KgexprLoad {load_key: $load_key})
RETURN l.graph_hash AS graph_hash, l.counts AS counts, toString(l.loaded_at) AS loaded_at
