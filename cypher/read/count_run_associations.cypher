// How many learned associations of one run the graph holds (read back after writing them).
MATCH (:Gene)-[a:ASSOCIATED_WITH {run_id: $run_id}]->(:Gene)
RETURN count(a) AS n
