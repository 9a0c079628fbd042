"""Settings: one set of defaults, the environment read once, every option checked before any work."""

from dataclasses import replace
from pathlib import Path

import pytest

from kgexpr.errors import KgexprError, suggest
from kgexpr.settings import DEFAULT_NEO4J_URI, Settings, neo4j_password


def test_environment_fills_only_what_was_not_given():
    env = {"NEO4J_URI": "bolt://db:7687", "NEO4J_USER": "alice"}
    s = Settings(backend="neo4j").resolved(env)
    assert (s.neo4j_uri, s.neo4j_user) == ("bolt://db:7687", "alice")
    s = Settings(backend="neo4j", neo4j_uri="bolt://other:7687").resolved(env)
    assert (s.neo4j_uri, s.neo4j_user) == ("bolt://other:7687", "alice")
    assert Settings().resolved({}).neo4j_uri == DEFAULT_NEO4J_URI
    assert neo4j_password({"NEO4J_PASSWORD": "pw"}) == "pw" and neo4j_password({}) is None


def test_backend_address_names_the_server_only_for_neo4j():
    env = {"NEO4J_URI": "bolt://db:7687"}
    assert Settings().resolved(env).backend_address() == {"backend": "embedded"}
    assert Settings(backend="neo4j").resolved(env).backend_address()["uri"] == "bolt://db:7687"


def test_defaults_are_valid_and_have_one_source():
    s = Settings().resolved({}).validate()
    assert Settings.default("n_genes") == s.n_genes == 0  # every landmark gene and Settings.default("feature_params") == {}
    assert "password" not in str(s.to_dict())


def test_trees_default_to_the_learners_own_unless_given():
    from kgexpr.learn.learners import DEFAULT_LEARNER, LEARNERS

    assert Settings().learner == DEFAULT_LEARNER
    assert Settings().resolved({}).n_trees == LEARNERS[DEFAULT_LEARNER].default_trees
    assert Settings(learner="rf").resolved({}).n_trees == 300  # the paper's
    assert Settings(learner="rf", n_trees=7).resolved({}).n_trees == 7
    with pytest.raises(KgexprError, match="not resolved"):
        Settings().validate()


@pytest.mark.parametrize("change, words", [
    ({"features": ("cn", "lpx")}, ["--features", "'lpx'", "did you mean 'lpi'"]),
    ({"features": ()}, ["--features"]),
    ({"features": ("cn", "cn")}, ["named twice"]),
    ({"feature_params": {"lpi": {"bta": 1}}}, ["--feature-param", "bta"]),
    ({"feature_params": {"lpx": {"beta": 1}}}, ["--feature-param", "did you mean 'lpi'"]),
    ({"learner": "rff"}, ["--learner", "did you mean 'rf'"]),
    ({"learner_params": {"n_componentz": 2}}, ["--learner-param", "n_components"]),
    ({"learner_params": {"n_components": 0}}, ["n_components"]),
    ({"n_trees": 0}, ["--trees 0"]),
    ({"n_genes": -5}, ["--genes -5"]),
    ({"genes_per_model": 0}, ["--genes-per-model"]),
    ({"splits": ("random", "bogus")}, ["--splits", "'bogus'"]),
    ({"test_size": 1.5}, ["test_size"]),
    ({"n_jobs": 0}, ["--n-jobs"]),
    ({"seed": -1}, ["--seed"]),
    ({"backend": "neo5j"}, ["--backend", "did you mean 'neo4j'"]),
    ({"expression": Path("/no/such/file.gctx")}, ["--expression"]),
])
def test_every_bad_option_is_one_error_naming_it(change, words):
    with pytest.raises(KgexprError) as err:
        replace(Settings(), **change).resolved({}).validate()
    message = str(err.value)
    assert "\n" not in message
    for w in words:
        assert w in message, message


def test_suggest_offers_the_closest_known_name_only_when_close():
    assert suggest("node2vek", ["deepwalk", "node2vec"]).startswith("did you mean 'node2vec'?")
    assert not suggest("zzzz", ["deepwalk", "node2vec"]).startswith("did you mean")
