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


def _signed_graph():
    # KGML: g1 -activation-> g2 -inhibition-> g3; g3 -binding-> g4 (no sign); drugs act on g1
    genes = [f"Gene:{i}" for i in range(1, 5)]
    nodes = pd.DataFrame({"node_id": [*genes, "Drug:inh", "Drug:ago", "Drug:unk", "Pathway:p", "Pathway:q"],
                          "label": ["Gene"] * 4 + ["Drug"] * 3 + ["Pathway"] * 2})
    edges = pd.DataFrame({
        "source": ["Gene:1", "Gene:2", "Gene:3", "Drug:inh", "Drug:ago", "Drug:unk", "Gene:1", "Gene:2", "Gene:3", "Gene:4"],
        "target": ["Gene:2", "Gene:3", "Gene:4", "Gene:1", "Gene:1", "Gene:1", "Pathway:p", "Pathway:p", "Pathway:q",
                   "Pathway:q"],
        "sign": [1, -1, 0, -1, 1, 0, 0, 0, 0, 0],
    })
    return graph_from_edges(nodes, edges), genes


def test_signed_propagation_follows_the_signs_from_the_drugs_action():
    g, genes = _signed_graph()
    P = compute_features(g, "signed-propagation", ["Drug:inh", "Drug:ago", "Drug:unk", "Gene:2"], genes, restart=0.3)
    # by hand: M[t, u] = sign(u -> t) / out(u) over the signed edges 1->2 (+), 2->3 (-)
    M = np.zeros((4, 4))
    M[1, 0], M[2, 1] = 1.0, -1.0
    np.testing.assert_allclose(P.loc["Drug:ago"], _rwr_by_hand(M, np.eye(4)[0], 0.3), atol=1e-7)
    # an inhibitor of the same target is the mirror image: it lowers g1 and g2 and raises g3
    np.testing.assert_allclose(P.loc["Drug:inh"], -P.loc["Drug:ago"], atol=1e-12)
    inh = P.loc["Drug:inh"].to_numpy()
    assert inh[0] < 0 and inh[1] < 0 and inh[2] > 0 and inh[3] == 0  # the unsigned binding carries nothing
    assert P.loc["Drug:unk"].abs().sum() == 0  # no stated action: no seed
    np.testing.assert_allclose(P.loc["Gene:2"], _rwr_by_hand(M, np.eye(4)[1], 0.3), atol=1e-7)


def test_signed_propagation_without_signs_is_zero():
    g, genes = _graph()  # no sign column: the view has no signed edges
    assert g.signed is None
    P = compute_features(g, "signed-propagation", ["Drug:d1", "Drug:d2"], genes)
    assert P.to_numpy().sum() == 0


def test_pathways_is_the_share_of_each_pathway_the_row_targets():
    g, genes = _signed_graph()
    T = compute_features(g, "pathways", ["Drug:inh", "Gene:3", "Gene:4"])
    assert list(T.columns) == ["p", "q"]
    assert T.loc["Drug:inh"].tolist() == [0.5, 0.0]  # g1 is one of p's two genes
    assert T.loc["Gene:3"].tolist() == [0.0, 0.5] and T.loc["Gene:4"].tolist() == [0.0, 0.5]


def test_signs_of_kgml_subtypes_and_drugbank_actions():
    from kgexpr.graph.signs import sign_of

    assert sign_of("activation;phosphorylation") == 1 and sign_of("expression") == 1
    assert sign_of("inhibition") == -1 and sign_of("repression;indirect effect") == -1
    assert sign_of("Inhibitor|Antagonist") == -1 and sign_of("agonist") == 1 and sign_of("partial agonist") == 1
    assert sign_of("activation;inhibition") == 0  # both ways: no sign
    assert sign_of("binding/association") == 0 and sign_of("substrate") == 0 and sign_of("") == 0
    assert sign_of(None) == 0


def test_a_pair_related_both_ways_in_two_pathways_has_no_sign():
    nodes = pd.DataFrame({"node_id": ["Gene:1", "Gene:2"], "label": ["Gene", "Gene"]})
    edges = pd.DataFrame({"source": ["Gene:1", "Gene:1"], "target": ["Gene:2", "Gene:2"], "sign": [1, -1]})
    assert graph_from_edges(nodes, edges).signed is None
    edges["sign"] = [1, 1]
    S = graph_from_edges(nodes, edges).signed
    assert S.toarray().tolist() == [[0, 1], [0, 0]]  # directed: source row, target column


def test_signs_change_the_graph_hash_and_their_absence_keeps_it():
    from kgexpr.graph.view import graph_hash

    g, _ = _signed_graph()
    nodes = pd.DataFrame({"node_id": g.nodes, "label": g.labels})
    src, dst = g.adjacency.nonzero()
    plain = pd.DataFrame({"source": g.nodes[src], "target": g.nodes[dst]})
    assert graph_hash(graph_from_edges(nodes, plain.assign(sign=0))) == graph_hash(graph_from_edges(nodes, plain))
    assert graph_hash(g) != graph_hash(graph_from_edges(nodes, plain))
