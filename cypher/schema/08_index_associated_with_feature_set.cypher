// Filter learned associations by the feature set whose model produced them.
CREATE INDEX associated_with_feature_set IF NOT EXISTS
FOR ()-[r:ASSOCIATED_WITH]-() ON (r.feature_set)
