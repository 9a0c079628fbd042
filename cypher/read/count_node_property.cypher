// How many nodes carry a property (a feature written back by kgexpr), read back.
MATCH (n) WHERE n[$property] IS NOT NULL
RETURN count(n) AS n
