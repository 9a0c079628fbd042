"""Every file a run writes, named once: stage folders, file names, npz keys, and how each is read.

Stages, the CLI, the report and the benchmarks reach a run directory only through
these names, so renaming a file or adding a field to the training results is one
edit here. An :class:`Artifact` is a file (or folder) inside one stage's folder;
``read`` / ``write`` pick the format from its suffix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from kgexpr.atomic import atomic_file
from kgexpr.errors import reading

# ------------------------------------------------------------------------------ stage folders

LOAD, FEATURES, TRAIN, EVALUATE, EXPLAIN, DEPLOY = "load", "features", "train", "evaluate", "explain", "deploy"
#: every stage, in the one direction data flows
STAGE_ORDER = (LOAD, FEATURES, TRAIN, EVALUATE, EXPLAIN, DEPLOY)

MANIFEST = "manifest.json"
#: held (flock) by the command working in a run directory
LOCK = ".lock"


def partial_folder(stage: str) -> str:
    """Finished pieces of an unfinished stage (training's gene blocks), per stage key; removed when it finishes."""
    return f"{stage}.partial"


#: feature tables by cache key, shared by every features stage of the run directory
FEATURE_CACHE = Path("cache") / "features"


def feature_cache_entry(run_root: str | Path, method: str, key: str) -> tuple[Path, Path]:
    """(table, engine note) of one cached feature computation."""
    folder = Path(run_root) / FEATURE_CACHE
    return folder / f"{method}-{key}.parquet", folder / f"{method}-{key}.engine"


def block_file(folder: str | Path, prefix: str, stage: int, block_index: int) -> Path:
    """One finished gene block of an unfinished training (kgexpr.learn.checkpoint)."""
    return Path(folder) / f"{prefix}__s{stage}__b{block_index:05d}.npz"


def block_files(folder: str | Path, prefix: str) -> list[Path]:
    return sorted(Path(folder).glob(f"{prefix}__s*__b*.npz"))
#: the simulated data written for a run without a data directory
DEMO_DATA = "demo-data"

#: the column every CSV or TSV of results carries, so a file copied out of a run still says what data made it
DATA_COLUMN = "data"
SIMULATED, REAL = "SIMULATED", "real"


def labelled(frame: pd.DataFrame, demo: bool) -> pd.DataFrame:
    """``frame`` with the :data:`DATA_COLUMN` last: SIMULATED for the demo data, else real."""
    return frame.assign(**{DATA_COLUMN: SIMULATED if demo else REAL})


def run_is_demo(run_root: str | Path) -> bool:
    """Whether a run directory's results come from the simulated demo data (its load summary says)."""
    return bool(LOAD_SUMMARY.read_if_exists(Path(run_root) / LOAD, {}).get("demo"))


@dataclass(frozen=True)
class Artifact:
    """One file (or folder) in a stage's folder; ``stage=None`` means the run directory itself."""

    stage: str | None
    filename: str
    description: str
    index: bool | None = None  # parquet: False drops the frame's index (None: pandas' default)

    def path(self, folder: str | Path) -> Path:
        return Path(folder) / self.filename

    def in_run(self, run_root: str | Path) -> Path:
        root = Path(run_root)
        return root / self.filename if self.stage is None else root / self.stage / self.filename

    def exists(self, folder: str | Path) -> bool:
        return self.path(folder).exists()

    def read(self, folder: str | Path):
        path = self.path(folder)
        with reading(path):
            return self._read(path)

    def _read(self, path: Path):
        suffix = path.suffix
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".csv":
            return pd.read_csv(path)
        if suffix == ".json":
            return json.loads(path.read_text())
        if suffix in (".md", ".html", ".txt"):
            return path.read_text()
        raise TypeError(f"{self.filename}: no reader for {suffix!r}")

    def read_if_exists(self, folder: str | Path, default=None):
        return self.read(folder) if self.exists(folder) else default

    def write(self, folder: str | Path, obj) -> Path:
        path = self.path(folder)
        suffix = path.suffix
        with atomic_file(path) as tmp:
            if suffix == ".parquet":
                obj.to_parquet(tmp, index=self.index)
            elif suffix == ".csv":
                obj.to_csv(tmp, index=False)
            elif suffix == ".json":
                tmp.write_text(json.dumps(obj, indent=1, default=_json_default))
            elif suffix in (".md", ".html", ".txt"):
                tmp.write_text(obj)
            else:
                raise TypeError(f"{self.filename}: no writer for {suffix!r}")
        return path


def _json_default(x):
    return x.item() if isinstance(x, np.generic) else str(x)


def manifest_of(stage: str) -> Artifact:
    return Artifact(stage, MANIFEST, "the stage's manifest: key and what built it, versions, timings")


# ------------------------------------------------------------------------------ load

GRAPH = Artifact(LOAD, "graph", "the embedded graph store (parquet frames)")


def rewritten_later(stage: str) -> tuple[str, ...]:
    """A stage's folders that later stages write into (explain adds its edges to the embedded graph): the manifest
    records their files by name only, and the stage's ``still_valid`` checks what they hold."""
    return (GRAPH.filename,) if stage == LOAD else ()

EXPRESSION_RAW = Artifact(LOAD, "expression_raw.parquet", "selected samples x landmark genes, as read")
EXPRESSION_SCALED = Artifact(LOAD, "expression_scaled.parquet", "the same, scaled per gene to [0, 1] (model targets)")
EXPRESSION_SCALE = Artifact(LOAD, "expression_scale.parquet",
                            "per-gene scaling parameters (method, min/max; median/scale for robust), to undo it")
SAMPLES = Artifact(LOAD, "samples.parquet", "per-sample metadata: pert_id, dose, time, cell line")
GENES = Artifact(LOAD, "genes.parquet", "the expression genes: entrez_id, symbol", index=False)
PERT_TO_DRUG = Artifact(LOAD, "pert_to_drug.parquet", "LINCS pert_id -> Drug node key", index=False)
DESCRIPTORS = Artifact(LOAD, "descriptors.parquet", "drug descriptors per pert_id (when pert info exists)")
LOAD_SUMMARY = Artifact(LOAD, "summary.json", "what was loaded: data, cell line, counts, source report")
DRUG_MERGES = Artifact(LOAD, "drug_merges.csv", "source drug rows merged into one Drug node (key, member, matched by), "
                       "and the names left ambiguous", index=False)

# ------------------------------------------------------------------------------ features

FEATURE_NODES = Artifact(FEATURES, "nodes.parquet", "every graph node with its label and degree", index=False)
FEATURE_KINDS = Artifact(FEATURES, "kinds.json", "feature set -> similarity | embedding")


def feature_table(method: str) -> Artifact:
    return Artifact(FEATURES, f"{method}.parquet", f"the {method} feature table (nodes x columns)")


# ------------------------------------------------------------------------------ train

TARGET_GENES = Artifact(TRAIN, "target_genes.parquet", "the modelled genes, in model order", index=False)


def train_result(split: str, model: str) -> Artifact:
    return Artifact(TRAIN, f"{split}__{model}.npz", f"two-stage MTRS results of {model} on the {split} split")


@dataclass
class TrainResult:
    """One (split, model): the arrays stage 2 and the evaluation read; field names are the npz keys.

    A split of k folds keeps its folds side by side: ``train_index`` / ``y_train`` / ``*_oob`` are
    the k training sets concatenated (``train_fold`` says which rows belong to which fold),
    ``test_index`` / ``y_test`` / ``*_test`` the k test sets (``test_fold``); for cross-validation
    the test rows are every sample once, so the test scores are out-of-fold scores.
    """

    genes: np.ndarray  # Entrez ids, model order
    train_index: np.ndarray
    test_index: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    stage1_test: np.ndarray
    stage2_test: np.ndarray
    stage1_oob: np.ndarray
    stage2_oob: np.ndarray
    importances: np.ndarray  # (genes, genes): stage-2 importance of gene k's stage-1 prediction for gene j
    n_features: np.ndarray  # (1,): design width
    train_fold: np.ndarray | None = None  # fold of each training row (None: all 0, one fold)
    test_fold: np.ndarray | None = None
    # each test row's largest Tanimoto similarity to a training compound (NaN: no structure); the nearest-structure
    # model's results carry it, for the evaluation by similarity
    test_similarity: np.ndarray | None = None

    def __post_init__(self):
        if self.train_fold is None:
            self.train_fold = np.zeros(len(self.train_index), int)
        if self.test_fold is None:
            self.test_fold = np.zeros(len(self.test_index), int)

    @property
    def n_folds(self) -> int:
        return int(self.test_fold.max()) + 1 if len(self.test_fold) else 1

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        with atomic_file(path) as tmp:
            # uncompressed: zlib took 9 s per model on 978 genes (82 of 118 MB) and most of the train stage's
            # writing time; np.load reads either
            np.savez(tmp, **{f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None})
        return path

    @classmethod
    def load(cls, path: str | Path) -> "TrainResult":
        with reading(path), np.load(path) as z:
            return cls(**{f.name: z[f.name] for f in fields(cls) if f.name in z.files})


def train_fold_result(split: str, model: str, fold: int) -> Artifact:
    """One fold of a split while training runs (in the partial folder; merged into train_result)."""
    return Artifact(TRAIN, f"{split}__{model}__fold{fold:02d}.npz", f"fold {fold} of {model} on the {split} split")


def train_results(folder: str | Path) -> dict[str, dict[str, TrainResult]]:
    """split -> model -> results, for every result file in a train folder."""
    out: dict[str, dict[str, TrainResult]] = {}
    for f in sorted(Path(folder).glob("*__*.npz")):
        if "__fold" in f.stem:
            continue
        split, model = f.stem.split("__", 1)
        out.setdefault(split, {})[model] = TrainResult.load(f)
    return out


# ------------------------------------------------------------------------------ evaluate

METRICS = Artifact(EVALUATE, "metrics.parquet", "R² and Pearson per split, model, stage and gene", index=False)
METRICS_CSV = Artifact(EVALUATE, "metrics.csv", "the same as CSV")
SIGNATURE_METRICS = Artifact(EVALUATE, "signature_metrics.parquet", "per split, model and test sample: Pearson over "
                             "the genes, precision@k of the top up/down genes, similarity to the training compounds",
                             index=False)
WINS = Artifact(EVALUATE, "wins.csv", "genes where each model scored best (paper Fig. 2)")
PAIRWISE = Artifact(EVALUATE, "pairwise_vs_baseline.csv", "each model vs the baseline, Wilcoxon p (paper Fig. 3)")
STACKING_WEIGHTS = Artifact(EVALUATE, "stacking_weights.csv", "per-gene NNLS weights of stacking-weighted")
EVALUATION_SUMMARY = Artifact(EVALUATE, "summary.json", "median R², wins and verdicts per split")

# ------------------------------------------------------------------------------ explain

ASSOCIATIONS = Artifact(EXPLAIN, "associations.parquet", "learned gene->gene associations (top k per gene)", index=False)
ASSOCIATIONS_CSV = Artifact(EXPLAIN, "associations.csv", "the same as CSV")

# ------------------------------------------------------------------------------ report (run root)

SUMMARY_MD = Artifact(None, "summary.md", "the run's summary in Markdown")
REPORT_HTML = Artifact(None, "report.html", "the self-contained report with plots")

# ------------------------------------------------------------------------------ deploy

DEPLOY_INFO = Artifact(DEPLOY, "deploy.json", "the deployable models: format, names, genes, sizes")
#: what deploy/<model>.joblib holds: 2 = a kgexpr.learn.engine.FittedTwoStage (1, unversioned: a dict of its parts)
DEPLOY_FORMAT = 2
DEPLOY_STACKING_WEIGHTS = Artifact(DEPLOY, "stacking_weights.parquet",
                                   "NNLS stacking weights per gene (graph models x genes), from all samples' out-of-bag "
                                   "predictions")

DEPLOY_IN_SAMPLE = Artifact(DEPLOY, "in_sample.npz", "each deployed model's predictions of its own training samples "
                            "(scaled units, the models as fitted, before saving): what kgexpr predict reproduces")


def deployed_model(model: str) -> Artifact:
    return Artifact(DEPLOY, f"{model}.joblib", f"the two MTRS stages of {model}, fitted on every sample "
                    "(a FittedTwoStage)")
