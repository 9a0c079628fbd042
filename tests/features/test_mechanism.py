"""Mechanism features: a drug's direct targets and the signal propagated from them over the gene graph."""

import numpy as np
import pandas as pd
import pytest

from kgexpr.features import compute_features
from kgexpr.graph.view import graph_from_edges


def _graph():
    # a gene path g1 - g2 - g3 - g4, g5 alone; d1 targets g1, d2 targets g4 and g5, d3 targets nothing;
    # a pathway holding every gene must not carry the walk
    genes = [f"Gene:{i}" for i in range(1, 6)]
    nodes = pd.DataFrame({"node_id": [*genes, "Drug:d1", "Drug:d2", "Drug:d3", "Pathway:p"],
                          "label": ["Gene"] * 5 + ["Drug"] * 3 + ["Pathway"]})
    edges = pd.DataFrame({"source": ["Gene:1", "Gene:2", "Gene:3", "Drug:d1", "Drug:d2", "Drug:d2", *genes],
                          "target": ["Gene:2", "Gene:3", "Gene:4", "Gene:1", "Gene:4", "Gene:5", *["Pathway:p"] * 5]})
    nodes = pd.concat([nodes, pd.DataFrame({"node_id": ["Drug:d3"], "label": ["Drug"]})]).drop_duplicates()
    return graph_from_edges(nodes, edges), genes


def test_targets_are_the_drugs_gene_links():
    g, genes = _graph()
    t = compute_features(g, "targets", ["Drug:d1", "Drug:d2", "Drug:d3", "Gene:3"], genes)
    assert t.loc["Drug:d1"].tolist() == [1, 0, 0, 0, 0]
    assert t.loc["Drug:d2"].tolist() == [0, 0, 0, 1, 1]
    assert t.loc["Drug:d3"].sum() == 0
    assert t.loc["Gene:3"].tolist() == [0, 0, 1, 0, 0]  # a gene is its own target


def _rwr_by_hand(W, start, restart):
    n = len(start)
    return restart * np.linalg.solve(np.eye(n) - (1 - restart) * W, start)


def test_propagation_is_the_random_walk_with_restart_from_the_targets():
    g, genes = _graph()
    P = compute_features(g, "propagation", ["Drug:d1", "Drug:d2", "Drug:d3"], genes, restart=0.3)
    # the gene graph alone (the pathway is no stepping stone): path 1-2-3-4 and the isolated gene 5
    A = np.zeros((5, 5))
    for a, b in ((0, 1), (1, 2), (2, 3)):
        A[a, b] = A[b, a] = 1
    deg = A.sum(axis=0)
    W = A / np.where(deg > 0, deg, 1)[None, :]
    np.testing.assert_allclose(P.loc["Drug:d1"], _rwr_by_hand(W, np.eye(5)[0], 0.3), atol=1e-7)
    np.testing.assert_allclose(P.loc["Drug:d2"], _rwr_by_hand(W, (np.eye(5)[3] + np.eye(5)[4]) / 2, 0.3), atol=1e-7)
    assert P.loc["Drug:d3"].sum() == 0
    # the signal decays with distance from the target
    d1 = P.loc["Drug:d1"].to_numpy()
    assert d1[0] > d1[1] > d1[2] > d1[3] > 0 and d1[4] == 0


def test_propagation_checks_its_restart():
    g, genes = _graph()
    with pytest.raises(ValueError, match="restart"):
        compute_features(g, "propagation", ["Drug:d1"], genes, restart=0.0)
