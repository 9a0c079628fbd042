// The graph features kgexpr wrote onto nodes (`kgexpr features --backend neo4j --write-features`):
// one row per property, with the method and parameters that made it.
//
// Runs as it is in Neo4j Browser. Use one, e.g. the drugs closest to imatinib by FastRP:
//   MATCH (a:Drug {drug_id: 'DB00619'}), (b:Drug) WHERE b <> a AND b.fastrp_<key> IS NOT NULL
//   RETURN b.name, vector.similarity.cosine(a.fastrp_<key>, b.fastrp_<key>) AS cosine
//   ORDER BY cosine DESC LIMIT 10
MATCH (f:KgexprFeatures)
RETURN f.property AS property, f.method AS method, f.nodes AS nodes, f.params AS params,
       f.features_key AS features_key, toString(f.written_at) AS written_at
ORDER BY method, written_at DESC
