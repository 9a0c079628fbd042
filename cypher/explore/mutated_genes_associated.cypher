// Genes mutated in a cell line (COSMIC/GDSC) and the learned associations they take part in.
//
// Runs as it is in Neo4j Browser; edit the WITH line for another cell line (MCF7, PC3, A375 ...),
// one associated gene (symbol null = any) or one run (run_id null = every run; list_runs.cypher
// lists them). HT29 carries a TP53 mutation, and TP53 is modelled in every run by default.
// Cell lines are "super-nodes": (:CellLine)-[:HAS_MUTATION {type}]->(:Gene), named in upper-case
// letters and digits only ("MCF-7" -> "MCF7").
WITH 'HT29' AS cell_line, null AS symbol, null AS run_id
MATCH (c:CellLine {name: cell_line})-[m:HAS_MUTATION]->(mut:Gene)
MATCH (mut)-[a:ASSOCIATED_WITH]-(t:Gene)
WHERE (symbol IS NULL OR t.symbol = symbol) AND (run_id IS NULL OR a.run_id = run_id)
WITH mut, t, a, collect(DISTINCT m.type) AS mutation_types
RETURN mut.symbol AS mutated_gene,
       mut.entrez_id AS entrez_id,
       mutation_types,
       t.symbol AS associated_gene,
       CASE WHEN startNode(a) = mut THEN 'mutated gene relies on it' ELSE 'it relies on the mutated gene' END AS direction,
       a.feature_set AS feature_set,
       a.run_id AS run_id,
       a.weight AS weight,
       a.rank AS rank
ORDER BY weight DESC, mutated_gene, associated_gene
LIMIT 50
