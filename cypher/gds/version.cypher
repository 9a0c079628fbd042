// Is the Graph Data Science plugin installed? (fails with an unknown-function error if not)
RETURN gds.version() AS version
