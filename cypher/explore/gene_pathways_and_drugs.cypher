// A gene's KEGG pathways and the drugs that target it.
//
// Paste into Neo4j Browser (http://localhost:7474). Set the gene first, e.g.:
//   :param symbol => "TP53"
// (or look it up by Entrez id: replace {symbol: $symbol} below by {entrez_id: 7157}).
//
// One row: the gene, its pathways (kegg_id, name) and its drugs (drug_id, name, provenance).
// For a picture instead of a table, run:
//   MATCH (g:Gene {symbol: $symbol}) OPTIONAL MATCH p = (g)-[:IN_PATHWAY]->(:Pathway)
//   OPTIONAL MATCH q = (:Drug)-[:TARGETS]->(g) RETURN g, p, q
MATCH (g:Gene {symbol: $symbol})
OPTIONAL MATCH (g)-[:IN_PATHWAY]->(p:Pathway)
WITH g, collect(DISTINCT {kegg_id: p.kegg_id, name: p.name}) AS pathway_rows
OPTIONAL MATCH (d:Drug)-[t:TARGETS]->(g)
WITH g, pathway_rows, collect(DISTINCT {drug_id: d.drug_id, name: d.name, provenance: t.provenance}) AS drug_rows
RETURN g.entrez_id AS entrez_id,
       g.symbol AS symbol,
       g.name AS name,
       g.landmark AS landmark,
       [x IN pathway_rows WHERE x.kegg_id IS NOT NULL] AS pathways,
       [x IN drug_rows WHERE x.drug_id IS NOT NULL] AS drugs
