"""Graph similarity measures used as gene features (paper section "Similarity measures").

Every method here is registered with ``kind="similarity"`` and has the signature
``fn(graph, rows, panel, *, seed=0, **params) -> DataFrame`` returning a float64 frame with
index ``rows`` and one column per ``panel`` node.  ``panel=None`` means "the rows themselves"
(a square rows x rows matrix).  No method ever densifies the whole n x n graph: only the
``rows`` (and, where needed, their 2-hop reach) are touched.

Methods
-------
``cn``       common neighbours ``|Γx ∩ Γy|`` (0 on the diagonal x == y).
``lpi``      local path index ``A² + β·A³`` (Lü, Jin & Zhou 2009; walks, not simple paths).
``entropy``  relative-entropy structural dissimilarity (Zhang, Li & Deng, Physica A 2018) —
             a *divergence*: lower = more similar, returned raw as in the paper.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .base import GraphView, register

__all__ = ["binary_adjacency", "common_neighbours", "local_path_index", "entropy_similarity", "entropy_profiles"]


# --------------------------------------------------------------------------------------------
# shared helpers (also used by embedding.py)
# --------------------------------------------------------------------------------------------


def binary_adjacency(graph: GraphView) -> sp.csr_matrix:
    """The graph's adjacency as canonical float64 CSR: 0/1 data, sorted indices, empty diagonal.

    Raises ``ValueError`` if the matrix is not square, does not match ``graph.nodes`` or is not
    symmetric (every method here assumes an undirected graph).
    """
    A = graph.adjacency
    if not sp.issparse(A):
        A = sp.csr_matrix(np.asarray(A))
    A = sp.csr_matrix(A, dtype=np.float64, copy=True)
    n = len(graph.nodes)
    if A.shape != (n, n):
        raise ValueError(f"adjacency shape {A.shape} does not match {n} nodes")
    A.setdiag(0)
    A.eliminate_zeros()
    A.sum_duplicates()
    A.data[:] = 1.0
    A.sort_indices()
    if A.nnz and (abs(A - A.T) > 0).nnz:
        raise ValueError("adjacency is not symmetric; the graph must be undirected")
    return A


def _resolve(graph: GraphView, rows: Sequence[str], panel: Sequence[str] | None):
    rows = list(rows)
    panel = rows if panel is None else list(panel)
    return rows, panel, graph.index_of(rows), graph.index_of(panel)


def _zero_self_pairs(S: np.ndarray, ri: np.ndarray, pj: np.ndarray) -> np.ndarray:
    """Set S[a, b] = 0 wherever rows[a] and panel[b] are the same node."""
    if len(ri) == 0 or len(pj) == 0:
        return S
    order = np.argsort(pj, kind="stable")
    sp_ = pj[order]
    lo = np.searchsorted(sp_, ri, side="left")
    hi = np.searchsorted(sp_, ri, side="right")
    for a in np.nonzero(hi > lo)[0]:
        S[a, order[lo[a] : hi[a]]] = 0.0
    return S


def _frame(S: np.ndarray, rows, panel) -> pd.DataFrame:
    return pd.DataFrame(np.ascontiguousarray(S, dtype=np.float64), index=pd.Index(rows), columns=pd.Index(panel))


# --------------------------------------------------------------------------------------------
# common neighbours
# --------------------------------------------------------------------------------------------


@register("cn", "similarity", "Common neighbours |Γx ∩ Γy| (0 when x == y)")
def common_neighbours(graph: GraphView, rows: Sequence[str], panel: Sequence[str] | None = None, *, seed: int = 0) -> pd.DataFrame:
    """S[x, y] = |Γx ∩ Γy| for x != y and 0 for x == y, computed as ``A[rows] @ A[:, panel]``."""
    rows, panel, ri, pj = _resolve(graph, rows, panel)
    A = binary_adjacency(graph)
    S = (A[ri] @ A[pj].T).toarray()
    return _frame(_zero_self_pairs(S, ri, pj), rows, panel)


# --------------------------------------------------------------------------------------------
# local path index
# --------------------------------------------------------------------------------------------


@register("lpi", "similarity", "Local path index A² + β·A³ (0 when x == y)")
def local_path_index(
    graph: GraphView, rows: Sequence[str], panel: Sequence[str] | None = None, *, seed: int = 0, beta: float = 0.01
) -> pd.DataFrame:
    """S = A² + β·A³ restricted to rows x panel (Lü, Jin & Zhou, Phys. Rev. E 2009).

    ``A³[x, y]`` counts walks of length 3 (as in the original LP index), not simple paths.
    Computed sparsely as ``A[rows] @ A[:, panel] + β·(A[rows] @ A) @ A[:, panel]``; only the
    rows' 2-hop reach is ever materialised.  Entries with x == y are set to 0.
    """
    rows, panel, ri, pj = _resolve(graph, rows, panel)
    A = binary_adjacency(graph)
    Ar = A[ri]
    Ap = A[pj].T.tocsr()  # n x |panel|  (A is symmetric)
    S = (Ar @ Ap).toarray()
    if beta != 0.0:
        S += float(beta) * ((Ar @ A) @ Ap).toarray()
    return _frame(_zero_self_pairs(S, ri, pj), rows, panel)


# --------------------------------------------------------------------------------------------
# relative-entropy structural similarity
# --------------------------------------------------------------------------------------------


def entropy_profiles(A: sp.csr_matrix, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted local degree distributions P(i) for ``nodes`` as a ragged array.

    Returns ``(values, offsets)``: P(nodes[t]) is ``values[offsets[t]:offsets[t+1]]``, of length
    deg(i) + 1, sorted decreasing.  The local network of i is i plus its neighbours; D(k) is the
    degree *in G* of each member; P(i, k) = D(k) / Σ D.  An isolated node has local network {i}
    with D = [0]; we define P(i) = [1] (all mass on the node itself).
    """
    deg = np.diff(A.indptr).astype(np.int64)
    nodes = np.asarray(nodes, dtype=np.int64)
    sub = A[nodes]
    lengths = deg[nodes] + 1
    offsets = np.zeros(len(nodes) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    seg = np.repeat(np.arange(len(nodes)), lengths)
    vals = np.empty(offsets[-1], dtype=np.float64)
    # first slot of each segment: the node itself, then its neighbours (in CSR order)
    is_self = np.zeros(offsets[-1], dtype=bool)
    is_self[offsets[:-1]] = True
    vals[is_self] = deg[nodes]
    vals[~is_self] = deg[sub.indices]
    order = np.lexsort((-vals, seg))  # by segment, then decreasing value
    vals = vals[order]
    sums = np.add.reduceat(vals, offsets[:-1]) if len(nodes) else np.zeros(0)
    iso = sums == 0
    sums[iso] = 1.0
    vals /= np.repeat(sums, lengths)
    vals[offsets[:-1][iso]] = 1.0  # isolated node: P = [1]
    return vals, offsets


def _entropy_matrix(A: sp.csr_matrix, ri: np.ndarray, pj: np.ndarray, max_cells: int = 1 << 21) -> np.ndarray:
    """S[a, b] = Σ_{k<m'} (P_i,k − P_j,k)(ln P_i,k − ln P_j,k), i = ri[a], j = pj[b].

    This equals D_KL(P(i)||P(j)) + D_KL(P(j)||P(i)) truncated at m' = min(deg i, deg j) + 1
    terms; every term is >= 0 and both distributions are strictly positive for k <= m'.
    Loops over rows; vectorised over chunks of the panel (sorted by degree to limit padding).
    """
    uniq, inv = np.unique(np.concatenate([ri, pj]), return_inverse=True)
    vals, offs = entropy_profiles(A, uniq)
    lens = np.diff(offs)
    r_u, p_u = inv[: len(ri)], inv[len(ri) :]
    logs = np.log(vals)

    S = np.zeros((len(ri), len(pj)), dtype=np.float64)
    if len(ri) == 0 or len(pj) == 0:
        return S
    porder = np.argsort(lens[p_u], kind="stable")
    plen = lens[p_u][porder]
    start = 0
    while start < len(porder):
        # grow the chunk while chunk * width(max in chunk) stays under max_cells
        stop = start + 1
        while stop < len(porder) and (stop + 1 - start) * int(plen[stop]) <= max_cells:
            stop += 1
        cols = porder[start:stop]
        width = int(plen[stop - 1])
        c_u = p_u[cols]
        clen = lens[c_u]
        P = np.zeros((len(cols), width))
        L = np.zeros((len(cols), width))
        pos = np.arange(width)[None, :]
        fill = pos < clen[:, None]
        src = (offs[c_u][:, None] + pos)[fill]
        P[fill] = vals[src]
        L[fill] = logs[src]
        for a in range(len(ri)):
            u = r_u[a]
            li = int(lens[u])
            K = min(li, width)
            pi = vals[offs[u] : offs[u] + K]
            lpi = logs[offs[u] : offs[u] + K]
            T = (pi[None, :] - P[:, :K]) * (lpi[None, :] - L[:, :K])
            mprime = np.minimum(clen, li)
            T[pos[:, :K] >= mprime[:, None]] = 0.0
            S[a, cols] = T.sum(axis=1)
        start = stop
    return S


@register("entropy", "similarity", "Relative-entropy structural divergence (lower = more similar; raw)")
def entropy_similarity(graph: GraphView, rows: Sequence[str], panel: Sequence[str] | None = None, *, seed: int = 0) -> pd.DataFrame:
    """Relative-entropy structural similarity of Zhang, Li & Deng (Physica A 2018), as in the paper.

    For node i: its local network is i plus its neighbours; D(k) is the degree in G of each
    member; P(i) = D / ΣD sorted decreasingly and (conceptually) zero-padded to m = max degree + 1.
    With m' = min(deg i, deg j) + 1::

        S(i, j) = D_KL(P(i) || P(j)) + D_KL(P(j) || P(i)),   D_KL summed over k = 1..m'

    Choices the paper leaves open (documented here):

    * D(k) is the node's degree in the whole graph G (not in the induced local subgraph).
    * An isolated node (deg 0) has P = [1] (self only), so m' = 1 against any node j and
      S(i, j) = (1 − P(j,1))·(0 − ln P(j,1)); two isolated nodes have S = 0.
    * The truncated P vectors are *not* renormalised before the sum (as in the paper).
      Each symmetrised term (p − q)(ln p − ln q) is >= 0, so S >= 0, S(i, i) = 0.
    * The value is a *divergence*: lower = more similar.  It is returned raw (not converted to a
      similarity), exactly as the paper uses it as a feature.
    * Zero-padding to m never matters because only k <= m' <= both lengths contribute.
    """
    rows, panel, ri, pj = _resolve(graph, rows, panel)
    A = binary_adjacency(graph)
    return _frame(_entropy_matrix(A, ri, pj), rows, panel)
