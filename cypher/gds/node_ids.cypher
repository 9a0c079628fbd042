// GDS node ids (from an embedding stream) -> kgexpr node ids "Label:key".
UNWIND $node_ids AS nid
WITH nid, gds.util.asNode(nid) AS n
RETURN nid,
  CASE
    WHEN n:Gene THEN 'Gene:' + toString(n.entrez_id)
    WHEN n:Pathway THEN 'Pathway:' + n.kegg_id
    WHEN n:Drug THEN 'Drug:' + n.drug_id
    WHEN n:CellLine THEN 'CellLine:' + n.name
  END AS node_id
