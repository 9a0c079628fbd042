"""Similarity features (cn, lpi, entropy), graph construction, registry and cache keys."""

from __future__ import annotations

from math import log

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from kgexpr.features import (
    REGISTRY,
    GraphView,
    available_methods,
    compute_features,
    get_method,
    graph_from_edges,
    graph_hash,
    resolve_params,
    table_parts,
)
from kgexpr.features.similarity import _entropy_matrix, binary_adjacency, entropy_profiles

# The hand-made graph (F isolated):
#
#     A --- B          degrees: A 2, B 2, C 3, D 2, E 1, F 0
#      \   /
#        C --- D --- E       F
#
NODES = list("ABCDEF")


@pytest.fixture()
def g6() -> GraphView:
    nodes = pd.DataFrame({"node_id": ["F", "C", "A", "E", "B", "D"], "label": ["Drug", "Gene", "Gene", "Pathway", "Gene", "Gene"]})
    edges = pd.DataFrame(
        {
            # the 5 edges, plus a reversed duplicate (B-A), an exact duplicate (C-D) and a self-loop (E-E)
            "source": ["A", "A", "B", "C", "D", "B", "C", "E"],
            "target": ["B", "C", "C", "D", "E", "A", "D", "E"],
        }
    )
    return graph_from_edges(nodes, edges)


def frame(values: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Symmetric 6x6 frame over NODES from upper-triangle values (everything else 0)."""
    S = pd.DataFrame(0.0, index=NODES, columns=NODES)
    for (x, y), v in values.items():
        S.loc[x, y] = S.loc[y, x] = v
    return S


# --------------------------------------------------------------------------------------------
# graph_from_edges
# --------------------------------------------------------------------------------------------


def test_graph_from_edges_canonical(g6):
    assert list(g6.nodes) == NODES  # sorted by node_id
    assert list(g6.labels) == ["Gene", "Gene", "Gene", "Gene", "Pathway", "Drug"]
    A = g6.adjacency
    assert sp.isspmatrix_csr(A) or isinstance(A, sp.csr_array)
    assert A.nnz == 10  # 5 undirected edges; duplicates and the self-loop dropped
    dense = A.toarray()
    assert set(np.unique(dense)) <= {0.0, 1.0}
    assert np.array_equal(dense, dense.T)
    assert np.all(np.diag(dense) == 0)
    assert dense.sum(axis=1).tolist() == [2, 2, 3, 2, 1, 0]


def test_graph_from_edges_errors():
    nodes = pd.DataFrame({"node_id": ["a", "b"], "label": ["Gene", "Gene"]})
    with pytest.raises(ValueError, match="unknown nodes"):
        graph_from_edges(nodes, pd.DataFrame({"source": ["a"], "target": ["zzz"]}))
    clash = pd.DataFrame({"node_id": ["a", "a"], "label": ["Gene", "Drug"]})
    with pytest.raises(ValueError, match="conflicting"):
        graph_from_edges(clash, pd.DataFrame({"source": [], "target": []}))
    with pytest.raises(ValueError, match="column"):
        graph_from_edges(nodes.rename(columns={"label": "kind"}), pd.DataFrame({"source": [], "target": []}))


def test_binary_adjacency_rejects_directed():
    A = sp.csr_matrix(np.array([[0, 1], [0, 0]], dtype=float))
    g = GraphView(A, pd.Index(["a", "b"]), np.array(["Gene", "Gene"], dtype=object))
    with pytest.raises(ValueError, match="symmetric"):
        binary_adjacency(g)


# --------------------------------------------------------------------------------------------
# common neighbours
# --------------------------------------------------------------------------------------------

# Γ(A)={B,C} Γ(B)={A,C} Γ(C)={A,B,D} Γ(D)={C,E} Γ(E)={D} Γ(F)={}
# CN: A-B {C}=1, A-C {B}=1, A-D {C}=1, B-C {A}=1, B-D {C}=1, C-E {D}=1; all others 0; x==y -> 0.
CN = frame({("A", "B"): 1, ("A", "C"): 1, ("A", "D"): 1, ("B", "C"): 1, ("B", "D"): 1, ("C", "E"): 1})


def test_cn_hand_computed(g6):
    S = compute_features(g6, "cn", NODES, NODES)
    assert S.dtypes.eq(np.float64).all()
    pd.testing.assert_frame_equal(S, CN)


def test_cn_rows_panel_subset_and_default_panel(g6):
    S = compute_features(g6, "cn", ["D", "A"], ["C", "B", "D"])
    assert list(S.index) == ["D", "A"] and list(S.columns) == ["C", "B", "D"]
    assert S.to_numpy().tolist() == [[0.0, 1.0, 0.0], [1.0, 1.0, 1.0]]
    square = compute_features(g6, "cn", ["A", "B", "E"])  # panel=None -> rows
    assert list(square.columns) == ["A", "B", "E"]
    assert square.loc["A", "B"] == 1.0 and square.loc["A", "A"] == 0.0


def test_unknown_node_raises(g6):
    with pytest.raises(KeyError):
        compute_features(g6, "cn", ["A", "nope"], ["B"])


# --------------------------------------------------------------------------------------------
# local path index
# --------------------------------------------------------------------------------------------

# A² (walks of length 2, rows A..E):        A³ = Σ_{z∈Γx} A²[z, ·]:
#   A: A2 B1 C1 D1 E0                        A: A2 B3 C4 D1 E1   (A²[B] + A²[C])
#   B: A1 B2 C1 D1 E0                        B: A3 B2 C4 D1 E1   (A²[A] + A²[C])
#   C: A1 B1 C3 D0 E1                        C: A4 B4 C2 D4 E0   (A²[A] + A²[B] + A²[D])
#   D: A1 B1 C0 D2 E0                        D: A1 B1 C4 D0 E2   (A²[C] + A²[E])
#   E: A0 B0 C1 D0 E1                        E: A1 B1 C0 D2 E0   (A²[D])
# LPI = A² + 0.01·A³ off the diagonal, e.g. A-B = 1 + 0.03, C-D = 0 + 0.04, C-E = 1 + 0, D-E = 0 + 0.02.
LPI = frame(
    {
        ("A", "B"): 1.03,
        ("A", "C"): 1.04,
        ("A", "D"): 1.01,
        ("A", "E"): 0.01,
        ("B", "C"): 1.04,
        ("B", "D"): 1.01,
        ("B", "E"): 0.01,
        ("C", "D"): 0.04,
        ("C", "E"): 1.00,
        ("D", "E"): 0.02,
    }
)


def test_lpi_hand_computed(g6):
    S = compute_features(g6, "lpi", NODES, NODES)
    pd.testing.assert_frame_equal(S, LPI, rtol=0, atol=1e-12)
    assert S.equals(compute_features(g6, "lpi", NODES, NODES, beta=0.01))  # default beta


def test_lpi_beta_zero_is_cn(g6):
    pd.testing.assert_frame_equal(compute_features(g6, "lpi", NODES, NODES, beta=0.0), CN)


# --------------------------------------------------------------------------------------------
# relative entropy
# --------------------------------------------------------------------------------------------

# Local networks (node + neighbours), degrees in G sorted decreasingly, normalised:
#   P(A) = [3,2,2]/7      (A:2, B:2, C:3)
#   P(B) = [3,2,2]/7
#   P(C) = [3,2,2,2]/9    (C:3, A:2, B:2, D:2)
#   P(D) = [3,2,1]/6      (D:2, C:3, E:1)
#   P(E) = [2,1]/3        (E:1, D:2)
#   P(F) = [1]            isolated: defined as self only
# S(i,j) = Σ_{k<=m'} (p_k - q_k)(ln p_k - ln q_k),  m' = min(deg i, deg j) + 1:
#   A-C (m'=3): (3/7-1/3)ln(9/7) + 2·(2/7-2/9)ln(9/7) = (2/21 + 8/63) ln(9/7) = (2/9) ln(9/7)
#   A-D (m'=3): (1/14)ln(7/6) + (1/21)ln(7/6) + (5/42)ln(12/7) = (5/42)(ln(7/6)+ln(12/7)) = (5/42) ln 2
#   A-E (m'=2): (5/21)ln(14/9) + (1/21)ln(7/6)
#   C-D (m'=3): (1/6)ln(3/2) + (1/9)ln(3/2) + (1/18)ln(4/3) = (5/18)ln(3/2) + (1/18)ln(4/3)
#   C-E (m'=2): (1/3)ln 2 + (1/9)ln(3/2)
#   D-E (m'=2): (1/6)ln(4/3) + 0
#   A-F (m'=1): (1 - 3/7) ln(7/3) = (4/7) ln(7/3);  C-F: (2/3) ln 3;  D-F: (1/2) ln 2;  E-F: (1/3) ln(3/2)
#   A-B = 0 (identical profiles); B-x = A-x.
ENTROPY = frame(
    {
        ("A", "C"): (2 / 9) * log(9 / 7),
        ("B", "C"): (2 / 9) * log(9 / 7),
        ("A", "D"): (5 / 42) * log(2),
        ("B", "D"): (5 / 42) * log(2),
        ("A", "E"): (5 / 21) * log(14 / 9) + (1 / 21) * log(7 / 6),
        ("B", "E"): (5 / 21) * log(14 / 9) + (1 / 21) * log(7 / 6),
        ("C", "D"): (5 / 18) * log(3 / 2) + (1 / 18) * log(4 / 3),
        ("C", "E"): (1 / 3) * log(2) + (1 / 9) * log(3 / 2),
        ("D", "E"): (1 / 6) * log(4 / 3),
        ("A", "F"): (4 / 7) * log(7 / 3),
        ("B", "F"): (4 / 7) * log(7 / 3),
        ("C", "F"): (2 / 3) * log(3),
        ("D", "F"): (1 / 2) * log(2),
        ("E", "F"): (1 / 3) * log(3 / 2),
    }
)


def test_entropy_profiles(g6):
    A = binary_adjacency(g6)
    vals, offs = entropy_profiles(A, np.arange(6))
    got = [vals[offs[i] : offs[i + 1]].tolist() for i in range(6)]
    want = [[3 / 7, 2 / 7, 2 / 7]] * 2 + [[1 / 3, 2 / 9, 2 / 9, 2 / 9], [1 / 2, 1 / 3, 1 / 6], [2 / 3, 1 / 3], [1.0]]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-15)


def test_entropy_hand_computed(g6):
    S = compute_features(g6, "entropy", NODES, NODES)
    pd.testing.assert_frame_equal(S, ENTROPY, rtol=1e-12, atol=1e-15)


def _naive_entropy(A: np.ndarray, i: int, j: int) -> float:
    deg = A.sum(axis=1)

    def prof(x):
        local = [x, *np.nonzero(A[x])[0]]
        d = np.sort(deg[local])[::-1].astype(float)
        return np.array([1.0]) if d.sum() == 0 else d / d.sum()

    p, q = prof(i), prof(j)
    m = int(min(deg[i], deg[j])) + 1
    kl = lambda a, b: float(np.sum(a[:m] * np.log(a[:m] / b[:m])))  # noqa: E731
    return kl(p, q) + kl(q, p)


def _random_graph(n=70, p=0.08, seed=3, isolated=5) -> GraphView:
    rng = np.random.default_rng(seed)
    M = np.triu(rng.random((n, n)) < p, 1)
    M[:isolated, :] = False
    M[:, :isolated] = False
    A = sp.csr_matrix((M | M.T).astype(float))
    return GraphView(A, pd.Index([f"n{i:03d}" for i in range(n)]), np.array(["Gene"] * n, dtype=object))


def test_similarities_match_dense_reference():
    g = _random_graph()
    D = g.adjacency.toarray()
    rng = np.random.default_rng(0)
    ri = rng.choice(len(g.nodes), 25, replace=False)
    pj = rng.choice(len(g.nodes), 40, replace=False)
    rows, panel = list(g.nodes[ri]), list(g.nodes[pj])
    same = ri[:, None] == pj[None, :]
    A2, A3 = D @ D, D @ D @ D
    np.testing.assert_array_equal(compute_features(g, "cn", rows, panel).to_numpy(), np.where(same, 0, A2[np.ix_(ri, pj)]))
    np.testing.assert_allclose(
        compute_features(g, "lpi", rows, panel, beta=0.05).to_numpy(), np.where(same, 0, (A2 + 0.05 * A3)[np.ix_(ri, pj)]), rtol=1e-13
    )
    ref = np.array([[_naive_entropy(D, i, j) for j in pj] for i in ri])
    np.testing.assert_allclose(compute_features(g, "entropy", rows, panel).to_numpy(), ref, rtol=1e-12, atol=1e-14)
    # tiny chunks exercise the panel chunking / padding path
    np.testing.assert_allclose(_entropy_matrix(binary_adjacency(g), ri, pj, max_cells=7), ref, rtol=1e-12, atol=1e-14)
    E = compute_features(g, "entropy", rows, rows).to_numpy()
    assert (E >= 0).all() and np.allclose(E, E.T) and np.all(np.diag(E) == 0)


# --------------------------------------------------------------------------------------------
# registry, parameters, cache keys
# --------------------------------------------------------------------------------------------


def test_registry_order_and_kinds():
    assert available_methods()[:8] == ["cn", "lpi", "entropy", "laplacian", "lle", "deepwalk", "node2vec", "fastrp"]
    assert {m: REGISTRY[m].kind for m in ["cn", "lpi", "entropy"]} == dict.fromkeys(["cn", "lpi", "entropy"], "similarity")
    assert all(REGISTRY[m].kind == "embedding" for m in ["laplacian", "lle", "deepwalk", "node2vec", "fastrp"])
    assert get_method("lpi").defaults == {"beta": 0.01}
    assert all(REGISTRY[m].description for m in available_methods()[:8])


def test_unknown_method_and_param(g6):
    with pytest.raises(ValueError, match="unknown feature method 'katz'.*cn, lpi, entropy, laplacian, lle, deepwalk, node2vec, fastrp"):
        get_method("katz")
    with pytest.raises(ValueError, match="unknown feature method"):
        compute_features(g6, "katz", NODES)
    with pytest.raises(ValueError, match="unknown parameter.*'betta'"):
        compute_features(g6, "lpi", NODES, betta=0.1)
    assert resolve_params("laplacian", {"dim": 4}) == {"dim": 4}
    assert resolve_params("lpi") == {"beta": 0.01}


def cache_key(*args) -> str:
    """A feature table's cache key, as the features stage builds it."""
    from kgexpr.stages import STAGES
    from kgexpr.stages.base import entry_key

    return entry_key(STAGES["features"], table_parts(*args))


def test_graph_hash_and_cache_key(g6):
    h = graph_hash(g6)
    assert len(h) == 64 and h == graph_hash(g6)
    # same graph from edges given in another order / direction -> same hash
    nodes = pd.DataFrame({"node_id": NODES, "label": ["Gene"] * 6})
    same = graph_from_edges(nodes, pd.DataFrame({"source": ["E", "D", "C", "C", "B"], "target": ["D", "C", "B", "A", "A"]}))
    assert graph_hash(same) == h
    other = graph_from_edges(nodes, pd.DataFrame({"source": ["E", "D", "C", "C"], "target": ["D", "C", "B", "A"]}))
    assert graph_hash(other) != h

    p = {**resolve_params("lpi"), "seed": 0}
    k = cache_key(h, "lpi", p, ["A", "B"], ["C"])
    assert k == cache_key(h, "lpi", dict(reversed(list(p.items()))), ["A", "B"], ["C"])
    assert k != cache_key(h, "lpi", {**p, "beta": 0.02}, ["A", "B"], ["C"])
    assert k != cache_key(h, "lpi", p, ["B", "A"], ["C"])
    assert k != cache_key(h, "lpi", p, ["A", "B"], None)
    assert k != cache_key(h, "cn", p, ["A", "B"], ["C"])
    e = {**resolve_params("fastrp"), "seed": 1}
    assert cache_key(h, "fastrp", e, ["A"], ["C"]) == cache_key(h, "fastrp", e, ["A"], None)  # panel ignored
    assert cache_key(h, "fastrp", {**e, "iteration_weights": np.array([0.0, 1.0])}, ["A"], None)  # numpy params ok
