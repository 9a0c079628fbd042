"""Features computed by the Neo4j backend equal the embedded ones on the same graph.

cn and lpi run in Cypher; entropy, laplacian and lle run in Python on the Neo4j store's export
(so the export must build the very same GraphView); deepwalk, node2vec and fastrp run in GDS
(seeded, concurrency 1: the same numbers on every call -- not the gensim/numpy numbers).

Needs NEO4J_URI / NEO4J_PASSWORD (or testcontainers + Docker); see tests/neo4j_fixtures.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kgexpr.graph import EmbeddedStore

pytest_plugins = ["neo4j_fixtures"]  # the neo4j_server / neo4j_store fixtures

pytestmark = pytest.mark.neo4j

features = pytest.importorskip("kgexpr.features")
compute_features = features.compute_features
graph_from_edges = features.graph_from_edges


# Runs first (file order): it empties the database, the module fixture `graphs` loads it afterwards.
def test_lpi_counts_walks_like_the_matrix_product(neo4j_store):
    """A tiny graph with a self-loop, parallel and reciprocal relationships: A² + β·A³ exactly."""
    s = neo4j_store
    s.merge_nodes("Gene", pd.DataFrame({"entrez_id": [1, 2, 3, 4, 5]}))
    s.merge_nodes("Pathway", pd.DataFrame({"kegg_id": ["p"]}))
    s.merge_nodes("Drug", pd.DataFrame({"drug_id": ["d"]}))
    s.merge_edges("INTERACTS", pd.DataFrame({"source": [1, 1, 2, 2, 3, 4], "target": [2, 2, 1, 3, 3, 5],
                                             "pathway": ["a", "b", "a", "a", "a", "a"]}))
    s.merge_edges("IN_PATHWAY", pd.DataFrame({"source": [1, 3, 4], "target": ["p", "p", "p"]}))
    s.merge_edges("TARGETS", pd.DataFrame({"source": ["d"], "target": [2]}))
    s.replace_edges("ASSOCIATED_WITH", pd.DataFrame({"source": [1], "target": [5], "feature_set": "x"}), where={"run_id": "r"})
    ids = ["Drug:d", "Gene:1", "Gene:2", "Gene:3", "Gene:4", "Gene:5", "Pathway:p"]
    A = np.zeros((7, 7))
    for a, b in [(1, 2), (2, 3), (4, 5), (1, 6), (3, 6), (4, 6), (0, 2)]:  # undirected, no self-loop, 0/1
        A[a, b] = A[b, a] = 1
    beta = 0.01
    want = A @ A + beta * (A @ A @ A)
    np.fill_diagonal(want, 0)
    got = s.compute_feature("lpi", ids, ids, beta=beta)
    np.testing.assert_allclose(got.to_numpy(), want, rtol=0, atol=1e-12)
    cn = A @ A
    np.fill_diagonal(cn, 0)
    np.testing.assert_array_equal(s.compute_feature("cn", ids, ids).to_numpy(), cn)


@pytest.fixture(scope="module")
def graphs(neo4j_server, demo_data):
    """The demo knowledge graph in both stores, plus the pipeline's rows (drugs + genes) and panel."""
    from kgexpr.graph.build import load_into
    from kgexpr.graph.neo4j import Neo4jStore

    from neo4j_fixtures import demo_knowledge

    kg = demo_knowledge(demo_data)
    emb = EmbeddedStore()
    load_into(emb, kg)
    neo = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, database=neo4j_server.database)
    neo.clear()
    load_into(neo, kg)
    # learned edges must not change any feature
    a = pd.DataFrame({"source": kg.genes["entrez_id"].iloc[:5].to_numpy(), "target": kg.genes["entrez_id"].iloc[5:10].to_numpy(),
                      "weight": 1.0, "rank": 1, "feature_set": "cn"})
    neo.replace_edges("ASSOCIATED_WITH", a, where={"run_id": "r"})
    genes = [f"Gene:{g}" for g in kg.genes.loc[kg.genes["landmark"], "entrez_id"]]
    drugs = sorted({f"Drug:{d}" for d in kg.drugs["drug_id"]})
    others = [f"Pathway:{kg.pathways['kegg_id'].iloc[0]}"] + [f"CellLine:{c}" for c in kg.cell_lines["name"]]
    try:
        yield emb, neo, drugs + genes + others, genes
    finally:
        neo.close()


def test_export_builds_the_same_graph(graphs):
    emb, neo, _, _ = graphs
    a, b = emb.graph_view(), neo.graph_view()
    assert list(a.nodes) == list(b.nodes)
    assert (a.adjacency != b.adjacency).nnz == 0
    assert features.graph_hash(a) == features.graph_hash(b)


@pytest.mark.parametrize("name,params", [("cn", {}), ("lpi", {}), ("lpi", {"beta": 0.05}), ("lpi", {"beta": 0.0})])
def test_cypher_similarity_equals_embedded(graphs, name, params):
    emb, neo, rows, panel = graphs
    want = compute_features(emb.graph_view(), name, rows, panel, **params)
    got = neo.compute_feature(name, rows, panel, seed=0, **params)
    assert got is not None
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=0, atol=1e-9)
    assert (got.to_numpy() > 0).sum() > 100  # not trivially zero
    # panel=None means rows x rows; duplicate rows are allowed
    sub = rows[:7] + rows[:2]
    pd.testing.assert_frame_equal(neo.compute_feature(name, sub, None, **params),
                                  compute_features(emb.graph_view(), name, sub, None, **params),
                                  check_exact=False, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", ["entropy", "laplacian", "lle"])
def test_python_features_on_the_neo4j_export_equal_embedded(graphs, name):
    emb, neo, rows, panel = graphs
    assert neo.compute_feature(name, rows, panel) is None  # computed in Python by the pipeline
    nodes, edges = neo.export()
    via_neo = compute_features(graph_from_edges(nodes, edges), name, rows, panel)
    want = compute_features(emb.graph_view(), name, rows, panel)
    pd.testing.assert_frame_equal(via_neo, want, check_exact=False, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name,dim", [("deepwalk", None), ("node2vec", None), ("fastrp", None), ("node2vec", 8)])
def test_gds_embeddings_shape_and_determinism(graphs, name, dim):
    emb, neo, rows, _ = graphs
    params = {} if dim is None else {"dim": dim}
    want_dim = dim or features.get_method(name).defaults["dim"]
    a = neo.compute_feature(name, rows, None, seed=7, **params)
    assert a.shape == (len(rows), want_dim)
    assert list(a.columns) == [f"d{i}" for i in range(want_dim)] and list(a.index) == rows
    assert a.dtypes.eq(np.float64).all() and np.isfinite(a.to_numpy()).all()
    assert a.to_numpy().std() > 0
    b = neo.compute_feature(name, rows, None, seed=7, **params)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    # no projection is left behind
    gds = neo._gds_client()
    assert len(gds.graph.list()) == 0


def test_gds_seed_and_node2vec_params_matter(graphs):
    _, neo, rows, _ = graphs
    a = neo.compute_feature("node2vec", rows[:20], seed=1)
    assert not a.equals(neo.compute_feature("node2vec", rows[:20], seed=2))
    assert not a.equals(neo.compute_feature("node2vec", rows[:20], seed=1, p=4.0, q=0.25))
    # DeepWalk is GDS node2vec with returnFactor = inOutFactor = 1
    same = {k: v for k, v in features.get_method("deepwalk").defaults.items() if k in features.get_method("node2vec").defaults}
    assert neo.compute_feature("deepwalk", rows[:20], seed=1).equals(
        neo.compute_feature("node2vec", rows[:20], seed=1, **{**same, "p": 1.0, "q": 1.0}))


def test_unknown_rows_and_params(graphs):
    _, neo, rows, panel = graphs
    for name in ("cn", "lpi", "fastrp"):
        with pytest.raises(KeyError, match="not in graph"):
            neo.compute_feature(name, rows[:3] + ["Gene:999999999"], panel)
    with pytest.raises(ValueError, match="unknown parameter"):
        neo.compute_feature("lpi", rows[:3], panel, gamma=1)
    assert len(neo._gds_client().graph.list()) == 0
