// Hub genes: the genes other genes' models rely on most (incoming learned associations), all runs.
//
// Runs as it is in Neo4j Browser; change LIMIT for more or fewer.
MATCH (s:Gene)-[a:ASSOCIATED_WITH]->(hub:Gene)
RETURN hub.symbol AS hub,
       hub.entrez_id AS entrez_id,
       count(a) AS relied_on_by,
       count(DISTINCT s) AS genes,
       collect(DISTINCT a.feature_set) AS feature_sets,
       round(avg(a.weight), 4) AS mean_weight
ORDER BY relied_on_by DESC, hub
LIMIT 20
