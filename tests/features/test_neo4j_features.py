"""Features computed by the Neo4j backend equal the embedded ones on the same graph.

Everything goes through :func:`kgexpr.features.compute_on`, which says which engine ran: cn and
lpi run in Cypher ("neo4j-cypher"); entropy, laplacian and lle run in Python on the Neo4j
store's export (so the export must build the very same GraphView); deepwalk, node2vec and
fastrp run in GDS ("neo4j-gds": seeded, concurrency 1, the same numbers on every call -- not
the gensim/numpy numbers).

Needs NEO4J_URI / NEO4J_PASSWORD (or testcontainers + Docker); see tests/neo4j_fixtures.py.
"""

from __future__ import annotations

import dataclasses
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kgexpr.graph import EmbeddedStore

pytest_plugins = ["neo4j_fixtures"]  # the neo4j_server / neo4j_store fixtures

pytestmark = pytest.mark.neo4j

features = pytest.importorskip("kgexpr.features")
in_database = features.in_database
compute_features = features.compute_features
compute_on = features.compute_on
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
    view = s.graph_view()
    got = compute_on("lpi", ids, ids, view=view, store=s, params={"beta": beta})
    assert got.engine == "neo4j-cypher" and got.note is None
    np.testing.assert_allclose(got.table.to_numpy(), want, rtol=0, atol=1e-12)
    cn = A @ A
    np.fill_diagonal(cn, 0)
    got = compute_on("cn", ids, ids, view=view, store=s)
    assert got.engine == "neo4j-cypher"
    np.testing.assert_array_equal(got.table.to_numpy(), cn)


@pytest.fixture(scope="module")
def graphs(neo4j_server, demo_data):
    """The demo knowledge graph in both stores and their views, plus the pipeline's rows (drugs + genes) and panel."""
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
        yield SimpleNamespace(emb=emb, neo=neo, rows=drugs + genes + others, panel=genes,
                              emb_view=emb.graph_view(), neo_view=neo.graph_view())
    finally:
        neo.close()


def on_neo(g, name, rows, panel=None, **kw):
    return compute_on(name, rows, panel, view=g.neo_view, store=g.neo, **kw)


def test_export_builds_the_same_graph(graphs):
    a, b = graphs.emb_view, graphs.neo_view
    assert list(a.nodes) == list(b.nodes)
    assert (a.adjacency != b.adjacency).nnz == 0
    # the signs KGML subtypes and DrugBank actions give survive the Cypher export
    assert a.signed is not None and b.signed is not None and a.signed.nnz > 0
    assert (a.signed != b.signed).nnz == 0
    assert features.graph_hash(a) == features.graph_hash(b)


@pytest.mark.parametrize("name,params", [("cn", {}), ("lpi", {}), ("lpi", {"beta": 0.05}), ("lpi", {"beta": 0.0})])
def test_cypher_similarity_equals_embedded(graphs, name, params):
    g = graphs
    want = compute_on(name, g.rows, g.panel, view=g.emb_view, store=g.emb, params=params)
    assert want.engine == "python" and want.note is None
    pd.testing.assert_frame_equal(want.table, compute_features(g.emb_view, name, g.rows, g.panel, **params), check_exact=True)
    got = on_neo(g, name, g.rows, g.panel, seed=0, params=params)
    assert got.engine == "neo4j-cypher" and got.note is None
    pd.testing.assert_frame_equal(got.table, want.table, check_exact=False, rtol=0, atol=1e-9)
    assert (got.table.to_numpy() > 0).sum() > 100  # not trivially zero
    # panel=None means rows x rows; duplicate rows are allowed
    sub = g.rows[:7] + g.rows[:2]
    got = on_neo(g, name, sub, None, params=params)
    assert got.engine == "neo4j-cypher"
    pd.testing.assert_frame_equal(got.table, compute_features(g.emb_view, name, sub, None, **params),
                                  check_exact=False, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", ["entropy", "laplacian", "lle"])
def test_python_features_on_the_neo4j_export_equal_embedded(graphs, name):
    g = graphs
    got = on_neo(g, name, g.rows, g.panel)
    assert got.engine == "python" and got.note is None  # no in-database implementation
    pd.testing.assert_frame_equal(got.table, compute_features(g.neo_view, name, g.rows, g.panel), check_exact=True)
    nodes, edges = g.neo.export()
    pd.testing.assert_frame_equal(compute_features(graph_from_edges(nodes, edges), name, g.rows, g.panel), got.table,
                                  check_exact=True)
    want = compute_features(g.emb_view, name, g.rows, g.panel)
    pd.testing.assert_frame_equal(got.table, want, check_exact=False, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name,dim", [("deepwalk", None), ("node2vec", None), ("fastrp", None), ("node2vec", 8)])
def test_gds_embeddings_shape_and_determinism(graphs, name, dim):
    g = graphs
    params = {} if dim is None else {"dim": dim}
    want_dim = dim or features.get_method(name).defaults["dim"]
    r = on_neo(g, name, g.rows, None, seed=7, params=params)
    assert r.engine == "neo4j-gds" and r.note is None
    a = r.table
    assert a.shape == (len(g.rows), want_dim)
    assert list(a.columns) == [f"d{i}" for i in range(want_dim)] and list(a.index) == g.rows
    assert a.dtypes.eq(np.float64).all() and np.isfinite(a.to_numpy()).all()
    assert a.to_numpy().std() > 0
    b = on_neo(g, name, g.rows, None, seed=7, params=params).table
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    # one projection, named by the graph's content, serves every call while the store is open
    assert [i.graph_name for i in g.neo.gds().graph.list()] == [in_database.projection_name(g.neo_view)]


def test_gds_seed_and_node2vec_params_matter(graphs):
    g = graphs
    rows = g.rows[:20]

    def table(name, seed, **params):
        r = on_neo(g, name, rows, seed=seed, params=params)
        assert r.engine == "neo4j-gds"
        return r.table

    a = table("node2vec", 1)
    assert not a.equals(table("node2vec", 2))
    assert not a.equals(table("node2vec", 1, p=4.0, q=0.25))
    # DeepWalk is GDS node2vec with returnFactor = inOutFactor = 1
    same = {k: v for k, v in features.get_method("deepwalk").defaults.items() if k in features.get_method("node2vec").defaults}
    assert table("deepwalk", 1).equals(table("node2vec", 1, **{**same, "p": 1.0, "q": 1.0}))


def test_unknown_rows_and_params(graphs):
    g = graphs
    bad_rows = g.rows[:3] + ["Gene:999999999"]
    for name in ("cn", "lpi", "fastrp", "entropy"):
        for store, view in ((g.neo, g.neo_view), (None, g.emb_view)):
            with pytest.raises(KeyError, match="not in graph"):
                compute_on(name, bad_rows, g.panel, view=view, store=store)
    for store in (g.neo, None):
        with pytest.raises(ValueError, match="unknown parameter"):
            compute_on("lpi", g.rows[:3], g.panel, view=g.neo_view, store=store, params={"gamma": 1})
        with pytest.raises(ValueError, match="unknown feature method"):
            compute_on("pagerank", g.rows[:3], view=g.neo_view, store=store)
    assert len(g.neo.gds().graph.list()) <= 1  # unknown rows fail before any projection


def test_without_gds_python_runs_with_a_note(graphs, neo4j_server):
    """A server without the plugin: GDS methods run in Python and say so in one line, no warning.

    The test server has GDS, so a store that reports none stands in for one without it; everything
    else (the Cypher similarities) still runs on the real server.
    """
    from kgexpr.graph.neo4j import Neo4jStore

    class NoGdsStore(Neo4jStore):
        def gds(self):
            return None

    g = graphs
    rows = g.rows[:25]
    params = {"dim": 8, "walk_length": 10, "walks_per_node": 2}
    with NoGdsStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, database=neo4j_server.database) as store:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for name in ("deepwalk", "node2vec"):
                r = compute_on(name, rows, view=g.neo_view, store=store, seed=3, params=params)
                assert r.engine == "python"
                assert r.note == f"Neo4j at {store.uri} has no Graph Data Science plugin: {name} computed in Python"
                pd.testing.assert_frame_equal(r.table, compute_features(g.neo_view, name, rows, None, seed=3, **params),
                                              check_exact=True)
            r = compute_on("fastrp", rows, view=g.neo_view, store=store, seed=3)
            assert r.engine == "python" and "fastrp computed in Python" in r.note and "\n" not in r.note
            r = compute_on("cn", rows, g.panel, view=g.neo_view, store=store)
            assert r.engine == "neo4j-cypher" and r.note is None


def test_gds_propagation_agrees_with_python(graphs):
    """propagation as GDS personalised PageRank equals the Python walk with restart within 1e-6 (absolute;
    the values are shares of a walker's time, up to 1): both iterate to a tolerance, not to the exact fixed point."""
    g = graphs
    drugs = [r for r in g.rows if r.startswith("Drug:")]
    rows = drugs[:30] + g.panel[:3]
    want = compute_on("propagation", rows, g.panel, view=g.emb_view, store=g.emb)
    assert want.engine == "python"
    got = on_neo(g, "propagation", rows, g.panel)
    assert got.engine == "neo4j-gds" and got.note is None
    assert list(got.table.index) == rows and list(got.table.columns) == g.panel
    assert (want.table.to_numpy() > 1e-4).sum() > 30  # not trivially zero
    np.testing.assert_allclose(got.table.to_numpy(), want.table.to_numpy(), rtol=0, atol=1e-6)
    other = on_neo(g, "propagation", rows[:5], g.panel, params={"restart": 0.6})
    np.testing.assert_allclose(other.table.to_numpy(), compute_features(g.emb_view, "propagation", rows[:5], g.panel,
                                                                        restart=0.6).to_numpy(), rtol=0, atol=1e-6)
    assert in_database.projection_name(g.neo_view, "genes") in [i.graph_name for i in g.neo.gds().graph.list()]


# Last in the file: it reloads the database that the module fixture `graphs` filled.
def test_gds_embeddings_follow_the_content_not_the_load_history(neo4j_server, demo_data):
    """The same graph loaded in two orders (so Neo4j numbers its nodes differently) gives identical
    GDS embeddings; the store drops its projection when it closes."""
    from kgexpr.graph.build import load_into
    from kgexpr.graph.neo4j import Neo4jStore

    from neo4j_fixtures import demo_knowledge

    kg = demo_knowledge(demo_data)
    parts = ("genes", "pathways", "gene_pathway", "interactions", "drugs", "drug_targets", "cell_lines", "mutations")
    shuffled = dataclasses.replace(kg, **{p: getattr(kg, p).iloc[::-1].reset_index(drop=True) for p in parts})
    tables, ids, hashes = [], [], []
    for order in (kg, shuffled):
        with Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password,
                        database=neo4j_server.database) as store:
            store.clear()
            load_into(store, order)
            view = store.graph_view()
            hashes.append(features.graph_hash(view))
            rows = list(view.nodes[::7])
            eids = store.resolve_nodes(rows)
            ids.append([eids[r] for r in rows])
            tables.append({name: compute_on(name, rows, view=view, store=store, seed=5,
                                            params={"dim": 8, **({} if name == "fastrp" else {"walk_length": 10, "walks_per_node": 2})}).table
                           for name in ("fastrp", "node2vec")})
        with Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password,
                        database=neo4j_server.database) as other:
            assert not other.gds().graph.exists(in_database.projection_name(view))  # dropped on close
    assert hashes[0] == hashes[1] and ids[0] != ids[1]  # the same content, other Neo4j ids
    for name in ("fastrp", "node2vec"):
        pd.testing.assert_frame_equal(tables[0][name], tables[1][name], check_exact=True)
