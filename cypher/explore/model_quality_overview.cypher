// Overview of the learned associations: per run and feature set, and the hub genes.
//
// Two statements (Browser runs both with the multi-statement editor, or paste one at a time).
// Set the parameter first:
//   :param top => 20
//
// 1. Per run and feature set: how many associations, over how many genes, their mean weight,
//    and how often an association agrees with prior knowledge (a KGML interaction between the
//    two genes, or a shared KEGG pathway) -- a rough plausibility check of each model.
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
ORDER BY run_id, feature_set;

// 2. Hub genes: the genes other genes' models rely on most (incoming associations), all runs.
MATCH (s:Gene)-[a:ASSOCIATED_WITH]->(hub:Gene)
RETURN hub.symbol AS hub,
       hub.entrez_id AS entrez_id,
       count(a) AS relied_on_by,
       count(DISTINCT s) AS genes,
       collect(DISTINCT a.feature_set) AS feature_sets,
       round(avg(a.weight), 4) AS mean_weight
ORDER BY relied_on_by DESC, hub
LIMIT $top;
