// One Pathway node per KEGG map id (e.g. "hsa04110").
CREATE CONSTRAINT pathway_kegg_id IF NOT EXISTS
FOR (n:Pathway) REQUIRE n.kegg_id IS UNIQUE
