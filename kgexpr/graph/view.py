"""The graph every feature method reads: one undirected 0/1 adjacency over all node kinds.

It lives in :mod:`kgexpr.graph` (not in :mod:`kgexpr.features`) so that a store can build it
from its export without the graph layer importing the feature layer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["GraphView", "graph_from_edges", "graph_hash"]


@dataclass(frozen=True)
class GraphView:
    """An undirected, unweighted graph over all node kinds, with a stable node order.

    ``adjacency`` is symmetric CSR with 0/1 entries and an empty diagonal; row i is
    node ``nodes[i]`` (ids like "Gene:7157", "Drug:BRD-K76908866", "Pathway:hsa04110",
    "CellLine:A375"); ``labels[i]`` is its label ("Gene", "Drug", ...).
    """

    adjacency: sp.csr_matrix
    nodes: pd.Index
    labels: np.ndarray
    #: directed signed edges (row = source, column = target; +1 raises, -1 lowers the target,
    #: :mod:`kgexpr.graph.signs`): KGML relations and drug actions; None when the source gives none
    signed: sp.csr_matrix | None = None

    def index_of(self, ids) -> np.ndarray:
        idx = self.nodes.get_indexer(pd.Index(ids))
        if (idx < 0).any():
            missing = [i for i, k in zip(ids, idx) if k < 0][:5]
            raise KeyError(f"nodes not in graph: {missing}")
        return idx


def graph_from_edges(nodes: pd.DataFrame, edges: pd.DataFrame) -> GraphView:
    """Build a :class:`GraphView` from a node table [node_id, label] and an edge table [source, target].

    An edge table with a ``sign`` column (+1, -1, 0) also gives the view its directed ``signed`` matrix.

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
    signed = None
    if "sign" in edges.columns:
        sign = edges["sign"].to_numpy(dtype=np.int64)[keep]
        on = sign != 0
        S = sp.csr_matrix((sign[on].astype(np.float64), (src[on], dst[on])), shape=(n, n))
        S.sum_duplicates()  # a pair related in several pathways: the sign of the sum, 0 when they disagree
        S.data = np.sign(S.data)
        S.eliminate_zeros()
        S.sort_indices()
        signed = S if S.nnz else None
    return GraphView(adjacency=A, nodes=index, labels=nd["label"].to_numpy(dtype=object), signed=signed)


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
    if graph.signed is not None and graph.signed.nnz:  # unsigned graphs keep the hash they always had
        S = sp.csr_matrix(graph.signed, copy=True)
        S.sum_duplicates()
        S.sort_indices()
        h.update(b"signed\0")
        h.update(np.ascontiguousarray(S.indptr, dtype=np.int64).tobytes())
        h.update(np.ascontiguousarray(S.indices, dtype=np.int64).tobytes())
        h.update(np.ascontiguousarray(np.sign(S.data), dtype=np.int8).tobytes())
    return h.hexdigest()
