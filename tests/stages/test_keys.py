"""Stage keys cannot go stale: a change re-runs exactly the stages that depend on it."""

from dataclasses import replace
from pathlib import Path

import pytest

from kgexpr import artifacts as A
from kgexpr.features import base as feature_base
from kgexpr.learn import learners
from kgexpr.rundir import RunDir
from kgexpr.settings import Settings
from kgexpr.stages import STAGES, key_parts, run_all

pytestmark = pytest.mark.slow
pytest_plugins = ["neo4j_fixtures"]

ALL = set(STAGES)


def small(demo_data: Path, out: Path, **kw) -> Settings:
    return Settings.of(data_dir=demo_data, out=out, n_genes=4, n_trees=4, features=("cn", "lpi"), splits=("random",),
                    include_genes=(), n_jobs=1, **kw).resolved().validate()


def rerun(s: Settings) -> set[str]:
    """The stages a run re-computed (the others were reused)."""
    return {name for name, st in run_all(s, RunDir(s.out)).items() if not st.reused}


@pytest.fixture
def finished(demo_data, tmp_path):
    s = small(demo_data, tmp_path / "run")
    assert rerun(s) == ALL
    assert rerun(s) == set()  # the same settings reuse everything
    return s


def test_a_method_default_reruns_features_and_what_follows(finished, monkeypatch):
    method = feature_base.REGISTRY["lpi"]
    monkeypatch.setitem(feature_base.REGISTRY, "lpi", replace(method, defaults={**method.defaults, "beta": 0.5}))
    assert rerun(finished) == {"features", "train", "evaluate", "explain", "deploy"}
    table = A.feature_table("lpi").read(Path(finished.out) / A.FEATURES)
    manifest = RunDir(finished.out).manifest(A.FEATURES)
    assert manifest["params"]["features"]["methods"]["lpi"]["beta"] == 0.5 and len(table)


def test_a_method_parameter_given_by_the_user_reruns_features(finished):
    assert rerun(finished.replace(feature_params={"lpi": {"beta": 0.2}})) == {"features", "train", "evaluate", "explain", "deploy"}
    assert rerun(finished.replace(feature_params={"lpi": {"beta": 0.2}})) == set()


def test_a_learner_default_reruns_training_and_what_follows(finished, monkeypatch):
    learner = learners.LEARNERS[finished.learner.learner]
    name = next(k for k in learner.defaults if k.rsplit("__", 1)[-1] == "n_components")
    monkeypatch.setitem(learners.LEARNERS, finished.learner.learner, replace(learner, defaults={**learner.defaults, name: 3}))
    assert rerun(finished) == {"train", "evaluate", "explain", "deploy"}
    manifest = RunDir(finished.out).manifest(A.TRAIN)
    assert manifest["params"]["learner"]["params"][name] == 3


def test_a_learner_parameter_given_by_the_user_reruns_training(finished):
    assert rerun(finished.replace(learner_params={"max_features": 0.5})) == {"train", "evaluate", "explain", "deploy"}



def test_neo4j_uri_is_ignored_by_the_embedded_backend(finished, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "bolt://192.0.2.1:7687")
    assert rerun(finished.replace(neo4j_uri=None).resolved()) == set()


def test_neo4j_uri_from_the_environment_enters_the_key(monkeypatch, tmp_path):
    spec = STAGES["load"]
    keys = []
    for uri in ("bolt://127.0.0.1:7687", "bolt://db.example.org:7687"):
        monkeypatch.setenv("NEO4J_URI", uri)
        s = Settings.of(out=tmp_path, backend="neo4j").resolved()
        parts = key_parts(spec, s, {}, {})
        assert parts["backend"]["uri"] == uri
        keys.append(parts)
    assert keys[0] != keys[1]


@pytest.mark.neo4j
def test_another_neo4j_server_reruns_every_stage(neo4j_server, demo_data, tmp_path, monkeypatch):
    """Pointing NEO4J_URI elsewhere (here: the same server by another name) must not print 'load: reused'."""
    from kgexpr.graph.neo4j import Neo4jStore

    Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, database=neo4j_server.database).clear()
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server.password)
    monkeypatch.setenv("NEO4J_USER", neo4j_server.user)
    first = neo4j_server.uri
    if "127.0.0.1" in first:
        other = first.replace("127.0.0.1", "localhost")
    elif "localhost" in first:
        other = first.replace("localhost", "127.0.0.1")
    else:
        pytest.skip("neo4j server address has no alias to test with")
    out = tmp_path / "run"
    monkeypatch.setenv("NEO4J_URI", first)
    s1 = small(demo_data, out, backend="neo4j", neo4j_database=neo4j_server.database)
    assert rerun(s1) == ALL
    assert rerun(s1) == set()
    monkeypatch.setenv("NEO4J_URI", other)
    s2 = small(demo_data, out, backend="neo4j", neo4j_database=neo4j_server.database)
    assert s2.backend.uri == other
    assert rerun(s2) == ALL
