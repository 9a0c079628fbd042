// Empty the database in batches: Neo4jStore.clear() (tests, benchmarks, re-loads from scratch).
// Needs an auto-commit transaction (CALL ... IN TRANSACTIONS). Constraints and indexes stay.
MATCH (n)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
