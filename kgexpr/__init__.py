"""kgexpr: knowledge-graph features for predicting drug-induced gene expression."""

__version__ = "0.1.0"
