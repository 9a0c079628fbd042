"""Embedding features (laplacian, lle, deepwalk, node2vec, fastrp) and the walk generators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.linalg as sla
import scipy.sparse as sp

import kgexpr.features.embedding as emb
from kgexpr.features import GraphView, compute_features, graph_from_edges
from kgexpr.features.similarity import binary_adjacency
from kgexpr.features.walks import node2vec_walks, start_nodes, uniform_walks, walks_to_sentences

EMBEDDINGS = ["laplacian", "lle", "deepwalk", "node2vec", "fastrp"]
SMALL = {  # keep the walk-based methods tiny so the suite stays fast
    "laplacian": {"dim": 4},
    "lle": {"dim": 4, "k": 3, "neighbours": "knn"},
    "deepwalk": {"dim": 8, "walk_length": 10, "walks_per_node": 4},
    "node2vec": {"dim": 8, "walk_length": 10, "walks_per_node": 4},
    "fastrp": {"dim": 16},
}


def graph_from_dense(M: np.ndarray, prefix: str = "n") -> GraphView:
    n = len(M)
    return GraphView(sp.csr_matrix(np.asarray(M, dtype=float)), pd.Index([f"{prefix}{i:03d}" for i in range(n)]), np.array(["Gene"] * n, dtype=object))


def edges_to_dense(n: int, edges) -> np.ndarray:
    M = np.zeros((n, n))
    for a, b in edges:
        M[a, b] = M[b, a] = 1
    return M


def two_components_plus_isolated() -> GraphView:
    """0..8: a 9-cycle with chords; 9..14: a 'house' plus a pendant; 15, 16: isolated."""
    e = [(i, (i + 1) % 9) for i in range(9)] + [(0, 4), (2, 7)]
    e += [(9, 10), (10, 11), (11, 12), (12, 9), (9, 13), (10, 13), (12, 14)]
    return graph_from_dense(edges_to_dense(17, e))


def connected_graph(n=40, seed=1) -> GraphView:
    rng = np.random.default_rng(seed)
    M = np.triu(rng.random((n, n)) < 0.12, 1)
    M[np.arange(n - 1), np.arange(1, n)] = True  # a Hamiltonian path keeps it connected
    return graph_from_dense((M | M.T).astype(float))


# --------------------------------------------------------------------------------------------
# common behaviour
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EMBEDDINGS)
def test_shape_finite_deterministic_isolated(name):
    g = two_components_plus_isolated()
    rows = list(g.nodes[::-1])  # any order / subset of the graph's nodes
    a = compute_features(g, name, rows, seed=7, **SMALL[name])
    dim = SMALL[name]["dim"]
    assert a.shape == (17, dim)
    assert list(a.index) == rows and list(a.columns) == [f"d{i}" for i in range(dim)]
    assert a.dtypes.eq(np.float64).all()
    assert np.isfinite(a.to_numpy()).all()
    b = compute_features(g, name, rows, ["n000"], seed=7, **SMALL[name])  # panel is ignored
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())  # bit-identical for the same seed
    sub = compute_features(g, name, ["n016", "n003"], seed=7, **SMALL[name])
    np.testing.assert_array_equal(sub.to_numpy(), a.loc[["n016", "n003"]].to_numpy())
    iso = a.loc[["n015", "n016"]].to_numpy()
    if name in ("laplacian", "lle", "fastrp"):
        assert np.all(iso == 0)  # documented: isolated nodes get the zero vector
    else:
        assert np.abs(iso).sum() > 0  # their (untrained, seeded) skip-gram vector


@pytest.mark.parametrize("name", ["deepwalk", "node2vec", "fastrp"])
def test_seed_changes_stochastic_methods(name):
    g = connected_graph(20)
    a = compute_features(g, name, list(g.nodes), seed=1, **SMALL[name])
    b = compute_features(g, name, list(g.nodes), seed=2, **SMALL[name])
    assert not np.allclose(a.to_numpy(), b.to_numpy())


def test_bad_dim():
    g = connected_graph(10)
    with pytest.raises(ValueError, match="dim"):
        compute_features(g, "laplacian", list(g.nodes), dim=0)


# --------------------------------------------------------------------------------------------
# Laplacian eigenmaps
# --------------------------------------------------------------------------------------------


def _check_generalised(M: np.ndarray, Y: np.ndarray, lam) -> None:
    d = M.sum(axis=1)
    L = np.diag(d) - M
    for j, l in enumerate(lam):
        f = Y[:, j]
        np.testing.assert_allclose(L @ f, l * d * f, atol=1e-9)
        assert f @ (d * f) == pytest.approx(1.0)  # f^T D f = 1
        assert abs(f @ d) < 1e-9  # D-orthogonal to the constant vector


def test_laplacian_generalised_eigenproblem_connected():
    g = connected_graph()
    M = g.adjacency.toarray()
    df = compute_features(g, "laplacian", list(g.nodes), dim=6)
    lam = df.attrs["eigenvalues"]
    d = M.sum(axis=1)
    ref = sla.eigh(np.diag(d) - M, np.diag(d), eigvals_only=True)
    np.testing.assert_allclose(lam, ref[1:7], atol=1e-10)  # skip exactly the trivial λ = 0
    _check_generalised(M, df.to_numpy(), lam)
    Y = df.to_numpy()
    big = np.argmax(np.abs(Y), axis=0)
    assert np.all(Y[big, np.arange(6)] > 0)  # sign convention


def test_laplacian_two_components():
    g = two_components_plus_isolated()
    M = g.adjacency.toarray()
    df = compute_features(g, "laplacian", list(g.nodes), dim=10)
    lam = np.array(df.attrs["eigenvalues"])
    # expected: the union of each component's non-trivial generalised eigenvalues, smallest first
    per = []
    for comp in (range(0, 9), range(9, 15)):
        c = np.ix_(comp, comp)
        d = M[c].sum(axis=1)
        per.extend(sla.eigh(np.diag(d) - M[c], np.diag(d), eigvals_only=True)[1:])
    np.testing.assert_allclose(lam, np.sort(per)[:10], atol=1e-10)
    Y = df.to_numpy()
    keep = slice(0, 15)
    _check_generalised(M[keep, keep], Y[keep], lam)
    for j in range(10):  # every column lives on one component and is D-orthogonal to its constant
        on_a, on_b = np.abs(Y[:9, j]).sum() > 0, np.abs(Y[9:15, j]).sum() > 0
        assert on_a != on_b


def test_laplacian_pads_when_too_few_eigenpairs():
    g = graph_from_dense(edges_to_dense(4, [(0, 1), (1, 2)]))  # path on 3 nodes + 1 isolated: 2 non-trivial
    df = compute_features(g, "laplacian", list(g.nodes), dim=4)
    lam = df.attrs["eigenvalues"]
    np.testing.assert_allclose(lam[:2], [1.0, 2.0], atol=1e-12)
    assert np.isnan(lam[2:]).all() and np.all(df[["d2", "d3"]].to_numpy() == 0)


def test_laplacian_sparse_path_matches_dense(monkeypatch):
    g = connected_graph(160, seed=5)
    dense = compute_features(g, "laplacian", list(g.nodes), dim=5)
    monkeypatch.setattr(emb, "DENSE_MAX", 50)
    sparse = compute_features(g, "laplacian", list(g.nodes), dim=5)
    np.testing.assert_allclose(sparse.attrs["eigenvalues"], dense.attrs["eigenvalues"], atol=1e-9)
    _check_generalised(g.adjacency.toarray(), sparse.to_numpy(), sparse.attrs["eigenvalues"])
    np.testing.assert_allclose(sparse.to_numpy(), dense.to_numpy(), atol=1e-6)  # simple spectrum: same vectors


# --------------------------------------------------------------------------------------------
# LLE
# --------------------------------------------------------------------------------------------


def _lle_M(g: GraphView, k: int) -> np.ndarray:
    W = emb.lle_weights(binary_adjacency(g), k).toarray()
    B = np.eye(len(W)) - W
    return B.T @ B


def test_lle_cycle_is_predictable():
    # On the 12-cycle, a_i = e_{i-1} + e_{i+1}: ||a_i - a_{i±2}||² = 2 (one common neighbour),
    # every other node is at distance 4.  So with k = 2 the neighbours are i±2 with weights 1/2
    # (Gram = 2·I + reg), and the W-graph splits into the even and odd 6-cycles.  On each,
    # M = (I - W)^T (I - W) has eigenvalues (1 - cos(2πj/6))²: 0, 1/4, 1/4, 9/4, 9/4, 4.
    n = 12
    g = graph_from_dense(edges_to_dense(n, [(i, (i + 1) % n) for i in range(n)]))
    W = emb.lle_weights(binary_adjacency(g), 2).toarray()
    for i in range(n):
        assert sorted(np.nonzero(W[i])[0].tolist()) == sorted([(i - 2) % n, (i + 2) % n])
        np.testing.assert_allclose(W[i, [(i - 2) % n, (i + 2) % n]], 0.5)
    df = compute_features(g, "lle", list(g.nodes), dim=12, k=2, neighbours="knn")
    lam = np.array(df.attrs["eigenvalues"])
    np.testing.assert_allclose(lam[:10], [0.25] * 4 + [2.25] * 4 + [4.0] * 2, atol=1e-10)
    assert np.isnan(lam[10:]).all()  # 2 trivial vectors (one per W-component) skipped, nothing left
    M = _lle_M(g, 2)
    Y = df.to_numpy()
    np.testing.assert_allclose(M @ Y[:, :10], Y[:, :10] * lam[:10], atol=1e-10)
    np.testing.assert_allclose(Y[0::2, :10].sum(axis=0), 0, atol=1e-10)  # orthogonal to each trivial vector
    np.testing.assert_allclose(Y[1::2, :10].sum(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(Y[:, :10], axis=0), 1.0)


def test_lle_weights_match_sklearn_barycenters():
    barycenter_weights = pytest.importorskip("sklearn.manifold._locally_linear").barycenter_weights
    g = two_components_plus_isolated()
    A = binary_adjacency(g)
    X = A.toarray()
    k = 3
    nb, cn, count = emb._lle_neighbours(A, k)
    # neighbours are the nearest adjacency rows among 2-hop candidates, ties -> lower index
    for i in range(15):
        cand = [j for j in range(17) if j != i and (X[i, j] or X[i] @ X[j] > 0)]
        dist = {j: ((X[i] - X[j]) ** 2).sum() for j in cand}
        assert nb[i, : count[i]].tolist() == sorted(cand, key=lambda j: (dist[j], j))[:k]
    assert count[15] == count[16] == 0
    full = count == k
    ref = barycenter_weights(X[full], X, nb[full], reg=1e-3)
    W = emb.lle_weights(A, k).toarray()
    np.testing.assert_allclose(np.take_along_axis(W[full], nb[full], axis=1), ref, atol=1e-12)
    np.testing.assert_allclose(W[:15].sum(axis=1), 1.0)
    assert np.all(W[15:] == 0)


def test_lle_eigen_property_with_components_and_isolated():
    g = two_components_plus_isolated()
    df = compute_features(g, "lle", list(g.nodes), dim=6, k=3, neighbours="knn")
    lam = np.array(df.attrs["eigenvalues"])
    M = _lle_M(g, 3)
    Y = df.to_numpy()
    np.testing.assert_allclose(M @ Y, Y * lam, atol=1e-9)
    assert np.all(np.diff(lam) >= -1e-12)
    # the non-trivial spectrum is exactly M's spectrum minus one 0 per W-component (and isolated nodes' 1s)
    ev = np.linalg.eigvalsh(M[:15, :15])
    np.testing.assert_allclose(lam, ev[2:8], atol=1e-9)


def test_lle_sparse_path_matches_dense(monkeypatch):
    g = connected_graph(160, seed=9)
    dense = compute_features(g, "lle", list(g.nodes), dim=4, k=6, neighbours="knn")
    monkeypatch.setattr(emb, "DENSE_MAX", 50)
    sparse = compute_features(g, "lle", list(g.nodes), dim=4, k=6, neighbours="knn")
    np.testing.assert_allclose(sparse.attrs["eigenvalues"], dense.attrs["eigenvalues"], rtol=1e-7, atol=1e-10)
    M = _lle_M(g, 6)
    Y = sparse.to_numpy()
    np.testing.assert_allclose(M @ Y, Y * np.array(sparse.attrs["eigenvalues"]), atol=1e-8)


def _scale_free(n: int, m: int, seed: int) -> sp.csr_matrix:
    """Preferential attachment (hubs), seeded."""
    rng = np.random.default_rng(seed)
    targets, repeated, rows, cols = list(range(m)), [], [], []
    for v in range(m, n):
        for t in set(targets):
            rows.append(v)
            cols.append(t)
        repeated += targets + [v] * m
        targets = [repeated[i] for i in rng.integers(0, len(repeated), m)]
    A = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    A = ((A + A.T) > 0).astype(float)
    return A.tocsr()


@pytest.mark.parametrize("solver", ["lobpcg", "shift-invert"])
def test_graph_lle_large_component_solvers_match_dense(monkeypatch, solver):
    A = _scale_free(400, 3, seed=2)
    n = A.shape[0]
    B = (sp.identity(n, format="csr") - emb.graph_lle_weights(A)).tocsr()
    M = (B.T @ B).toarray()
    dense = np.linalg.eigvalsh(M)[1:7]  # the graph is connected: one trivial 0
    monkeypatch.setattr(emb, "DENSE_MAX", 50)
    if solver == "shift-invert":
        monkeypatch.setattr(emb, "_lle_lobpcg", lambda *a: None)
    Y, lam = emb.locally_linear_embedding(A, 6, seed=0, neighbours="graph")
    np.testing.assert_allclose(lam, dense, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(M @ Y, Y * lam, atol=1e-4 * dense.max())


def test_lobpcg_reports_non_convergence(monkeypatch):
    A = _scale_free(400, 3, seed=2)
    B = (sp.identity(400, format="csr") - emb.graph_lle_weights(A)).tocsr()
    monkeypatch.setattr(emb, "LOBPCG_MAXITER", 1)
    assert emb._lle_lobpcg(B, 6, np.full(400, 1 / 20.0), np.random.default_rng(0)) is None


# --------------------------------------------------------------------------------------------
# walks
# --------------------------------------------------------------------------------------------


def _is_walk(A: sp.csr_matrix, row: np.ndarray) -> bool:
    row = row[row >= 0]
    return all(A[a, b] == 1 for a, b in zip(row[:-1], row[1:]))


def test_walks_follow_edges_and_pad_isolated():
    g = two_components_plus_isolated()
    A = binary_adjacency(g)
    rng = np.random.default_rng(0)
    st = start_nodes(17, 3, rng)
    assert sorted(st.tolist()) == sorted(list(range(17)) * 3)
    for W in (uniform_walks(A.indptr, A.indices, st, 12, rng), node2vec_walks(A.indptr, A.indices, st, 12, 0.5, 2.0, rng)):
        assert W.shape == (51, 12)
        assert all(_is_walk(A, r) for r in W)
        iso = np.isin(W[:, 0], [15, 16])
        assert np.all(W[iso, 1:] == -1) and np.all(W[~iso] >= 0)
        sents = walks_to_sentences(W, np.array([str(i) for i in range(17)], dtype=object))
        assert [len(s) for s in sents] == [1 if x else 12 for x in iso]


def test_node2vec_transition_probabilities():
    # t - v, v - x1, v - x2, t - x1.  From (t -> v), weights: back to t 1/p, x1 (adjacent to t) 1, x2 1/q.
    M = edges_to_dense(4, [(0, 1), (1, 2), (1, 3), (0, 2)])  # t=0 v=1 x1=2 x2=3
    A = sp.csr_matrix(M)
    rng = np.random.default_rng(0)
    p, q = 2.0, 0.25
    W = node2vec_walks(A.indptr, A.indices, np.zeros(60000, dtype=np.int64), 3, p, q, rng)
    third = W[W[:, 1] == 1, 2]
    freq = np.bincount(third, minlength=4)[[0, 2, 3]] / len(third)
    w = np.array([1 / p, 1.0, 1 / q])
    np.testing.assert_allclose(freq, w / w.sum(), atol=0.01)


def test_walks_deterministic():
    g = connected_graph(30)
    A = binary_adjacency(g)
    a = node2vec_walks(A.indptr, A.indices, start_nodes(30, 2, np.random.default_rng(3)), 8, 1.0, 0.5, np.random.default_rng(4))
    b = node2vec_walks(A.indptr, A.indices, start_nodes(30, 2, np.random.default_rng(3)), 8, 1.0, 0.5, np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------------------------
# FastRP
# --------------------------------------------------------------------------------------------


def test_fastrp_structural_equivalence_and_norms():
    # star: the leaves have identical neighbourhoods -> identical embeddings
    g = graph_from_dense(edges_to_dense(7, [(0, i) for i in range(1, 6)]))  # node 6 isolated
    df = compute_features(g, "fastrp", list(g.nodes), dim=32, iteration_weights=(1.0,))
    Y = df.to_numpy()
    for i in range(2, 6):
        np.testing.assert_array_equal(Y[i], Y[1])
    np.testing.assert_allclose(np.linalg.norm(Y[:6], axis=1), 1.0)  # one L2-normalised iteration
    assert np.all(Y[6] == 0)
    two = compute_features(g, "fastrp", list(g.nodes), dim=32, iteration_weights=(0.0, 1.0)).to_numpy()
    np.testing.assert_allclose(two[1:6], np.repeat(Y[[0]], 5, axis=0), atol=1e-12)  # leaves average the centre


def test_graph_lle_is_the_default_and_solves_its_eigenproblem():
    """Graph LLE (GEM): W = D^-1 A; columns are eigenvectors of M = (I-W)^T (I-W)."""
    g = graph_from_edges(
        pd.DataFrame({"node_id": [f"n{i}" for i in range(8)], "label": "Gene"}),
        pd.DataFrame({"source": ["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n0"],
                      "target": ["n1", "n2", "n3", "n4", "n5", "n6", "n7", "n4"]}),
    )
    df = compute_features(g, "lle", list(g.nodes), dim=3)
    A = binary_adjacency(g).toarray().astype(float)
    W = A / A.sum(axis=1, keepdims=True)
    B = np.eye(8) - W
    M = B.T @ B
    lam = np.asarray(df.attrs["eigenvalues"])
    Y = df.to_numpy()
    for j in range(3):
        np.testing.assert_allclose(M @ Y[:, j], lam[j] * Y[:, j], atol=1e-8)
    assert np.all(lam > 1e-12)  # the trivial (constant) eigenvector is skipped
    assert np.all(np.diff(lam) >= -1e-12)
