// Connection check at start-up: the database exists and answers.
RETURN 1 AS ok
