// One Gene node per Entrez id (also the index MERGE uses to find it).
CREATE CONSTRAINT gene_entrez_id IF NOT EXISTS
FOR (n:Gene) REQUIRE n.entrez_id IS UNIQUE
