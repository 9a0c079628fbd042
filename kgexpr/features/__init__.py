"""Graph features: named similarity and embedding methods over one :class:`GraphView`.

>>> g = graph_from_edges(nodes_df, edges_df)              # doctest: +SKIP
>>> available_methods()                                   # doctest: +SKIP
['cn', 'lpi', 'entropy', 'laplacian', 'lle', 'deepwalk', 'node2vec', 'fastrp']
>>> compute_features(g, "lpi", rows=genes, panel=genes, beta=0.01)   # doctest: +SKIP

Similarity methods return ``rows`` x ``panel`` (``panel=None`` -> the rows themselves);
embedding methods return ``rows`` x ``d0..d{dim-1}`` and ignore ``panel``.

:func:`compute_features` always runs in Python; :func:`compute_on` lets the store's database
compute what it can (:mod:`kgexpr.features.dispatch`) and says which engine ran:

>>> compute_on("lpi", genes, genes, view=g, store=store).engine   # doctest: +SKIP
'neo4j-cypher'
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from kgexpr.graph.view import GraphView, graph_from_edges, graph_hash

from . import similarity as _similarity  # noqa: F401  (registers cn, lpi, entropy)
from . import embedding as _embedding  # noqa: F401  (registers laplacian, lle, deepwalk, node2vec, fastrp)
from . import mechanism as _mechanism  # noqa: F401  (registers targets, propagation)
from .base import REGISTRY, FeatureMethod, available_methods, compute_features, get_method, register, resolve_params
from .dispatch import FeatureResult, compute_on

__all__ = [
    "GraphView",
    "FeatureMethod",
    "FeatureResult",
    "REGISTRY",
    "register",
    "available_methods",
    "get_method",
    "resolve_params",
    "compute_features",
    "compute_on",
    "graph_hash",
    "table_parts",
    "graph_from_edges",
    "FEATURES_VERSION",
]

#: Bumped whenever a method's numbers change, so cached features are invalidated.
#: 2: GDS projects nodes in the GraphView's order (embeddings follow the content, not Neo4j's ids).
FEATURES_VERSION = 2


def _jsonable(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (tuple, list, np.ndarray, pd.Index)):
        return [_jsonable(v) for v in list(x)]
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    return x


def table_parts(
    graph_hash: str,
    name: str,
    params: dict[str, Any],
    rows: Sequence[str],
    panel: Sequence[str] | None,
) -> dict:
    """What one feature table depends on, as JSON (the features stage hashes it with the stage's key mechanism).

    ``params`` should be the fully resolved parameters (see :func:`resolve_params`) *including*
    the seed, e.g. ``{**resolve_params(name, p), "seed": 0}``.  The panel is ignored for
    embedding methods; ``FEATURES_VERSION`` is part of it.
    """
    kind = REGISTRY[name].kind if name in REGISTRY else None
    if kind == "embedding":
        panel = None
    return {
        "version": FEATURES_VERSION,
        "graph": graph_hash,
        "method": name,
        "params": _jsonable(dict(params)),
        "rows": [str(r) for r in rows],
        "panel": None if panel is None else [str(p) for p in panel],
    }
