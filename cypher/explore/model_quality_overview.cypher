// Overview of the learned associations per run and feature set (hub_genes.cypher: the hubs).
//
// Runs as it is in Neo4j Browser. Per run and feature set: how many associations, over how many
// genes, their mean weight, and how often an association agrees with prior knowledge (a KGML
// interaction between the two genes, or a shared KEGG pathway) -- a rough plausibility check.
MATCH (s:Gene)-[a:ASSOCIATED_WITH]->(t:Gene)
WITH a, s, t,
     EXISTS { (s)-[:INTERACTS]-(t) } AS known_interaction,
     EXISTS { (s)-[:IN_PATHWAY]->(:Pathway)<-[:IN_PATHWAY]-(t) } AS shared_pathway
RETURN a.run_id AS run_id,
       a.feature_set AS feature_set,
       count(*) AS associations,
       count(DISTINCT s) AS genes,
       round(avg(a.weight), 4) AS mean_weight,
       round(avg(CASE WHEN known_interaction THEN 1.0 ELSE 0.0 END), 3) AS frac_known_interaction,
       round(avg(CASE WHEN shared_pathway THEN 1.0 ELSE 0.0 END), 3) AS frac_shared_pathway
ORDER BY run_id, feature_set
