"""Settings: sections with one set of defaults, the environment read once, every option checked before any work,
and stage keys that follow every option that changes a result."""

from pathlib import Path

import pytest

from kgexpr.errors import KgexprError, suggest
from kgexpr.settings import DEFAULT_NEO4J_URI, Settings, neo4j_password


def test_environment_fills_only_what_was_not_given():
    env = {"NEO4J_URI": "bolt://db:7687", "NEO4J_USER": "alice"}
    s = Settings.of(backend="neo4j").resolved(env)
    assert (s.backend.uri, s.backend.user) == ("bolt://db:7687", "alice")
    s = Settings.of(backend="neo4j", neo4j_uri="bolt://other:7687").resolved(env)
    assert (s.backend.uri, s.backend.user) == ("bolt://other:7687", "alice")
    assert Settings().resolved({}).backend.uri == DEFAULT_NEO4J_URI
    assert neo4j_password({"NEO4J_PASSWORD": "pw"}) == "pw" and neo4j_password({}) is None


def test_backend_address_names_the_server_only_for_neo4j():
    env = {"NEO4J_URI": "bolt://db:7687"}
    assert Settings().resolved(env).backend.key() == {"backend": "embedded"}
    assert Settings.of(backend="neo4j").resolved(env).backend.key()["uri"] == "bolt://db:7687"


def test_defaults_are_valid_and_have_one_source():
    s = Settings().resolved({}).validate()
    assert Settings.default("n_genes") == s.learner.n_genes == 0  # every landmark gene and Settings.default("feature_params") == {}
    assert "password" not in str(s.to_dict())


def test_trees_default_to_the_learners_own_unless_given(demo_data, tmp_path, real_data_dir):
    from kgexpr.learn.learners import DEFAULT_LEARNER, LEARNERS
    from kgexpr.settings import DEMO_TREES
    from kgexpr.stages import ready

    assert Settings().learner.learner == DEFAULT_LEARNER
    assert Settings().learner.n_trees is None and Settings().resolved({}).learner.n_trees is None
    assert ready(Settings.of(data_dir=demo_data, out=tmp_path)).learner.n_trees == DEMO_TREES
    assert ready(Settings.of(data_dir=demo_data, out=tmp_path, learner="rf", n_trees=7)).learner.n_trees == 7
    if real_data_dir is not None:
        real = Settings.of(data_dir=real_data_dir, out=tmp_path)
        assert ready(real).learner.n_trees == LEARNERS[DEFAULT_LEARNER].default_trees
        assert ready(real.replace(learner="rf")).learner.n_trees == 300  # the paper's


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
        Settings.of(**change).resolved({}).validate()
    message = str(err.value)
    assert "\n" not in message
    for w in words:
        assert w in message, message


def test_suggest_offers_the_closest_known_name_only_when_close():
    assert suggest("node2vek", ["deepwalk", "node2vec"]).startswith("did you mean 'node2vec'?")
    assert not suggest("zzzz", ["deepwalk", "node2vec"]).startswith("did you mean")


#: a valid value other than the default, for every option (a new option must be added here, and so decide
#: whether it enters the keys of the stages that read its section)
OTHER_VALUE = {
    "out": Path("elsewhere"), "seed": 3, "data_dir": Path("."), "demo": True, "expression": "consensus",
    "cell_line": "A375", "pert_types": ("trt_cp", "trt_sh"), "pert_time": 6.0, "pert_dose": 10.0, "max_signatures": 50,
    "strict": True, "scaling": "minmax", "descriptors": "formula", "fingerprint_bits": 2048, "fingerprint_radius": 3,
    "mutation_cell_lines": "all", "target_categories": ("target", "enzyme"), "features": ("cn",),
    "feature_params": {"lpi": {"beta": 0.02}}, "write_features": True, "learner": "rf", "learner_params": {"max_features": 0.5},
    "n_trees": 7, "genes_per_model": 3, "target_clip": 5.0, "n_genes": 300, "include_genes": (),
    "splits": ("random",), "folds": 3, "test_size": 0.3, "permute_features": True, "graph_control": True,
    "top_k": 9, "run_id": "mine", "deploy": False, "backend": "neo4j", "neo4j_uri": "bolt://db:1",
    "neo4j_user": "bob", "neo4j_database": "kg", "neo4j_clear": True, "batch_size": 50, "n_jobs": 1,
    "dask": "tcp://scheduler:8786",
}


def _params_by_stage(s: Settings) -> dict:
    from kgexpr.stages import STAGES
    from kgexpr.stages.base import stage_params

    return {name: (stage_params(spec, s), s.backend.key() if spec.uses_backend else None) for name, spec in STAGES.items()}


def test_every_option_has_one_home_and_a_value_to_test():
    options = Settings.options()
    assert set(options) == set(OTHER_VALUE)
    for name, value in OTHER_VALUE.items():
        assert Settings.of(**{name: value}).get(name) == value != Settings.default(name)


def test_list_options_take_a_list_or_comma_separated_text():
    assert Settings.of(features="cn, lpi").features.methods == ("cn", "lpi") == Settings.of(features=["cn", "lpi"]).get(
        "features")
    assert Settings.of(include_genes="").learner.include_genes == ()


def test_every_section_is_read_by_its_owner_and_every_option_reaches_a_key_or_says_it_does_not():
    """Keys derive from the sections a stage declares: changing any option that enters keys changes the key
    of exactly the stages that declare its section (and a graph address, those that use the backend)."""
    from kgexpr.stages import STAGES

    for section in Settings.SECTIONS:
        owner = Settings().section(section).owner
        assert section in STAGES[owner].sections or section == "backend", section
    base = Settings.of(n_trees=5).resolved({})
    before = _params_by_stage(base)
    for name, value in OTHER_VALUE.items():
        section, f = Settings.option(name)
        after = _params_by_stage(base.replace(**{name: value}).resolved({}))
        changed = {stage for stage in before if before[stage] != after[stage]}
        if section == "backend":
            want = {n for n, spec in STAGES.items() if spec.uses_backend} if f.metadata["key"] else set()
        elif section is None:
            want = set(STAGES) if f.metadata["key"] else set()
        else:
            want = {n for n, spec in STAGES.items() if section in spec.sections} if f.metadata["key"] else set()
        if name == "neo4j_uri" or name in ("neo4j_user", "neo4j_database"):
            want = set()  # the embedded backend has no address: these enter keys with --backend neo4j (below)
        assert changed == want, (name, changed, want)
    neo = Settings.of(n_trees=5, backend="neo4j").resolved({})
    for name in ("neo4j_uri", "neo4j_user", "neo4j_database"):
        moved = _params_by_stage(neo.replace(**{name: OTHER_VALUE[name]}))
        assert {n for n, v in _params_by_stage(neo).items() if v != moved[n]} == {
            n for n, spec in STAGES.items() if spec.uses_backend}, name


def test_the_python_api_and_the_cli_give_the_same_settings_and_keys(demo_data, tmp_path):
    from kgexpr.cli import main, settings_from
    from kgexpr.stages import ready

    for extra, api in (([], {}), (["--genes", "4", "--features", "cn,lpi", "--learner-param", "max_features=0.5",
                                  "--no-deploy"],
                                 {"n_genes": 4, "features": ("cn", "lpi"), "learner_params": {"max_features": 0.5},
                                  "deploy": False})):
        ctx = main.commands["run"].make_context("run", ["--out", str(tmp_path), "--data-dir", str(demo_data), *extra])
        from_cli = settings_from(ctx.params)
        from_api = ready(Settings.of(out=tmp_path, data_dir=demo_data, **api))
        assert from_cli == from_api
        assert _params_by_stage(from_cli) == _params_by_stage(from_api)
        assert from_api.learner.n_trees is not None  # the demo-trees rule applies to both
