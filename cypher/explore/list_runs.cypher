// The runs whose learned associations the graph holds: one row per run id.
//
// Runs as it is in Neo4j Browser. A run id is the run directory's name plus a short hash of
// the run's training key (`kgexpr explain` prints it; --run-id sets it), so two experiments
// never share one.
MATCH (:Gene)-[a:ASSOCIATED_WITH]->(:Gene)
RETURN a.run_id AS run_id,
       count(*) AS associations,
       count(DISTINCT startNode(a)) AS genes,
       collect(DISTINCT a.feature_set) AS feature_sets
ORDER BY run_id
LIMIT 50
