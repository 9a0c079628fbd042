// What a node property written by kgexpr holds: the method, its parameters, the features key
// and how many nodes carry it (cypher/explore/feature_properties.cypher lists them).
MERGE (f:KgexprFeatures {property: $property})
SET f.method = $method,
    f.params = $params,
    f.features_key = $features_key,
    f.graph_hash = $graph_hash,
    f.nodes = $nodes,
    f.kgexpr = $kgexpr,
    f.written_at = datetime()
RETURN f.property AS property
