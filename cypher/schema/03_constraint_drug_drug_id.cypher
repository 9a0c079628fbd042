// One Drug node per drug id (KEGG D number, DrugBank id or LINCS pert_id).
CREATE CONSTRAINT drug_drug_id IF NOT EXISTS
FOR (n:Drug) REQUIRE n.drug_id IS UNIQUE
