"""Run settings in sections, each read by the stage that owns it.

A section is a small frozen dataclass (the data and its selection, the graph's sources,
the feature sets, the learner, the evaluation, explain, deploy, the backend). Each field
says which CLI option sets it and whether it enters stage keys (``key=False``: an action
or a place, never an input of a result). A stage declares the sections it reads
(:attr:`kgexpr.stages.base.StageSpec.sections`) and its key holds each one's
:meth:`Section.key`, so no stage lists its parameters by hand and a new field is in every
key that must follow it. :meth:`Settings.of` builds settings from option names, the same
way for the CLI and the Python API; :meth:`Settings.resolved` reads the environment (the
only place kgexpr looks at ``NEO4J_*``) and :meth:`Settings.validate` checks every value
before any stage runs, so a bad option costs one ``error:`` line, not a load.
"""

from __future__ import annotations

import functools
import os
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, ClassVar, Mapping

from kgexpr.errors import KgexprError, suggest

DEFAULT_FOLDS = 5
DEFAULT_NEO4J_URI = "bolt://127.0.0.1:7687"
DEFAULT_NEO4J_USER = "neo4j"
AUTO_SPLITS = "auto"
#: trees per forest on the simulated demo data unless the trees are given (its signal needs no more)
DEMO_TREES = 100

#: how the CLI turns an option's text into the field's value
CSV, NESTED, ASSIGN = "csv", "nested", "assign"


def opt(default: Any = MISSING, *, factory: Any = MISSING, option: str | None = None, key: bool = True,
        parse: str | None = None):
    """A settings field: its CLI option name (default: the field's), whether it enters stage keys, how it parses."""
    meta = {"option": option, "key": key, "parse": parse}
    if factory is not MISSING:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _jsonable(value):
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    return value


class Section:
    """One group of settings: its key (what results depend on) and its checks."""

    name: ClassVar[str]
    owner: ClassVar[str]  # the stage that reads it first and declares it

    def key(self) -> dict:
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self) if f.metadata.get("key", True)}

    def validate(self) -> None:
        pass


@dataclass(frozen=True)
class DataSettings(Section):
    """The expression set, which signatures of it, their scaling, and the drugs' descriptors (load)."""

    name: ClassVar[str] = "data"
    owner: ClassVar[str] = "load"

    data_dir: Path | None = opt(None, key=False)  # the load's key holds the folder it resolved to and its files
    demo: bool = opt(False)
    expression: str | None = opt(None, key=False)  # a set name or a path; the load's key holds the set it chose
    cell_line: str = opt("auto")
    pert_types: tuple[str, ...] = opt(("trt_cp",), parse=CSV)
    pert_time: float | None = opt(None)  # hours
    pert_dose: float | None = opt(None)  # µM
    max_signatures: int | None = opt(None)
    strict: bool = opt(False)
    scaling: str = opt("auto")
    descriptors: str = opt("structure")  # kgexpr.features.chemistry.DESCRIPTOR_SETS: structure | formula
    fingerprint_bits: int = opt(1024)
    fingerprint_radius: int = opt(2)  # 2 = ECFP4

    def validate(self) -> None:
        from kgexpr.features.chemistry import DESCRIPTOR_SETS
        from kgexpr.learn.scaling import AUTO, SCALINGS

        if self.scaling != AUTO and self.scaling not in SCALINGS:
            raise KgexprError(f"--scaling {self.scaling!r}: {suggest(self.scaling, [AUTO, *SCALINGS])}")
        if self.descriptors not in DESCRIPTOR_SETS:
            raise KgexprError(f"--descriptors {self.descriptors!r}: {suggest(self.descriptors, list(DESCRIPTOR_SETS))}")
        if self.fingerprint_bits < 8:
            raise KgexprError(f"--fingerprint-bits {self.fingerprint_bits}: at least 8")
        if not 0 <= self.fingerprint_radius <= 6:
            raise KgexprError(f"--fingerprint-radius {self.fingerprint_radius}: 0 to 6 (2 = ECFP4)")
        if self.max_signatures is not None and self.max_signatures < 1:
            raise KgexprError(f"--max-signatures {self.max_signatures}: must be at least 1")
        if not self.pert_types:
            raise KgexprError("--pert-type: name at least one, e.g. trt_cp (compounds)")
        if self.pert_time is not None and self.pert_time <= 0:
            raise KgexprError(f"--time {self.pert_time}: hours, more than 0")
        if self.pert_dose is not None and self.pert_dose <= 0:
            raise KgexprError(f"--dose {self.pert_dose}: µM, more than 0")
        if self.expression is not None and not Path(self.expression).exists() and (
                "/" in str(self.expression) or Path(str(self.expression)).suffix):
            raise KgexprError(f"--expression {self.expression}: no such file or folder")
        if self.data_dir is not None and not Path(self.data_dir).is_dir():
            raise KgexprError(f"--data-dir {self.data_dir}: no such directory")


@dataclass(frozen=True)
class GraphSettings(Section):
    """What of the sources becomes the knowledge graph (load)."""

    name: ClassVar[str] = "graph"
    owner: ClassVar[str] = "load"

    mutation_cell_lines: str = opt("lincs")
    # sources.drug_targets.DRUGBANK_CATEGORIES that become TARGETS edges
    target_categories: tuple[str, ...] = opt(("target",), parse=CSV)

    def validate(self) -> None:
        from kgexpr.sources.drug_targets import DRUGBANK_CATEGORIES

        cats = self.target_categories
        if [c for c in cats if c not in DRUGBANK_CATEGORIES] or not cats or len(set(cats)) != len(cats):
            raise KgexprError(f"--target-categories {','.join(cats)}: name each of "
                              f"{', '.join(DRUGBANK_CATEGORIES)} at most once (at least one)")


@dataclass(frozen=True)
class FeatureSettings(Section):
    """The graph feature sets and their parameters (features)."""

    name: ClassVar[str] = "features"
    owner: ClassVar[str] = "features"

    methods: tuple[str, ...] = opt(("cn", "lpi", "entropy", "laplacian", "lle", "deepwalk", "node2vec", "fastrp",
                                    "targets", "pathways", "propagation"),  # signed-propagation: available, not default
                                   option="features", parse=CSV)
    params: Mapping[str, Mapping[str, Any]] = opt(factory=dict, option="feature_params", parse=NESTED)
    # neo4j: embeddings also written as node properties <method>_<key>; an action on the database, not an input
    write: bool = opt(False, option="write_features", key=False)

    def resolved_methods(self) -> dict[str, dict]:
        """Each feature set's parameters after the method's defaults: what its numbers depend on."""
        from kgexpr.features import resolve_params

        return {name: resolve_params(name, dict(self.params.get(name, {}))) for name in self.methods}

    def key(self) -> dict:
        return {"methods": self.resolved_methods()}

    def validate(self) -> None:
        from kgexpr.features import available_methods, resolve_params

        methods = available_methods()
        if not self.methods:
            raise KgexprError(f"--features: name at least one of {', '.join(methods)}")
        for name in self.methods:
            if name not in methods:
                raise KgexprError(f"--features: unknown feature set {name!r}; {suggest(name, methods)}")
        if len(set(self.methods)) != len(self.methods):
            raise KgexprError(f"--features: a feature set is named twice ({','.join(self.methods)})")
        for name, params in self.params.items():
            if name not in methods:
                raise KgexprError(f"--feature-param {name}.…: unknown feature set {name!r}; {suggest(name, methods)}")
            try:
                resolve_params(name, dict(params))
            except ValueError as e:
                raise KgexprError(f"--feature-param: {e}") from None


@dataclass(frozen=True)
class LearnerSettings(Section):
    """The genes modelled and the learner that models them (train)."""

    name: ClassVar[str] = "learner"
    owner: ClassVar[str] = "train"

    learner: str = opt("rf-projected-adaptive")  # learners.DEFAULT_LEARNER (tests/test_settings.py checks they agree)
    params: Mapping[str, Any] = opt(factory=dict, option="learner_params", parse=ASSIGN)
    n_trees: int | None = opt(None)  # None: the learner's default (kgexpr.stages.ready; fewer on the demo data)
    genes_per_model: int | None = opt(None)  # None: the learner's own block size
    target_clip: float = opt(10.0)  # scaling.DEFAULT_CLIP: training targets clipped at median +/- k robust sd; 0: off
    n_genes: int = opt(0)  # 0: every landmark gene; the paper's protocol models 300 (--genes 300)
    include_genes: tuple[str, ...] = opt(("TP53",), parse=CSV)

    def build(self, seed: int):
        """(estimator, genes per model): the learner with every hyper-parameter set, as the key records it."""
        from kgexpr.learn.learners import build_learner, get_learner

        est = build_learner(self.learner, self.n_trees, seed, self.params)
        return est, self.genes_per_model or get_learner(self.learner).targets_per_model

    def key(self) -> dict:
        from kgexpr.learn.learners import key_params

        if self.n_trees is None:
            raise KgexprError("internal: the trees were not resolved (kgexpr.stages.ready)")
        est, per_model = self.build(seed=0)  # the seed enters every key on its own
        return {**super().key(), "params": key_params(est), "targets_per_model": per_model}

    def validate(self) -> None:
        from kgexpr.learn.learners import LEARNERS, build_learner

        if self.learner not in LEARNERS:
            raise KgexprError(f"--learner {self.learner!r}: {suggest(self.learner, list(LEARNERS))}")
        if self.n_trees is not None and self.n_trees < 1:
            raise KgexprError(f"--trees {self.n_trees}: a forest needs at least 1 tree (the paper: 300)")
        build_learner(self.learner, self.n_trees or LEARNERS[self.learner].default_trees, 0, self.params)
        if self.n_genes < 0:
            raise KgexprError(f"--genes {self.n_genes}: give a positive number of target genes, or 0 for all")
        if self.genes_per_model is not None and self.genes_per_model < 1:
            raise KgexprError(f"--genes-per-model {self.genes_per_model}: must be at least 1")
        if not self.target_clip >= 0:
            raise KgexprError(f"--target-clip {self.target_clip}: robust standard deviations, 0 (no clipping) or more")


@dataclass(frozen=True)
class EvaluationSettings(Section):
    """How models are scored: the splits and the graph controls (train)."""

    name: ClassVar[str] = "evaluation"
    owner: ClassVar[str] = "train"

    splits: tuple[str, ...] = opt((AUTO_SPLITS,), parse=CSV)  # auto: cv for one sample per compound, else random + drug
    folds: int | None = opt(None)  # None: DEFAULT_FOLDS for cv; given with per-dose data, adds cv to auto
    test_size: float = opt(0.25)
    permute_features: bool = opt(False)  # negative control: graph feature rows shuffled across drugs
    graph_control: bool = opt(False)  # also train every graph model on permuted graph features, scored beside it

    def key(self) -> dict:
        return {**super().key(), "graph_control": self.graph_control and not self.permute_features}

    def validate(self) -> None:
        from kgexpr.learn.splits import SPLITS

        if not self.splits:
            raise KgexprError(f"--splits: name at least one of {', '.join(SPLITS)}")
        for split in self.splits:
            if split == AUTO_SPLITS and len(self.splits) == 1:
                continue
            if split not in SPLITS:
                raise KgexprError(f"--splits: unknown split {split!r}; {suggest(split, list(SPLITS))}")
        if len(set(self.splits)) != len(self.splits):
            raise KgexprError(f"--splits: a split is named twice ({','.join(self.splits)})")
        if self.folds is not None and self.folds < 2:
            raise KgexprError(f"--folds {self.folds}: cross-validation needs at least 2 folds")
        if not 0.0 < self.test_size < 1.0:
            raise KgexprError(f"test_size {self.test_size}: must be between 0 and 1")


@dataclass(frozen=True)
class ExplainSettings(Section):
    """The learned associations written back into the graph (explain)."""

    name: ClassVar[str] = "explain"
    owner: ClassVar[str] = "explain"

    top_k: int = opt(5)
    # None: the run directory's name + a short hash of the training key; explain's key holds the id it resolved to
    run_id: str | None = opt(None, key=False)

    def validate(self) -> None:
        if self.top_k < 1:
            raise KgexprError(f"--top {self.top_k}: must be at least 1")
        if self.run_id is not None and (not self.run_id.strip() or not self.run_id.isprintable()):
            raise KgexprError(f"--run-id {self.run_id!r}: give a non-empty, printable id")


@dataclass(frozen=True)
class DeploySettings(Section):
    """Whether every model is refitted on all samples for ``kgexpr predict`` (deploy)."""

    name: ClassVar[str] = "deploy"
    owner: ClassVar[str] = "deploy"

    enabled: bool = opt(True, option="deploy")


@dataclass(frozen=True)
class BackendSettings(Section):
    """Where the graph lives and where fits run; only the graph's address enters keys (:meth:`key`)."""

    name: ClassVar[str] = "backend"
    owner: ClassVar[str] = "load"

    kind: str = opt("embedded", option="backend")
    uri: str | None = opt(None, option="neo4j_uri")  # None: $NEO4J_URI, else DEFAULT_NEO4J_URI (resolved())
    user: str | None = opt(None, option="neo4j_user")  # None: $NEO4J_USER, else DEFAULT_NEO4J_USER
    database: str | None = opt(None, option="neo4j_database")
    clear: bool = opt(False, option="neo4j_clear", key=False)  # an action: the load runs again (still_valid)
    batch_size: int = opt(10_000, key=False)
    n_jobs: int = opt(-1, key=False)
    dask: str | None = opt(None, key=False)

    def key(self) -> dict:
        """Where the graph lives, as it enters stage keys (a different server is a different graph)."""
        if self.kind == "embedded":
            return {"backend": "embedded"}
        return {"backend": self.kind, "uri": self.uri, "user": self.user, "database": self.database}

    def resolved(self, env: Mapping[str, str]) -> "BackendSettings":
        return replace(self, uri=self.uri or env.get("NEO4J_URI") or DEFAULT_NEO4J_URI,
                       user=self.user or env.get("NEO4J_USER") or DEFAULT_NEO4J_USER,
                       database=self.database or env.get("NEO4J_DATABASE") or None)

    def validate(self) -> None:
        from kgexpr.graph import BACKENDS

        if self.kind not in BACKENDS:
            raise KgexprError(f"--backend {self.kind!r}: {suggest(self.kind, list(BACKENDS))}")
        if self.kind != "embedded" and self.uri is None:
            raise KgexprError("internal: settings were not resolved (Settings.resolved())")
        if self.batch_size < 1:
            raise KgexprError(f"batch_size {self.batch_size}: must be at least 1")
        cores = os.cpu_count() or 1
        if self.n_jobs == 0 or self.n_jobs < -cores:  # joblib would silently run one worker
            raise KgexprError(f"--n-jobs {self.n_jobs}: use 1 to {cores} workers, or -1 for all cores (-2 for all but "
                              f"one, down to -{cores})")


SECTION_TYPES: tuple[type[Section], ...] = (DataSettings, GraphSettings, FeatureSettings, LearnerSettings,
                                            EvaluationSettings, ExplainSettings, DeploySettings, BackendSettings)


@dataclass(frozen=True)
class Settings:
    """Everything a run is told: where it writes, its seed, and one section per concern."""

    out: Path = opt(Path("runs/default"), key=False)
    seed: int = opt(0)  # every stage's key holds it
    data: DataSettings = field(default_factory=DataSettings)
    graph: GraphSettings = field(default_factory=GraphSettings)
    features: FeatureSettings = field(default_factory=FeatureSettings)
    learner: LearnerSettings = field(default_factory=LearnerSettings)
    evaluation: EvaluationSettings = field(default_factory=EvaluationSettings)
    explain: ExplainSettings = field(default_factory=ExplainSettings)
    deploy: DeploySettings = field(default_factory=DeploySettings)
    backend: BackendSettings = field(default_factory=BackendSettings)

    SECTIONS: ClassVar[tuple[str, ...]] = tuple(t.name for t in SECTION_TYPES)

    # --- options: the flat names the CLI and the Python API share -------------------------------------------------
    @classmethod
    def options(cls) -> dict[str, tuple[str | None, Any]]:
        """Option name -> (section name or None for a top-level field, the dataclass field)."""
        return _options()

    @classmethod
    def option(cls, name: str):
        """The (section, field) of one option; a KgexprError with a suggestion for an unknown name."""
        table = cls.options()
        if name not in table:
            raise KgexprError(f"unknown setting {name!r}; {suggest(name, list(table))}")
        return table[name]

    @classmethod
    def default(cls, name: str):
        """The default of one option (what the CLI shows and falls back to)."""
        _, f = cls.option(name)
        return f.default_factory() if f.default_factory is not MISSING else f.default

    @classmethod
    def of(cls, **options) -> "Settings":
        """Settings from option names (``Settings.of(n_genes=300, features=("cn",))``), as the CLI builds them."""
        return cls().replace(**options)

    def replace(self, **options) -> "Settings":
        """A copy with some options changed, by option name."""
        top: dict[str, Any] = {}
        per_section: dict[str, dict[str, Any]] = {}
        for name, value in options.items():
            section, f = self.option(name)
            if f.metadata.get("parse") == CSV:  # a list, or the CLI's comma-separated text
                parts = value.split(",") if isinstance(value, str) else value
                value = tuple(str(x).strip() for x in parts if str(x).strip())
            if section is None:
                top[f.name] = Path(value) if f.name == "out" else value
            else:
                per_section.setdefault(section, {})[f.name] = value
        for section, values in per_section.items():
            if section == "data" and values.get("data_dir") is not None:
                values["data_dir"] = Path(values["data_dir"])
            top[section] = replace(getattr(self, section), **values)
        return replace(self, **top)

    def get(self, name: str):
        """One option's value, by option name."""
        section, f = self.option(name)
        return getattr(self if section is None else getattr(self, section), f.name)

    def section(self, name: str) -> Section:
        if name not in self.SECTIONS:
            raise KeyError(f"no settings section {name!r}; sections: {', '.join(self.SECTIONS)}")
        return getattr(self, name)

    # --- resolution and checks ------------------------------------------------------------------------------------
    def resolved(self, environ: Mapping[str, str] | None = None) -> "Settings":
        """Fill the Neo4j address from the environment (the one place kgexpr reads ``NEO4J_URI`` / ``NEO4J_USER`` /
        ``NEO4J_DATABASE``). The learner's trees are resolved with the data (:func:`kgexpr.stages.ready`)."""
        return replace(self, backend=self.backend.resolved(os.environ if environ is None else environ))

    def validate(self) -> "Settings":
        """Check every option against what it may be; raise one KgexprError naming the option."""
        if self.seed < 0:
            raise KgexprError(f"--seed {self.seed}: must be 0 or more")
        for name in self.SECTIONS:
            self.section(name).validate()
        if self.features.write and self.backend.kind != "neo4j":
            raise KgexprError("--write-features writes node properties into Neo4j: use it with --backend neo4j")
        return self

    def to_dict(self) -> dict:
        """Every option by name (the password is never a setting)."""
        return {name: _jsonable(self.get(name)) for name in self.options()}


@functools.cache
def _options() -> dict[str, tuple[str | None, Any]]:
    """Settings.options, built once from the dataclasses' fields."""
    found: dict[str, tuple[str | None, Any]] = {}
    for f in fields(Settings):
        if f.name not in Settings.SECTIONS:
            found[f.name] = (None, f)
    for t in SECTION_TYPES:
        for f in fields(t):
            option = f.metadata.get("option") or f.name
            if option in found:
                raise RuntimeError(f"settings option {option!r} is defined twice")  # a programming error
            found[option] = (t.name, f)
    return found


def neo4j_password(environ: Mapping[str, str] | None = None) -> str | None:
    """The Neo4j password, only ever from ``NEO4J_PASSWORD`` (never a setting, so never in a manifest)."""
    return (os.environ if environ is None else environ).get("NEO4J_PASSWORD")


__all__ = ["AUTO_SPLITS", "DEMO_TREES", "BackendSettings", "DataSettings", "DeploySettings", "EvaluationSettings", "ExplainSettings",
           "FeatureSettings", "GraphSettings", "LearnerSettings", "Section", "Settings", "neo4j_password"]
