"""Graph features: named similarity and embedding methods over one :class:`GraphView`.

>>> g = graph_from_edges(nodes_df, edges_df)              # doctest: +SKIP
>>> available_methods()                                   # doctest: +SKIP
['cn', 'lpi', 'entropy', 'laplacian', 'lle', 'deepwalk', 'node2vec', 'fastrp']
>>> compute_features(g, "lpi", rows=genes, panel=genes, beta=0.01)   # doctest: +SKIP

Similarity methods return ``rows`` x ``panel`` (``panel=None`` -> the rows themselves);
embedding methods return ``rows`` x ``d0..d{dim-1}`` and ignore ``panel``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import similarity as _similarity  # noqa: F401  (registers cn, lpi, entropy)
from . import embedding as _embedding  # noqa: F401  (registers laplacian, lle, deepwalk, node2vec, fastrp)
from .base import REGISTRY, FeatureMethod, GraphView, register

__all__ = [
    "GraphView",
    "FeatureMethod",
    "REGISTRY",
    "register",
    "available_methods",
    "get_method",
    "resolve_params",
    "compute_features",
    "graph_hash",
    "cache_key",
    "graph_from_edges",
    "FEATURES_VERSION",
]

#: Bumped whenever a method's numbers change, so cached features are invalidated.
FEATURES_VERSION = 1

_ORDER = ["cn", "lpi", "entropy", "laplacian", "lle", "deepwalk", "node2vec", "fastrp"]


def available_methods() -> list[str]:
    """Registered method names: the built-ins in their fixed order, then any others."""
    return [m for m in _ORDER if m in REGISTRY] + [m for m in REGISTRY if m not in _ORDER]


def get_method(name: str) -> FeatureMethod:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown feature method {name!r}; available: {', '.join(available_methods())}") from None


def resolve_params(name: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The method's defaults overridden by ``params``; unknown parameter names are an error."""
    method = get_method(name)
    params = dict(params or {})
    unknown = sorted(set(params) - set(method.defaults))
    if unknown:
        accepted = ", ".join(sorted(method.defaults)) or "none"
        raise ValueError(f"method {name!r} got unknown parameter(s) {unknown}; accepted: {accepted}")
    return {**method.defaults, **params}


def compute_features(
    graph: GraphView,
    name: str,
    rows: Sequence[str],
    panel: Sequence[str] | None = None,
    seed: int = 0,
    **params,
) -> pd.DataFrame:
    """Run method ``name`` with its defaults merged with ``params``.

    Raises ``ValueError`` for an unknown method or parameter and ``KeyError`` for ids that are
    not nodes of the graph.
    """
    method = get_method(name)
    merged = resolve_params(name, params)
    rows = list(rows)
    graph.index_of(rows)
    if method.kind == "similarity":
        if panel is not None:
            panel = list(panel)
            graph.index_of(panel)
        return method.compute(graph, rows, panel, seed=seed, **merged)
    return method.compute(graph, rows, None, seed=seed, **merged)


def graph_hash(graph: GraphView) -> str:
    """sha256 over the node ids (in order) and the canonical binary CSR (indptr, indices)."""
    A = sp.csr_matrix(graph.adjacency, copy=True)
    A.eliminate_zeros()
    A.sum_duplicates()
    A.sort_indices()
    h = hashlib.sha256()
    h.update(b"kgexpr-graph-v1\0")
    h.update(str(len(graph.nodes)).encode() + b"\0")
    for node in graph.nodes:
        h.update(str(node).encode("utf-8") + b"\0")
    h.update(np.ascontiguousarray(A.indptr, dtype=np.int64).tobytes())
    h.update(np.ascontiguousarray(A.indices, dtype=np.int64).tobytes())
    return h.hexdigest()


def _jsonable(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (tuple, list, np.ndarray, pd.Index)):
        return [_jsonable(v) for v in list(x)]
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    return x


def cache_key(
    graph_hash: str,
    name: str,
    params: dict[str, Any],
    rows: Sequence[str],
    panel: Sequence[str] | None,
) -> str:
    """sha256 identifying one feature computation.

    ``params`` should be the fully resolved parameters (see :func:`resolve_params`) *including*
    the seed, e.g. ``{**resolve_params(name, p), "seed": 0}``.  The panel is ignored for
    embedding methods; ``FEATURES_VERSION`` is part of the key.
    """
    kind = REGISTRY[name].kind if name in REGISTRY else None
    if kind == "embedding":
        panel = None
    payload = {
        "version": FEATURES_VERSION,
        "graph": graph_hash,
        "method": name,
        "params": _jsonable(dict(params)),
        "rows": [str(r) for r in rows],
        "panel": None if panel is None else [str(p) for p in panel],
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def graph_from_edges(nodes: pd.DataFrame, edges: pd.DataFrame) -> GraphView:
    """Build a :class:`GraphView` from a node table [node_id, label] and an edge table [source, target].

    Node order is sorted by node_id (stable, reproducible); edges are made undirected, self-loops
    and duplicate edges (in either direction) are dropped; the adjacency is symmetric 0/1 float64
    CSR with sorted indices.  Raises ``ValueError`` for missing columns, conflicting duplicate
    node ids or edges that name unknown nodes.
    """
    for col in ("node_id", "label"):
        if col not in nodes.columns:
            raise ValueError(f"nodes table lacks column {col!r}")
    for col in ("source", "target"):
        if col not in edges.columns:
            raise ValueError(f"edges table lacks column {col!r}")
    nd = nodes[["node_id", "label"]].copy()
    nd["node_id"] = nd["node_id"].astype(str)
    nd = nd.drop_duplicates()
    if nd["node_id"].duplicated().any():
        bad = nd.loc[nd["node_id"].duplicated(keep=False), "node_id"].unique()[:5].tolist()
        raise ValueError(f"node ids with conflicting labels: {bad}")
    nd = nd.sort_values("node_id", kind="stable").reset_index(drop=True)
    index = pd.Index(nd["node_id"].to_numpy(dtype=object), dtype=object)
    n = len(index)
    src = index.get_indexer(edges["source"].astype(str))
    dst = index.get_indexer(edges["target"].astype(str))
    bad = (src < 0) | (dst < 0)
    if bad.any():
        e = edges.loc[bad, ["source", "target"]].head(5).to_dict("records")
        raise ValueError(f"{int(bad.sum())} edge(s) name unknown nodes, e.g. {e}")
    keep = src != dst
    src, dst = src[keep], dst[keep]
    r = np.concatenate([src, dst]).astype(np.int64)
    c = np.concatenate([dst, src]).astype(np.int64)
    A = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
    A.sum_duplicates()
    A.data[:] = 1.0
    A.sort_indices()
    return GraphView(adjacency=A, nodes=index, labels=nd["label"].to_numpy(dtype=object))
