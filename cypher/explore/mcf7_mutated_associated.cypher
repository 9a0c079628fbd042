// Genes mutated in MCF7 (or another cell line) that have a learned association with a target gene.
//
// Runs as it is in Neo4j Browser; edit the WITH line for another cell line, gene or run
// (run_id null = every run; `list_runs.cypher` lists them). Cell lines are COSMIC/GDSC
// "super-nodes": (:CellLine)-[:HAS_MUTATION {type}]->(:Gene), their names upper-case letters and
// digits only ("MCF-7" -> "MCF7").
WITH 'MCF7' AS cell_line, 'TP53' AS symbol, null AS run_id
MATCH (c:CellLine {name: cell_line})-[m:HAS_MUTATION]->(mut:Gene)
MATCH (mut)-[a:ASSOCIATED_WITH]-(t:Gene {symbol: symbol})
WHERE run_id IS NULL OR a.run_id = run_id
WITH mut, t, a, collect(DISTINCT m.type) AS mutation_types
RETURN mut.symbol AS mutated_gene,
       mut.entrez_id AS entrez_id,
       mutation_types,
       CASE WHEN startNode(a) = t THEN 'target relies on it' ELSE 'it relies on target' END AS direction,
       a.feature_set AS feature_set,
       a.run_id AS run_id,
       a.weight AS weight,
       a.rank AS rank
ORDER BY weight DESC, mutated_gene
