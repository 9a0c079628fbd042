"""A run is only reused while the database still holds what it wrote there.

The load leaves a (:KgexprLoad) record with the graph's hash; explain reads back the edges it
wrote. Emptying the database between two runs re-runs the load and explain (and nothing that only
reads local files), and ends with the run's edges in the graph again.
"""

from pathlib import Path

import pytest

from kgexpr import artifacts as A
from kgexpr.errors import BackendUnreachable
from kgexpr.rundir import RunDir
from kgexpr.settings import Settings
from kgexpr.stages import STAGES, run_all

pytestmark = [pytest.mark.slow, pytest.mark.neo4j]
pytest_plugins = ["neo4j_fixtures"]

ALL = set(STAGES)


def small(demo_data: Path, out: Path, server, **kw) -> Settings:
    # a forest learner: on 72 training rows the default's boosted stage 2 cannot split, so there would be
    # no associations (edges) whose loss these tests detect
    kw = {"learner": "rf-projected", **kw}
    return Settings.of(**kw, data_dir=demo_data, out=out, n_genes=4, n_trees=4, features=("cn", "fastrp"), splits=("random",),
                    include_genes=(), n_jobs=1, backend="neo4j", neo4j_uri=server.uri, neo4j_user=server.user,
                    neo4j_database=server.database, deploy=False).resolved().validate()


def rerun(s: Settings) -> set[str]:
    return {name for name, st in run_all(s, RunDir(s.out)).items() if not st.reused}


@pytest.fixture
def neo_run(neo4j_server, demo_data, tmp_path, monkeypatch):
    from kgexpr.graph.neo4j import Neo4jStore

    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server.password)
    store = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, database=neo4j_server.database)
    store.clear()
    s = small(demo_data, tmp_path / "run", neo4j_server)
    assert rerun(s) == ALL
    assert rerun(s) == set()
    try:
        yield s, store
    finally:
        store.close()


def _explain_info(s):
    return RunDir(s.out).manifest(A.EXPLAIN)["info"]


def test_an_emptied_database_reruns_the_load_and_explain(neo_run):
    s, store = neo_run
    info = _explain_info(s)
    assert info["written"] > 0 and store.count_edges("ASSOCIATED_WITH", {"run_id": info["run_id"]}) == info["written"]
    store.clear()
    assert store.counts()["Gene"] == 0
    # the same content comes back, so features (keyed by the graph hash) and training are reused
    assert rerun(s) == {"load", "explain"}
    assert store.count_edges("ASSOCIATED_WITH", {"run_id": info["run_id"]}) == info["written"]
    assert store.load_record(RunDir(s.out).manifest(A.LOAD)["key"])["graph_hash"] == \
        RunDir(s.out).manifest(A.LOAD)["info"]["graph_hash"]
    assert rerun(s) == set()


def test_deleted_edges_rerun_explain_only(neo_run):
    s, store = neo_run
    info = _explain_info(s)
    store.delete_edges("ASSOCIATED_WITH", {"run_id": info["run_id"]})
    assert rerun(s) == {"explain"}
    assert store.count_edges("ASSOCIATED_WITH", {"run_id": info["run_id"]}) == info["written"]


def test_a_changed_graph_reruns_the_load_and_the_features(neo_run):
    import pandas as pd

    s, store = neo_run
    store.merge_nodes("Gene", pd.DataFrame({"entrez_id": [999999991], "symbol": ["EXTRA"]}))
    store.merge_edges("INTERACTS", pd.DataFrame({"source": [999999991],
                                                 "target": [int(store.nodes("Gene")["entrez_id"].iloc[0])],
                                                 "pathway": ["extra"]}))
    assert {"load", "features"} <= rerun(s)


def test_a_cached_run_reports_without_the_server(neo_run, monkeypatch):
    """With the server down, a finished run is reused stage by stage, each saying the graph went unchecked."""
    import kgexpr.stages.base as base

    s, _ = neo_run

    def down(*a, **kw):
        raise BackendUnreachable(f"cannot connect to Neo4j at {s.backend.uri}: connection refused")

    monkeypatch.setattr(base, "open_graph_store", down)
    assert rerun(s) == set()
    # a run whose settings differ cannot be checked offline: the error says the server is down
    from dataclasses import replace

    with pytest.raises(BackendUnreachable, match="cannot connect"):
        rerun(s.replace(features=("cn",)))


def test_embeddings_written_as_node_properties_stay_checked(neo_run, demo_data, neo4j_server):
    from dataclasses import replace

    s, store = neo_run
    s2 = s.replace(write_features=True)
    assert rerun(s2) == {"features"}  # the tables come from the cache; training is not touched
    written = RunDir(s.out).manifest(A.FEATURES)["info"]["node_properties"]
    (prop, n), = written.items()
    assert prop.startswith("fastrp_") and n > 0 and store.count_node_property(prop) == n
    table = A.feature_table("fastrp").read(Path(s.out) / A.FEATURES)
    with store._session() as session:
        rec = session.run("MATCH (f:KgexprFeatures {property: $p}) RETURN f.method AS m, f.nodes AS n", p=prop).single()
        first = table.index[0]
        label, _, key = first.partition(":")
        got = session.run("MATCH (n) WHERE elementId(n) = $e RETURN n[$p] AS v",
                          e=store.resolve_nodes([first])[first], p=prop).single()["v"]
    assert (rec["m"], rec["n"]) == ("fastrp", n)
    assert got == [float(x) for x in table.loc[first]]
    with store._session() as session:
        session.run(f"MATCH (n) WHERE n.{prop} IS NOT NULL WITH n LIMIT 3 REMOVE n.{prop}").consume()
    assert rerun(s2) == {"features"}
    assert store.count_node_property(prop) == n
