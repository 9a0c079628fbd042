"""The graph schema: the only labels, relationship types and keys any backend may use.

Backends build queries from these names only, so a user-supplied string can never
become a label or a relationship type.
"""

from __future__ import annotations

from dataclasses import dataclass

# label -> the property that identifies a node
NODE_KEYS: dict[str, str] = {
    "Gene": "entrez_id",
    "Pathway": "kegg_id",
    "Drug": "drug_id",
    "CellLine": "name",
}

@dataclass(frozen=True)
class RelType:
    name: str
    source: str
    target: str
    # properties that, with the two end nodes, identify one relationship
    identity: tuple[str, ...] = ()


#: the learned gene->gene edges the explain stage writes back (one run's edges carry its ``run_id``)
ASSOCIATED_WITH = "ASSOCIATED_WITH"

REL_TYPES: dict[str, RelType] = {
    "IN_PATHWAY": RelType("IN_PATHWAY", "Gene", "Pathway"),
    "INTERACTS": RelType("INTERACTS", "Gene", "Gene", ("pathway",)),
    "TARGETS": RelType("TARGETS", "Drug", "Gene"),
    "HAS_MUTATION": RelType("HAS_MUTATION", "CellLine", "Gene", ("type",)),
    ASSOCIATED_WITH: RelType(ASSOCIATED_WITH, "Gene", "Gene", ("run_id", "feature_set")),
}

# learned edges are written back after training and never feed the features
LEARNED_TYPES = frozenset({ASSOCIATED_WITH})
KNOWLEDGE_TYPES = tuple(t for t in REL_TYPES if t not in LEARNED_TYPES)


def check_label(label: str) -> str:
    if label not in NODE_KEYS:
        raise ValueError(f"unknown node label {label!r}; allowed: {sorted(NODE_KEYS)}")
    return label


def check_rel_type(rel_type: str) -> RelType:
    if rel_type not in REL_TYPES:
        raise ValueError(f"unknown relationship type {rel_type!r}; allowed: {sorted(REL_TYPES)}")
    return REL_TYPES[rel_type]


def node_id(label: str, key) -> str:
    """Global node id used by features and the adjacency ("Gene:7157")."""
    return f"{label}:{key}"
