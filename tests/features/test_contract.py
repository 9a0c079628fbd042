"""Every registered feature method keeps the same contract (parametrised over the registry itself)."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from kgexpr.features import GraphView, available_methods, compute_features, get_method, resolve_params


def graph(n=60, seed=3, pathways=3) -> GraphView:
    """n genes (a random graph over a path) and ``pathways`` pathways, each holding a run of n / pathways genes."""
    rng = np.random.default_rng(seed)
    M = np.zeros((n + pathways, n + pathways), dtype=bool)
    M[:n, :n] = np.triu(rng.random((n, n)) < 0.1, 1)
    M[np.arange(n - 1), np.arange(1, n)] = True
    for p in range(pathways):
        M[p * n // pathways:(p + 1) * n // pathways, n + p] = True
    A = sp.csr_matrix((M | M.T).astype(float))
    ids = [f"Gene:{i}" for i in range(n)] + [f"Pathway:hsa{p:05d}" for p in range(pathways)]
    return GraphView(A, pd.Index(ids), np.array(["Gene"] * n + ["Pathway"] * pathways, dtype=object))


@pytest.mark.parametrize("name", available_methods())
def test_method_contract(name):
    method = get_method(name)
    assert method.kind in ("similarity", "embedding") and method.description
    assert resolve_params(name) == method.defaults
    g = graph()
    rows = list(g.nodes[[5, 0, 17]])
    panel = list(g.nodes[[1, 2]]) if method.kind == "similarity" else None
    a = compute_features(g, name, rows, panel, seed=4)
    b = compute_features(g, name, rows, panel, seed=4)
    assert list(a.index) == rows
    if method.kind == "similarity":
        assert list(a.columns) == panel
    else:
        assert a.shape[1] >= 1 and a.columns.is_unique
        if not method.inductive:  # a transductive embedding's dimensions are anonymous
            assert list(a.columns) == [f"d{i}" for i in range(a.shape[1])]
    assert np.isfinite(a.to_numpy()).all()
    pd.testing.assert_frame_equal(a, b)  # same seed, same numbers


@pytest.mark.parametrize("name", available_methods())
def test_unknown_parameters_and_nodes_are_rejected(name):
    g = graph()
    with pytest.raises(ValueError, match="unknown parameter"):
        compute_features(g, name, ["Gene:1"], None, no_such_parameter=1)
    with pytest.raises(KeyError):
        compute_features(g, name, ["Gene:999"], None)
