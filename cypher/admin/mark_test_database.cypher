// The test suite's mark on a database it may empty (a label no kgexpr query reads).
MERGE (m:KgexprTestDatabase {owner: 'kgexpr test suite'})
SET m.marked_at = datetime()
