// Shortest paths from a drug to a gene through the knowledge graph.
//
// Follows what the features see: drug targets, KGML interactions, pathway membership and
// cell-line mutations, in either direction. Learned ASSOCIATED_WITH edges are left out.
// Set the parameters first, e.g.:
//   :param drug => "imatinib"      // a drug name (any case) or a drug_id (e.g. "D01441", "BRD-K92723993")
//   :param symbol => "TP53"
// Returns up to 25 paths of at most 6 hops (Browser draws them, switch to Table for the text).
MATCH (d:Drug)
WHERE d.drug_id = $drug OR toLower(d.name) = toLower($drug)
MATCH (g:Gene {symbol: $symbol})
MATCH p = allShortestPaths((d)-[:TARGETS|INTERACTS|IN_PATHWAY|HAS_MUTATION*..6]-(g))
RETURN p,
       length(p) AS hops,
       [n IN nodes(p) | coalesce(n.symbol, n.name, n.kegg_id, n.drug_id)] AS via
ORDER BY hops
LIMIT 25
