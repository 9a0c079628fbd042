// Every node of the database, and the marker the test suite leaves in a database it owns
// (tests/neo4j_fixtures.py refuses to empty a database that holds data it did not create).
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH (m:KgexprTestDatabase) RETURN count(m) AS markers }
RETURN nodes, markers
