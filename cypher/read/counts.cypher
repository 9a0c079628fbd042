// Node counts per label and relationship counts per type (from the count store).
CALL () { MATCH (n:Gene) RETURN count(n) AS gene }
CALL () { MATCH (n:Pathway) RETURN count(n) AS pathway }
CALL () { MATCH (n:Drug) RETURN count(n) AS drug }
CALL () { MATCH (n:CellLine) RETURN count(n) AS cellline }
CALL () { MATCH ()-[r:IN_PATHWAY]->() RETURN count(r) AS in_pathway }
CALL () { MATCH ()-[r:INTERACTS]->() RETURN count(r) AS interacts }
CALL () { MATCH ()-[r:TARGETS]->() RETURN count(r) AS targets }
CALL () { MATCH ()-[r:HAS_MUTATION]->() RETURN count(r) AS has_mutation }
CALL () { MATCH ()-[r:ASSOCIATED_WITH]->() RETURN count(r) AS associated_with }
RETURN {Gene: gene, Pathway: pathway, Drug: drug, CellLine: cellline,
        IN_PATHWAY: in_pathway, INTERACTS: interacts, TARGETS: targets,
        HAS_MUTATION: has_mutation, ASSOCIATED_WITH: associated_with} AS counts
