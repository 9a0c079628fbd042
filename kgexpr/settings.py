"""Run settings: one frozen dataclass holding every default, resolved and checked once.

The CLI builds its options from these defaults, reads the environment through
:meth:`Settings.resolved` (the only place kgexpr looks at ``NEO4J_*``), and calls
:meth:`Settings.validate` before any stage runs, so a bad option costs one
``error:`` line, not a load. Feature-method and learner parameters are nested
mappings (``{"lpi": {"beta": 0.02}}``, ``{"n_components": 8}``) checked against
the registries that own them.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from kgexpr.errors import KgexprError, suggest

BACKENDS = ("embedded", "neo4j")
DEFAULT_FOLDS = 5
DEFAULT_NEO4J_URI = "bolt://127.0.0.1:7687"
DEFAULT_NEO4J_USER = "neo4j"
AUTO_SPLITS = "auto"


@dataclass(frozen=True)
class Settings:
    data_dir: Path | None = None
    out: Path = Path("runs/default")
    demo: bool = False
    backend: str = "embedded"
    neo4j_uri: str | None = None  # None: $NEO4J_URI, else DEFAULT_NEO4J_URI (see resolved())
    neo4j_user: str | None = None  # None: $NEO4J_USER, else DEFAULT_NEO4J_USER
    neo4j_database: str | None = None
    neo4j_clear: bool = False
    batch_size: int = 10_000
    expression: str | None = None  # a set name under the data directory, or a path; None: most compounds
    cell_line: str = "auto"
    pert_types: tuple[str, ...] = ("trt_cp",)
    pert_time: float | None = None  # hours
    pert_dose: float | None = None  # µM
    max_signatures: int | None = None
    strict: bool = False
    scaling: str = "auto"
    target_clip: float = 10.0  # scaling.DEFAULT_CLIP: training targets clipped at median +/- k robust sd; 0: off
    descriptors: str = "structure"  # kgexpr.features.chemistry.DESCRIPTOR_SETS: structure | formula
    fingerprint_bits: int = 1024
    fingerprint_radius: int = 2  # 2 = ECFP4
    mutation_cell_lines: str = "lincs"
    target_categories: tuple[str, ...] = ("target",)  # sources.drug_targets.DRUGBANK_CATEGORIES that become TARGETS
    n_genes: int = 0  # 0: every landmark gene; the paper's protocol models 300 (--genes 300)
    include_genes: tuple[str, ...] = ("TP53",)
    n_trees: int | None = None  # None: the learner's own default (resolved())
    features: tuple[str, ...] = ("cn", "lpi", "entropy", "laplacian", "lle", "deepwalk", "node2vec", "fastrp", "targets",
                                 "pathways", "propagation")  # signed-propagation: available, not default
    feature_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    splits: tuple[str, ...] = ("auto",)  # auto: cv for one sample per compound, else random + drug
    folds: int | None = None  # None: DEFAULT_FOLDS for cv; given with per-dose data, adds cv to auto
    test_size: float = 0.25
    permute_features: bool = False  # negative control: graph feature rows shuffled across drugs
    graph_control: bool = False  # also train every graph model on permuted graph features, scored beside it
    write_features: bool = False  # neo4j: embeddings also written as node properties <method>_<key>
    deploy: bool = True  # also fit every model on all samples, for kgexpr predict
    learner: str = "rf-projected-adaptive"  # learners.DEFAULT_LEARNER (tests/test_settings.py checks they agree)
    learner_params: Mapping[str, Any] = field(default_factory=dict)
    genes_per_model: int | None = None  # None: the learner's own block size
    seed: int = 0
    n_jobs: int = -1
    top_k: int = 5
    run_id: str | None = None  # None: the run directory's name + a short hash of the training key
    dask: str | None = None

    @classmethod
    def default(cls, name: str):
        """The default of one field (what the CLI shows and falls back to)."""
        f = {f.name: f for f in fields(cls)}[name]
        return f.default_factory() if callable(f.default_factory) else f.default

    def resolved(self, environ: Mapping[str, str] | None = None) -> "Settings":
        """Fill the Neo4j address from the environment (the one place kgexpr reads ``NEO4J_URI`` / ``NEO4J_USER`` / ``NEO4J_DATABASE``)
        and the trees from the learner when none were given."""
        from kgexpr.learn.learners import LEARNERS

        env = os.environ if environ is None else environ
        trees = self.n_trees
        if trees is None and self.learner in LEARNERS:
            trees = LEARNERS[self.learner].default_trees
        return replace(
            self,
            n_trees=trees,
            neo4j_uri=self.neo4j_uri or env.get("NEO4J_URI") or DEFAULT_NEO4J_URI,
            neo4j_user=self.neo4j_user or env.get("NEO4J_USER") or DEFAULT_NEO4J_USER,
            neo4j_database=self.neo4j_database or env.get("NEO4J_DATABASE") or None,
        )

    def backend_address(self) -> dict:
        """Where the graph lives, as it enters stage keys (a different server is a different graph)."""
        if self.backend == "embedded":
            return {"backend": "embedded"}
        return {"backend": self.backend, "uri": self.neo4j_uri, "user": self.neo4j_user, "database": self.neo4j_database}

    def validate(self) -> "Settings":
        """Check every option against what it may be; raise one KgexprError naming the option."""
        from kgexpr.features import available_methods, resolve_params
        from kgexpr.learn.learners import LEARNERS, build_learner
        from kgexpr.learn.splits import SPLITS

        if self.backend not in BACKENDS:
            raise KgexprError(f"--backend {self.backend!r}: {suggest(self.backend, BACKENDS)}")
        if self.backend == "neo4j" and self.neo4j_uri is None:
            raise KgexprError("internal: settings were not resolved (Settings.resolved())")
        if self.seed < 0:
            raise KgexprError(f"--seed {self.seed}: must be 0 or more")
        if self.write_features and self.backend != "neo4j":
            raise KgexprError("--write-features writes node properties into Neo4j: use it with --backend neo4j")
        methods = available_methods()
        if not self.features:
            raise KgexprError(f"--features: name at least one of {', '.join(methods)}")
        for name in self.features:
            if name not in methods:
                raise KgexprError(f"--features: unknown feature set {name!r}; {suggest(name, methods)}")
        if len(set(self.features)) != len(self.features):
            raise KgexprError(f"--features: a feature set is named twice ({','.join(self.features)})")
        for name, params in self.feature_params.items():
            if name not in methods:
                raise KgexprError(f"--feature-param {name}.…: unknown feature set {name!r}; {suggest(name, methods)}")
            try:
                resolve_params(name, dict(params))
            except ValueError as e:
                raise KgexprError(f"--feature-param: {e}") from None
        if self.learner not in LEARNERS:
            raise KgexprError(f"--learner {self.learner!r}: {suggest(self.learner, list(LEARNERS))}")
        if self.n_trees is None:
            raise KgexprError("internal: settings were not resolved (Settings.resolved())")
        if self.n_trees < 1:
            raise KgexprError(f"--trees {self.n_trees}: a forest needs at least 1 tree (the paper: 300)")
        build_learner(self.learner, self.n_trees, self.seed, self.learner_params)  # raises KgexprError
        if self.n_genes < 0:
            raise KgexprError(f"--genes {self.n_genes}: give a positive number of target genes, or 0 for all")
        if self.genes_per_model is not None and self.genes_per_model < 1:
            raise KgexprError(f"--genes-per-model {self.genes_per_model}: must be at least 1")
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
        if self.fingerprint_bits < 8:
            raise KgexprError(f"--fingerprint-bits {self.fingerprint_bits}: at least 8")
        if not 0 <= self.fingerprint_radius <= 6:
            raise KgexprError(f"--fingerprint-radius {self.fingerprint_radius}: 0 to 6 (2 = ECFP4)")
        from kgexpr.features.chemistry import DESCRIPTOR_SETS

        if self.descriptors not in DESCRIPTOR_SETS:
            raise KgexprError(f"--descriptors {self.descriptors!r}: {suggest(self.descriptors, list(DESCRIPTOR_SETS))}")
        if not 0.0 < self.test_size < 1.0:
            raise KgexprError(f"test_size {self.test_size}: must be between 0 and 1")
        cores = os.cpu_count() or 1
        if self.n_jobs == 0 or self.n_jobs < -cores:  # joblib would silently run one worker
            raise KgexprError(f"--n-jobs {self.n_jobs}: use 1 to {cores} workers, or -1 for all cores (-2 for all but "
                              f"one, down to -{cores})")
        if self.top_k < 1:
            raise KgexprError(f"--top {self.top_k}: must be at least 1")
        if self.run_id is not None and (not self.run_id.strip() or not self.run_id.isprintable()):
            raise KgexprError(f"--run-id {self.run_id!r}: give a non-empty, printable id")
        if self.batch_size < 1:
            raise KgexprError(f"batch_size {self.batch_size}: must be at least 1")
        from kgexpr.learn.scaling import AUTO, SCALINGS

        if self.scaling != AUTO and self.scaling not in SCALINGS:
            raise KgexprError(f"--scaling {self.scaling!r}: {suggest(self.scaling, [AUTO, *SCALINGS])}")
        from kgexpr.sources.drug_targets import DRUGBANK_CATEGORIES

        bad = [c for c in self.target_categories if c not in DRUGBANK_CATEGORIES]
        if bad or not self.target_categories or len(set(self.target_categories)) != len(self.target_categories):
            raise KgexprError(f"--target-categories {','.join(self.target_categories)}: name each of "
                              f"{', '.join(DRUGBANK_CATEGORIES)} at most once (at least one)")
        if not self.target_clip >= 0:
            raise KgexprError(f"--target-clip {self.target_clip}: robust standard deviations, 0 (no clipping) or more")
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
        return self

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in d.items()}


def neo4j_password(environ: Mapping[str, str] | None = None) -> str | None:
    """The Neo4j password, only ever from ``NEO4J_PASSWORD`` (never a setting, so never in a manifest)."""
    return (os.environ if environ is None else environ).get("NEO4J_PASSWORD")
