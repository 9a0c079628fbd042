// The strongest learned associations of TP53 (or any gene).
//
// ASSOCIATED_WITH edges are written back by `kgexpr run` / `kgexpr explain`:
// (a)-[:ASSOCIATED_WITH]->(b) means the stage-2 MTRS model of gene a relies on the predicted
// expression of gene b. weight = that importance, rank 1 = the strongest for gene a,
// run_id = the run (see list_runs.cypher), feature_set = the model (baseline, cn, lpi, ...).
// Runs as it is in Neo4j Browser; edit the WITH line for another gene or one run (null = all).
WITH 'TP53' AS symbol, null AS run_id
MATCH (g:Gene {symbol: symbol})-[a:ASSOCIATED_WITH]-(other:Gene)
WHERE run_id IS NULL OR a.run_id = run_id
RETURN CASE WHEN startNode(a) = g THEN g.symbol + ' relies on ' + other.symbol
            ELSE other.symbol + ' relies on ' + g.symbol END AS association,
       other.symbol AS other_symbol,
       other.entrez_id AS other_entrez_id,
       a.feature_set AS feature_set,
       a.run_id AS run_id,
       a.weight AS weight,
       a.rank AS rank
ORDER BY weight DESC, other_symbol
LIMIT 25
