// A gene's KEGG pathways and the drugs that target it.
//
// Runs as it is in Neo4j Browser (http://127.0.0.1:7474/browser/); edit the symbol on the WITH
// line for another gene (or match {entrez_id: 7157} instead of {symbol: symbol}).
// One row: the gene, its pathways (kegg_id, name) and its drugs (drug_id, name, every source
// that lists the target). For a picture instead of a table:
//   MATCH (g:Gene {symbol: 'TP53'}) OPTIONAL MATCH p = (g)-[:IN_PATHWAY]->(:Pathway)
//   OPTIONAL MATCH q = (:Drug)-[:TARGETS]->(g) RETURN g, p, q
WITH 'TP53' AS symbol
MATCH (g:Gene {symbol: symbol})
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
