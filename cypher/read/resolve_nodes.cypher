// Node ids ("Label:key", split by the caller into one key list per label) -> elementId.
// Keys that match no node return no row.
UNWIND $Gene AS k MATCH (n:Gene {entrez_id: k}) RETURN 'Gene' AS label, k AS key, elementId(n) AS eid
UNION ALL
UNWIND $Pathway AS k MATCH (n:Pathway {kegg_id: k}) RETURN 'Pathway' AS label, k AS key, elementId(n) AS eid
UNION ALL
UNWIND $Drug AS k MATCH (n:Drug {drug_id: k}) RETURN 'Drug' AS label, k AS key, elementId(n) AS eid
UNION ALL
UNWIND $CellLine AS k MATCH (n:CellLine {name: k}) RETURN 'CellLine' AS label, k AS key, elementId(n) AS eid
