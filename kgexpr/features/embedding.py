"""Node embeddings (paper section "Graph embedding techniques", plus FastRP).

Every method here is registered with ``kind="embedding"``: it embeds the *whole* graph and
returns the ``rows`` subset as a float64 frame with columns ``d0 .. d{dim-1}``; ``panel`` is
ignored.  Spectral methods (``laplacian``, ``lle``) are bit-deterministic for a given seed and
machine and sign-fixed (each column's largest-|value| entry is positive; ties -> lowest index);
they put their eigenvalues in ``frame.attrs["eigenvalues"]``.  ``deepwalk``/``node2vec`` are
deterministic for a fixed seed with ``workers=1`` (gensim is not with more workers).

Disconnected graphs (both spectral methods)
-------------------------------------------
The trivial eigenvectors of these problems are exactly one per connected component (constant
on the component, up to a known scaling).  Instead of guessing them from "eigenvalue ≈ 0" we
split the graph into components, solve each component with its one trivial vector *deflated
exactly*, and then take the ``dim`` smallest non-trivial eigenpairs over all components (ties:
component order).  This is the same as solving the whole block-diagonal problem and skipping
all trivial eigenvalues.  Nodes of a component whose eigenpairs are not among the ``dim``
smallest get 0 in those columns; isolated nodes (degree 0) get the zero vector.  If fewer than
``dim`` non-trivial eigenpairs exist the remaining columns are 0 (eigenvalue NaN in attrs).
Components up to 2000 nodes are solved densely (LAPACK ``eigh``); larger ones with ARPACK
(``eigsh``) from a seeded start vector.
"""

from __future__ import annotations

import copy

import contextlib
from typing import Sequence

import numpy as np
import pandas as pd
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.sparse.csgraph import connected_components

from .base import GraphView, register
from .similarity import binary_adjacency
from .walks import node2vec_walks, start_nodes, uniform_walks, walks_to_sentences

__all__ = [
    "laplacian_eigenmaps",
    "locally_linear_embedding",
    "lle_weights",
    "deepwalk",
    "node2vec",
    "fastrp",
]

DENSE_MAX = 2000  # components up to this size are solved with dense LAPACK eigh


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _columns(dim: int) -> list[str]:
    return [f"d{i}" for i in range(dim)]


def _frame(Y: np.ndarray, graph: GraphView, rows: Sequence[str], eigenvalues=None) -> pd.DataFrame:
    rows = list(rows)
    idx = graph.index_of(rows)
    df = pd.DataFrame(np.ascontiguousarray(Y[idx], dtype=np.float64), index=pd.Index(rows), columns=_columns(Y.shape[1]))
    if eigenvalues is not None:
        df.attrs["eigenvalues"] = [float(x) for x in eigenvalues]
    return df


def _check_dim(dim) -> int:
    dim = int(dim)
    if dim < 1:
        raise ValueError(f"dim must be >= 1, got {dim}")
    return dim


def _sign_fix(Y: np.ndarray) -> np.ndarray:
    """Flip each column so that its largest-|value| entry (first one on ties) is positive."""
    if Y.size == 0:
        return Y
    idx = np.argmax(np.abs(Y), axis=0)
    signs = np.sign(Y[idx, np.arange(Y.shape[1])])
    signs[signs == 0] = 1.0
    return Y * signs + 0.0  # + 0.0 turns -0.0 into 0.0


def _rng_for(seed: int, *extra: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, *extra]))


def _blas_single_thread():
    """Context: BLAS limited to one thread.

    The spectral solvers issue many small BLAS-2 calls (ARPACK re-orthogonalisation, sparse LU
    triangular solves); multi-threaded OpenBLAS gains nothing on those and collapses when the
    cores are shared (laplacian on the 20k BA graph with one other busy process: 38 s with 2
    BLAS threads, 1.5 s with 1).  One thread also makes the results independent of the core
    count.  Falls back to a no-op when threadpoolctl (a scikit-learn dependency) is missing.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _merge(pieces, n: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """pieces: list of (eigvals (k,), nodes (s,), vecs (s, k)); keep the dim smallest overall."""
    Y = np.zeros((n, dim))
    lam = np.full(dim, np.nan)
    if not pieces:
        return Y, lam
    vals = np.concatenate([p[0] for p in pieces])
    comp = np.concatenate([np.full(len(p[0]), c) for c, p in enumerate(pieces)])
    col = np.concatenate([np.arange(len(p[0])) for p in pieces])
    order = np.lexsort((col, comp, vals))[:dim]
    for out_j, t in enumerate(order):
        ev, nodes, vecs = pieces[comp[t]]
        Y[nodes, out_j] = vecs[:, col[t]]
        lam[out_j] = vals[t]
    return _sign_fix(Y), lam


def _eigsh(op, k, which, v0, tol, ncv):
    n = op.shape[0]
    ncv = int(min(n, max(ncv, 2 * k + 1)))
    try:
        return spla.eigsh(op, k=k, which=which, v0=v0, tol=tol, ncv=ncv, maxiter=max(1000, 20 * n))
    except spla.ArpackNoConvergence:
        ncv2 = int(min(n, 2 * ncv))
        try:
            return spla.eigsh(op, k=k, which=which, v0=v0, tol=tol, ncv=ncv2, maxiter=max(1000, 50 * n))
        except spla.ArpackNoConvergence as exc:  # pragma: no cover - pathological spectra
            raise RuntimeError(f"ARPACK did not converge for {k} eigenpairs of a {n}-node component") from exc


def _deflating_op(mat, u: np.ndarray, shift: float) -> spla.LinearOperator:
    """x -> mat @ x + shift * u (u . x): moves the known eigenvector u's eigenvalue by `shift`."""
    n = mat.shape[0]

    def mv(x):
        x = np.asarray(x).reshape(-1)
        return mat @ x + shift * u * (u @ x)

    return spla.LinearOperator((n, n), matvec=mv, dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Laplacian eigenmaps
# --------------------------------------------------------------------------------------------


def _laplacian_component(Ac: sp.csr_matrix, dim: int, rng: np.random.Generator):
    s = Ac.shape[0]
    d = np.asarray(Ac.sum(axis=1)).ravel()
    sq = np.sqrt(d)
    u = sq / np.linalg.norm(sq)  # trivial eigenvector of N (eigenvalue 1)
    kmax = min(dim, s - 1)
    # N = D^-1/2 A D^-1/2; its eigenvalue mu <-> generalised eigenvalue lambda = 1 - mu of L f = lambda D f.
    # Deflation: N - 3 u u^T moves mu = 1 to -2, below the spectrum [-1, 1].
    if s <= DENSE_MAX or kmax >= s - 2:
        N = Ac.toarray() / sq[:, None] / sq[None, :]
        N -= 3.0 * np.outer(u, u)
        mu, G = sla.eigh(N)
        mu, G = mu[::-1][:kmax], G[:, ::-1][:, :kmax]
    else:
        Dm = sp.diags(1.0 / sq)
        N = (Dm @ Ac @ Dm).tocsr()
        mu, G = _eigsh(_deflating_op(N, u, -3.0), kmax, "LA", rng.standard_normal(s), 1e-10, 60)
        order = np.argsort(-mu, kind="stable")
        mu, G = mu[order], G[:, order]
    F = G / sq[:, None]  # f = D^-1/2 g, normalised so that f^T D f = 1
    return 1.0 - mu, F


def laplacian_eigenmaps(A: sp.csr_matrix, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(Y, eigenvalues) of L f = λ D f for the whole graph; see the module docstring."""
    n = A.shape[0]
    deg = np.diff(A.indptr)
    ncomp, labels = connected_components(A, directed=False)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(ncomp + 1))
    pieces = []
    for c in range(ncomp):
        nodes = order[bounds[c] : bounds[c + 1]]
        if len(nodes) < 2 or deg[nodes[0]] == 0:
            continue  # isolated node: zero embedding
        with _blas_single_thread():
            lam, F = _laplacian_component(A[nodes][:, nodes].tocsr(), dim, _rng_for(seed, c))
        pieces.append((lam, nodes, F))
    return _merge(pieces, n, dim)


@register(
    "laplacian",
    "embedding",
    "Laplacian eigenmaps: L f = λ D f on the graph itself (W = A); dim smallest non-trivial",
)
def laplacian(graph: GraphView, rows: Sequence[str], panel: Sequence[str] | None = None, *, seed: int = 0, dim: int = 16) -> pd.DataFrame:
    """Laplacian eigenmaps (Belkin & Niyogi 2003) with W = A.

    The graph itself is used as the neighbourhood graph with 0/1 weights (the paper builds a
    k-NN graph over gene vectors; here the nodes' "closeness" *is* the knowledge-graph edge
    set).  Solves the generalised problem ``L f = λ D f`` (L = D − W) via the equivalent
    symmetric problem on ``D^-1/2 W D^-1/2``, returns ``f`` (``fᵀ D f = 1``) for the ``dim``
    smallest non-trivial λ.  Components and isolated nodes: see the module docstring
    (one trivial eigenvector per component is deflated exactly; isolated nodes -> 0 vector).
    """
    dim = _check_dim(dim)
    A = binary_adjacency(graph)
    Y, lam = laplacian_eigenmaps(A, dim, seed)
    return _frame(Y, graph, rows, lam)


# --------------------------------------------------------------------------------------------
# Locally linear embedding
# --------------------------------------------------------------------------------------------


def _lle_neighbours(A: sp.csr_matrix, k: int, max_nnz: int = 4_000_000):
    """k nearest nodes by Euclidean distance between adjacency rows, among nodes within 2 hops.

    ``||a_i - a_j||² = deg_i + deg_j - 2 CN_ij``.  Candidates are j != i with A_ij = 1 or
    CN_ij > 0; ties are broken by lower node index.  Returns (nb, cn, count): nb[i, :count[i]]
    are the neighbours (-1 padded), cn the matching common-neighbour counts.
    """
    n = A.shape[0]
    deg = np.diff(A.indptr).astype(np.int64)
    nb = np.full((n, k), -1, dtype=np.int64)
    cn = np.zeros((n, k), dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    est = np.asarray(A @ deg.astype(np.float64)).ravel() + deg  # upper bound on 2-hop row sizes
    csum = np.cumsum(est)
    s = 0
    while s < n:
        e = int(np.searchsorted(csum, (csum[s - 1] if s else 0.0) + max_nnz, side="right"))
        e = min(n, max(e, s + 1))
        C = (A[s:e] @ A) * 2.0 + A[s:e]  # data = 2*CN + adjacency
        C = C.tocsr()
        ip = C.indptr
        ci = C.indices.astype(np.int64)
        cnv = (C.data.astype(np.int64)) // 2
        for r in range(e - s):
            i = s + r
            cols = ci[ip[r] : ip[r + 1]]
            if len(cols) == 0:
                continue
            cni = cnv[ip[r] : ip[r + 1]]
            keep = cols != i
            cols, cni = cols[keep], cni[keep]
            key = (deg[i] + deg[cols] - 2 * cni) * n + cols
            if len(key) > k:
                sel = np.argpartition(key, k - 1)[:k]
                cols, cni, key = cols[sel], cni[sel], key[sel]
            o = np.argsort(key, kind="stable")
            m = len(o)
            nb[i, :m] = cols[o]
            cn[i, :m] = cni[o]
            count[i] = m
        s = e
    return nb, cn, count


def _pair_cn(A: sp.csr_matrix, a: np.ndarray, b: np.ndarray, chunk: int = 100_000) -> np.ndarray:
    out = np.empty(len(a))
    for s in range(0, len(a), chunk):
        e = min(len(a), s + chunk)
        out[s:e] = np.asarray(A[a[s:e]].multiply(A[b[s:e]]).sum(axis=1)).ravel()
    return out


def lle_weights(A: sp.csr_matrix, k: int = 10, reg: float = 1e-3) -> sp.csr_matrix:
    """Sparse reconstruction weights W (rows sum to 1; isolated nodes: empty row).

    Local Gram matrix from counts only: ``G_ab = (x_i - x_a)·(x_i - x_b)
    = deg_i - CN_ia - CN_ib + CN_ab`` (CN_aa = deg_a).  Regularised as in scikit-learn:
    ``G += reg * trace(G) * I`` (``reg`` if the trace is 0); then ``G w = 1``, ``w /= sum(w)``.
    """
    n = A.shape[0]
    deg = np.diff(A.indptr).astype(np.int64)
    nb, cn, count = _lle_neighbours(A, k)
    valid = np.arange(k)[None, :] < count[:, None]  # (n, k)

    # CN between the chosen neighbours of each node (unique unordered pairs, computed once)
    ia, ib = np.triu_indices(k, 1)
    pv = valid[:, ia] & valid[:, ib]
    pa, pb = nb[:, ia][pv], nb[:, ib][pv]
    lo, hi = np.minimum(pa, pb), np.maximum(pa, pb)
    ukeys, inv = np.unique(lo * n + hi, return_inverse=True)
    pair_cn = _pair_cn(A, ukeys // n, ukeys % n)
    CNab = np.zeros((n, k, k))
    tmp = np.zeros((n, len(ia)))
    tmp[pv] = pair_cn[inv]
    CNab[:, ia, ib] = tmp
    CNab[:, ib, ia] = tmp
    diag = np.where(valid, deg[np.maximum(nb, 0)], 0)
    CNab[:, np.arange(k), np.arange(k)] = diag

    G = deg[:, None, None] - cn[:, :, None] - cn[:, None, :] + CNab
    vm = valid[:, :, None] & valid[:, None, :]
    G = np.where(vm, G, 0.0)
    trace = np.trace(G, axis1=1, axis2=2)
    R = np.where(trace > 0, reg * trace, reg)
    eye = np.eye(k)[None]
    G = G + np.where(valid[:, :, None], R[:, None, None] * eye, eye)  # padded slots: identity
    rhs = valid.astype(np.float64)[..., None]
    has = count > 0
    w = np.zeros((n, k))
    if has.any():
        w[has] = np.linalg.solve(G[has], rhs[has])[..., 0]
        w[has] /= w[has].sum(axis=1, keepdims=True)
    rows = np.repeat(np.arange(n), k)
    W = sp.csr_matrix((w.ravel()[valid.ravel()], (rows[valid.ravel()], nb.ravel()[valid.ravel()])), shape=(n, n))
    W.sort_indices()
    return W


def _lle_component(Bc: sp.csr_matrix, dim: int, rng: np.random.Generator):
    s = Bc.shape[0]
    M = (Bc.T @ Bc).tocsr()
    u = np.full(s, 1.0 / np.sqrt(s))  # exact null vector of M (rows of W sum to 1)
    kmax = min(dim, s - 1)
    if s <= DENSE_MAX or kmax >= s - 2:
        Md = M.toarray()
        alpha = 2.0 * np.abs(Md).sum(axis=1).max() + 1.0  # > spectral radius: trivial goes to the top
        Md += alpha * np.outer(u, u)
        lam, Y = sla.eigh(Md)
        return lam[:kmax], Y[:, :kmax]
    got = _lle_lobpcg(Bc, kmax, u, copy.deepcopy(rng))  # a copy: the fallback's start vector stays as it was
    if got is not None:
        return got
    # shift-invert around sigma < 0 (M - sigma I is SPD), with u projected out
    sigma = -1e-3
    lu = spla.splu(
        (M - sigma * sp.identity(s, format="csr")).tocsc(),
        permc_spec="MMD_AT_PLUS_A",
        diag_pivot_thresh=0.0,
        options={"SymmetricMode": True},
    )

    def mv(x):
        x = np.asarray(x).reshape(-1)
        x = x - u * (u @ x)
        y = lu.solve(x)
        return y - u * (u @ y)

    op = spla.LinearOperator((s, s), matvec=mv, dtype=np.float64)
    v0 = rng.standard_normal(s)
    v0 -= u * (u @ v0)
    mu, Y = _eigsh(op, kmax, "LA", v0, 0.0, 2 * kmax + 1)
    lam = sigma + 1.0 / mu
    order = np.argsort(lam, kind="stable")
    return lam[order], Y[:, order]


LOBPCG_MAXITER = 100
LOBPCG_EXTRA = 4  # extra block vectors: the wanted bottom ones then converge much faster


def _lle_lobpcg(Bc: sp.csr_matrix, k: int, u: np.ndarray, rng: np.random.Generator):
    """Bottom eigenpairs of M = Bc^T Bc without forming or factorising M, or None if not converged.

    On graphs with hubs (scale-free, like protein networks) M = (I-W)^T (I-W) is nearly
    dense in the hubs' rows and its LU factorisation fills in without bound; LOBPCG only
    needs products with Bc. When the spectrum's bottom is tightly clustered (as in the
    KEGG graph) it may not converge in a few hundred iterations, and the caller falls
    back to shift-invert, which is fast exactly there.
    """
    import warnings

    s = Bc.shape[0]
    Bt = Bc.T.tocsr()
    diag = np.asarray(Bc.multiply(Bc).sum(axis=0)).ravel()
    diag[diag <= 0] = 1.0

    def mv(x):
        return Bt @ (Bc @ x)

    def precondition(x):  # Jacobi: the inverse of M's diagonal
        return x / diag.reshape((-1,) + (1,) * (np.ndim(x) - 1))

    op = spla.LinearOperator((s, s), matvec=mv, matmat=mv, dtype=np.float64)
    pre = spla.LinearOperator((s, s), matvec=precondition, matmat=precondition, dtype=np.float64)
    block = min(k + LOBPCG_EXTRA, s - 2)
    X = rng.standard_normal((s, block))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-convergence is checked below
        try:
            lam, Y = spla.lobpcg(op, X, M=pre, Y=u[:, None], largest=False, tol=1e-9, maxiter=LOBPCG_MAXITER)
        except (np.linalg.LinAlgError, ValueError):
            return None
    order = np.argsort(lam, kind="stable")[:k]
    lam, Y = lam[order], Y[:, order]
    resid = np.linalg.norm(mv(Y) - Y * lam, axis=0)
    scale = max(float(lam.max()), 1e-12)
    if not np.all(np.isfinite(resid)) or resid.max() > 1e-3 * scale:
        return None
    return lam, Y


def graph_lle_weights(A: sp.csr_matrix) -> sp.csr_matrix:
    """W = D^-1 A: each node reconstructed as the mean of its graph neighbours (isolated: empty row)."""
    A = A.astype(np.float64).tocsr()
    deg = np.asarray(A.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    return (sp.diags(inv) @ A).tocsr()


def locally_linear_embedding(
    A: sp.csr_matrix, dim: int, k: int = 10, reg: float = 1e-3, seed: int = 0, neighbours: str = "graph"
):
    """(Y, eigenvalues): bottom non-trivial eigenvectors of M = (I-W)^T (I-W) per W-component."""
    n = A.shape[0]
    if neighbours == "graph":
        W = graph_lle_weights(A)
    elif neighbours == "knn":
        W = lle_weights(A, k, reg)
    else:
        raise ValueError(f"neighbours must be 'graph' or 'knn', got {neighbours!r}")
    B = (sp.identity(n, format="csr") - W).tocsr()
    ncomp, labels = connected_components(W, directed=True, connection="weak")
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(ncomp + 1))
    rowlen = np.diff(W.indptr)
    pieces = []
    for c in range(ncomp):
        nodes = order[bounds[c] : bounds[c + 1]]
        if len(nodes) < 2 or rowlen[nodes[0]] == 0:
            continue  # isolated node: zero embedding
        with _blas_single_thread():
            lam, Y = _lle_component(B[nodes][:, nodes].tocsr(), dim, _rng_for(seed, c))
        pieces.append((lam, nodes, Y))
    return _merge(pieces, n, dim)


@register(
    "lle",
    "embedding",
    "Locally linear embedding (graph neighbours as in GEM; or k-NN of adjacency rows), dim smallest non-trivial",
)
def lle(
    graph: GraphView,
    rows: Sequence[str],
    panel: Sequence[str] | None = None,
    *,
    seed: int = 0,
    dim: int = 16,
    k: int = 10,
    reg: float = 1e-3,
    neighbours: str = "graph",
) -> pd.DataFrame:
    """Locally linear embedding (Roweis & Saul 2000) of the nodes, computed sparsely.

    ``neighbours="graph"`` (default) is graph LLE as in the GEM library (Goyal & Ferrara 2018),
    the usual way to apply LLE to a network: a node is reconstructed from its graph neighbours
    with equal weights, W = D⁻¹A (``k`` and ``reg`` unused). On the KEGG graph the alternative
    below leaves the bottom of the spectrum so clustered that ARPACK did not converge in 10
    minutes, while graph LLE takes ~15 s. ``neighbours="knn"``:

    * Input vector of node i = its adjacency row a_i (so ``||a_i − a_j||² = deg_i + deg_j − 2·CN_ij``,
      all from sparse counts; nothing n x n is densified).
    * Neighbours: the ``k`` nearest by that distance among *candidates within 2 hops* (adjacent
      or sharing a neighbour); ties -> lower node index.  Exact Euclidean k-NN would also admit
      far-away low-degree nodes (e.g. an isolated node is at distance deg_i from everyone); we
      keep the neighbourhood graph-local instead.  If a node has fewer than ``k`` candidates it
      uses all it has (no padding with far nodes).
    * Weights: scikit-learn's regularised barycenter solve (``reg`` x trace), rows sum to 1.
    * Embedding: the ``dim`` smallest eigenvectors of ``M = (I−W)ᵀ(I−W)`` skipping the constant
      one of *each weakly connected component of the W-graph* (the W-graph can split even a
      connected graph, e.g. the two sides of a bipartite graph).  Components <= 2000 nodes: dense
      ``eigh``; larger: shift-invert ARPACK (sparse LU, σ = −1e-3) from a seeded start vector.
      Unit-norm eigenvectors, sign-fixed; isolated nodes get the zero vector.
    """
    dim = _check_dim(dim)
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    A = binary_adjacency(graph)
    Y, lam = locally_linear_embedding(A, dim, k, float(reg), seed, neighbours)
    return _frame(Y, graph, rows, lam)


# --------------------------------------------------------------------------------------------
# DeepWalk / node2vec (skip-gram on random walks)
# --------------------------------------------------------------------------------------------


def _skipgram(W: np.ndarray, n: int, dim: int, *, window: int, epochs: int, negative: int, workers: int, seed: int) -> np.ndarray:
    from gensim.models import Word2Vec  # imported lazily: gensim import is slow

    vocab = np.array([str(i) for i in range(n)], dtype=object)
    sentences = walks_to_sentences(W, vocab)
    model = Word2Vec(
        sentences=sentences,
        vector_size=dim,
        window=int(window),
        min_count=0,
        sg=1,
        hs=0,
        negative=int(negative),
        workers=int(workers),
        seed=int(seed) & 0x7FFFFFFF,
        epochs=int(epochs),
    )
    del sentences
    kti = model.wv.key_to_index
    idx = np.fromiter((kti[t] for t in vocab), dtype=np.int64, count=n)
    return model.wv.vectors[idx].astype(np.float64)


_SKIPGRAM_DOC = """
    Skip-gram (gensim Word2Vec: sg=1, negative sampling, min_count=0) over the walk corpus with
    ``window`` and ``epochs``.  Walks start ``walks_per_node`` times from every node (each pass in
    a fresh seeded order).  An isolated node's walk is just itself: it gets a vector, but that
    vector is its (seeded) random initialisation — it carries no structure.  Deterministic for a
    fixed seed only with ``workers=1`` (the default).
"""


@register(
    "deepwalk",
    "embedding",
    "DeepWalk: uniform random walks + skip-gram",
)
def deepwalk(
    graph: GraphView,
    rows: Sequence[str],
    panel: Sequence[str] | None = None,
    *,
    seed: int = 0,
    dim: int = 32,
    walk_length: int = 40,
    walks_per_node: int = 10,
    window: int = 5,
    epochs: int = 1,
    negative: int = 5,
    workers: int = 1,
) -> pd.DataFrame:
    dim = _check_dim(dim)
    A = binary_adjacency(graph)
    n = A.shape[0]
    rng = np.random.default_rng(seed)
    W = uniform_walks(A.indptr, A.indices, start_nodes(n, int(walks_per_node), rng), int(walk_length), rng)
    Y = _skipgram(W, n, dim, window=window, epochs=epochs, negative=negative, workers=workers, seed=seed)
    return _frame(Y, graph, rows)


deepwalk.__doc__ = "DeepWalk (Perozzi et al. 2014): uniform random walks (walks.py).\n" + _SKIPGRAM_DOC


@register(
    "node2vec",
    "embedding",
    "node2vec: second-order biased random walks (p, q) + skip-gram",
)
def node2vec(
    graph: GraphView,
    rows: Sequence[str],
    panel: Sequence[str] | None = None,
    *,
    seed: int = 0,
    dim: int = 32,
    p: float = 1.0,
    q: float = 0.5,
    walk_length: int = 40,
    walks_per_node: int = 5,
    window: int = 5,
    epochs: int = 1,
    negative: int = 5,
    workers: int = 1,
) -> pd.DataFrame:
    dim = _check_dim(dim)
    A = binary_adjacency(graph)
    n = A.shape[0]
    rng = np.random.default_rng(seed)
    W = node2vec_walks(A.indptr, A.indices, start_nodes(n, int(walks_per_node), rng), int(walk_length), float(p), float(q), rng)
    Y = _skipgram(W, n, dim, window=window, epochs=epochs, negative=negative, workers=workers, seed=seed)
    return _frame(Y, graph, rows)


node2vec.__doc__ = (
    "node2vec (Grover & Leskovec 2016): return parameter p, in-out parameter q; walks by exact\n"
    "    vectorised rejection sampling (walks.node2vec_walks).  Defaults p=1, q=0.5 (outward/DFS-leaning).\n"
    "    walks_per_node defaults to 5 (DeepWalk: 10): skip-gram training dominates the run time\n"
    "    (~5 µs per corpus token with workers=1) and node2vec corpora train slower per token, so\n"
    "    this keeps a 20k-node / 200k-edge graph well under a minute on 2 cores.\n" + _SKIPGRAM_DOC
)


# --------------------------------------------------------------------------------------------
# FastRP
# --------------------------------------------------------------------------------------------


@register(
    "fastrp",
    "embedding",
    "FastRP: very sparse random projection of D^-1 A powers (Chen et al. 2019)",
)
def fastrp(
    graph: GraphView,
    rows: Sequence[str],
    panel: Sequence[str] | None = None,
    *,
    seed: int = 0,
    dim: int = 64,
    iteration_weights: Sequence[float] = (0.0, 1.0, 1.0, 1.0),
    density: float = 1.0 / 3.0,
    normalization_strength: float = 0.0,
    self_influence: float = 0.0,
) -> pd.DataFrame:
    """FastRP (Chen, Sultan, Tian, Chen & Skiena, CIKM 2019), with Neo4j GDS conventions.

    * R (n x dim): very sparse random projection, entries ±1/sqrt(density) with probability
      density/2 each, else 0 (density 1/3 = Achlioptas; pass 1/sqrt(n) for Li et al.'s "very
      sparse" variant); seeded.  Optionally scaled by deg^normalization_strength (GDS).
    * e⁰ = R; eⁱ = rownorm(S eⁱ⁻¹) with S = D⁻¹A (neighbour average), L2-normalised per node
      at every iteration (GDS); result = self_influence·e⁰ + Σ_i iteration_weights[i-1]·eⁱ.
    * Isolated nodes have no neighbours to average: zero vector (unless self_influence > 0).
    """
    dim = _check_dim(dim)
    density = float(density)
    if not 0.0 < density <= 1.0:
        raise ValueError(f"density must be in (0, 1], got {density}")
    weights = [float(w) for w in iteration_weights]
    if not weights:
        raise ValueError("iteration_weights must not be empty")
    A = binary_adjacency(graph)
    n = A.shape[0]
    deg = np.diff(A.indptr).astype(np.float64)
    rng = np.random.default_rng(seed)
    nonzero = rng.random((n, dim)) < density
    signs = np.where(rng.random((n, dim)) < 0.5, -1.0, 1.0)
    E = np.where(nonzero, signs / np.sqrt(density), 0.0)
    if normalization_strength != 0.0:
        scale = np.zeros(n)
        scale[deg > 0] = deg[deg > 0] ** float(normalization_strength)
        E *= scale[:, None]
    out = float(self_influence) * E
    inv = np.zeros(n)
    inv[deg > 0] = 1.0 / deg[deg > 0]
    S = (sp.diags(inv) @ A).tocsr()
    for w in weights:
        E = S @ E
        norms = np.linalg.norm(E, axis=1)
        norms[norms == 0] = 1.0
        E /= norms[:, None]
        if w != 0.0:
            out = out + w * E
    return _frame(out, graph, rows)
