// One CellLine super-node per cell line name.
CREATE CONSTRAINT cellline_name IF NOT EXISTS
FOR (n:CellLine) REQUIRE n.name IS UNIQUE
