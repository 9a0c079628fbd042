// Shortest paths from a drug to a gene through the knowledge graph.
//
// Runs as it is in Neo4j Browser; to ask about another pair, edit the values on the first
// WITH line: a drug name (any case; the full-text index kgexpr_names finds it under any of its
// sources' names) or a drug_id (DrugBank "DB00619", Broad "BRD-K92723993", KEGG "D01441"), and a
// gene symbol. Follows what the features see: drug targets, KGML interactions, pathway
// membership and cell-line mutations, in either direction; learned ASSOCIATED_WITH edges are
// left out. Up to 25 paths of at most 6 hops (Browser draws them; Table shows the text), ordered by
// hops, drug and the nodes they pass, so the same 25 whatever order the graph was loaded in.
WITH 'imatinib' AS drug, 'TP53' AS symbol
CALL (drug) {
  MATCH (d:Drug {drug_id: drug}) RETURN d
  UNION
  CALL db.index.fulltext.queryNodes('kgexpr_names', '"' + replace(drug, '"', '') + '"') YIELD node
  WITH node AS d WHERE d:Drug AND toLower(drug) IN [x IN split(toLower(coalesce(d.names, d.name, '')), ';') | trim(x)]
  RETURN d
}
MATCH (g:Gene {symbol: symbol})
MATCH p = allShortestPaths((d)-[:TARGETS|INTERACTS|IN_PATHWAY|HAS_MUTATION*..6]-(g))
RETURN p,
       d.drug_id AS drug_id,
       length(p) AS hops,
       [n IN nodes(p) | coalesce(n.symbol, n.name, n.kegg_id, n.drug_id, '')] AS via
ORDER BY hops, drug_id, via
LIMIT 25
