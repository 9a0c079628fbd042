// Wait until the constraints and indexes above are online (seconds).
CALL db.awaitIndexes($timeout_s)
