"""The MTRS engine: gene blocks, one stage over many models, and the two-stage protocol.

Multi-target regressor stacking (Spyromitros-Xioufis et al.), as the paper uses it.

Stage 1 fits regressors for the target genes on the sample features; stage 2 fits,
per gene, a regressor on [features, stage-1 predictions of *all* genes]. The
stage-2 training inputs are out-of-bag (random forest) or out-of-fold predictions,
never in-sample fits, so stage 2 learns how much to trust stage 1 on unseen data.
A :class:`StagePair` gives each stage its own estimator, can give stage 2 the
stage-1 predictions alone, and can have it learn a correction of each gene's
stage-1 prediction (its residual) instead of the response itself. The fitted model is one
type, :class:`FittedTwoStage`: what ``MTRSRegressor`` holds, the deploy stage saves and
``kgexpr predict`` loads.

The unit of work is a *block* of target genes: one model per block. With
``targets_per_model=1`` that is the paper's one-regressor-per-gene; a larger block
fits one multi-output forest for many genes at once, which shares the tree building
between genes and is what makes the full protocol take minutes instead of days.
Blocks are fixed by the gene order and seeded by their first gene, so a block's
result is a pure function of (data, block, seed): blocks can run in any order, in
parallel, on a Dask cluster, or be resumed after an interrupt, with identical numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Protocol

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, clone
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.utils._param_validation import HasMethods, StrOptions

import kgexpr.learn.parallel  # noqa: F401  (quiets loky's false alarm about restarted workers)


def default_forest(n_estimators: int = 300, random_state=None) -> RandomForestRegressor:
    """The paper's learner: 300 trees, no depth or leaf limits; OOB on for stage-2 inputs."""
    return RandomForestRegressor(
        n_estimators=n_estimators, max_features=1.0, oob_score=True, bootstrap=True, n_jobs=1,
        random_state=random_state,
    )


def _gene_seed(random_state, stage: int, j: int) -> int:
    base = 0 if random_state is None else int(random_state)
    return int(np.random.SeedSequence([base, stage, j]).generate_state(1)[0] % (2**31 - 1))


def gene_blocks(n_targets: int, targets_per_model: int) -> list[np.ndarray]:
    """Consecutive blocks of target indices; fixed by the gene order alone, never by n_jobs."""
    size = max(1, int(targets_per_model))
    return [np.arange(i, min(i + size, n_targets)) for i in range(0, n_targets, size)]


def block_design(X: np.ndarray, X_target: np.ndarray | None, block: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
    """[X, the block's target-specific columns, extra]: gene j's own columns reach only its block."""
    parts = [X]
    if X_target is not None:
        parts.append(X_target[:, block, :].reshape(len(X), -1))
    if extra is not None:
        parts.append(extra)
    return parts[0] if len(parts) == 1 else np.hstack(parts)


def _held_out_of(est) -> np.ndarray | None:
    """A fitted model's own held-out predictions of its training rows (a forest's out-of-bag ones), if any."""
    return getattr(est, "oob_prediction_", None)


STAGE2_INPUTS = ("design", "predictions", "conditions+predictions")
STAGE2_TARGETS = ("response", "residual")


class StagePair(BaseEstimator):
    """Different estimators for the two MTRS stages, and what stage 2 sees.

    ``stage2_inputs="design"`` is the paper's stage 2: the design plus the stage-1
    predictions of all genes. ``"predictions"`` gives stage 2 only those predictions
    (classic stacking): a per-gene model then learns how to correct a gene from the
    genes it co-varies with, at a fraction of the width. ``"conditions+predictions"``
    adds the experiment's conditions (the design's leading ``n_conditions`` columns: dose,
    time, cell line), because a gene's response bends with dose in ways its stage-1
    prediction does not; a stage 2 with a ``kept_features`` parameter (a screening
    :class:`~kgexpr.learn.boosting.GeneBoostingRegressor`) is told to keep them.
    ``stage2_without_conditions``: the stage-2 estimator for data that has no
    conditions (consensus signatures pool over dose and time), where what suits
    [conditions, predictions] need not suit the predictions alone; None: ``stage2``.

    ``stage2_target="residual"`` fits stage 2 to y minus the gene's own held-out stage-1
    prediction and adds that prediction back: a shrunken or early-stopped stage 2 then
    falls back to stage 1 instead of to the mean, which keeps it from undoing stage 1
    on small data. Parameters nest as in a scikit-learn pipeline
    (``stage1__n_estimators``, ``stage2__num_leaves``).
    """

    _parameter_constraints: dict = {
        "stage1": [HasMethods(["fit", "predict"])],
        "stage2": [HasMethods(["fit", "predict"])],
        "stage2_inputs": [StrOptions(set(STAGE2_INPUTS))],
        "stage2_target": [StrOptions(set(STAGE2_TARGETS))],
        "stage2_without_conditions": [HasMethods(["fit", "predict"]), None],
    }

    def __init__(self, stage1=None, stage2=None, stage2_inputs: str = "design", stage2_target: str = "response",
                 stage2_without_conditions=None):
        self.stage1 = stage1
        self.stage2 = stage2
        self.stage2_inputs = stage2_inputs
        self.stage2_target = stage2_target
        self.stage2_without_conditions = stage2_without_conditions

    def _validate_params(self):
        super()._validate_params()
        for est in (self.stage1, self.stage2, self.stage2_without_conditions):
            validate = getattr(est, "_validate_params", None)
            if validate is not None:
                validate()


@dataclass(frozen=True)
class StagePlan:
    """What each MTRS stage fits: its estimator, what stage 2 sees, and what it learns."""

    stage1: object
    stage2: object
    stage2_inputs: str = "design"
    stage2_target: str = "response"
    stage2_without_conditions: object = None

    @property
    def residual(self) -> bool:
        return self.stage2_target == "residual"


def stage_plan(estimator) -> StagePlan:
    """The plan of a plain estimator (the paper's: the same one twice) or of a StagePair."""
    if not isinstance(estimator, StagePair):
        return StagePlan(estimator, estimator)
    estimator._validate_params()  # both stages given, known options (its constraints, and the stages' own)
    return StagePlan(estimator.stage1, estimator.stage2, estimator.stage2_inputs, estimator.stage2_target,
                     estimator.stage2_without_conditions)


def stage2_design(X: np.ndarray, X_target: np.ndarray | None, block: np.ndarray, stage1: np.ndarray,
                  inputs: str, n_conditions: int = 0) -> np.ndarray:
    """What a block's stage-2 model sees: [design, stage-1 predictions], the predictions alone, or
    [the conditions, the predictions]."""
    if inputs == "predictions":
        return stage1
    if inputs == "conditions+predictions":
        return np.hstack([X[:, :n_conditions], stage1])
    return block_design(X, X_target, block, stage1)


def predict_stage(blocks: list[np.ndarray], models: list, X: np.ndarray, X_target: np.ndarray | None,
                  stage1: np.ndarray | None = None, inputs: str = "design", n_conditions: int = 0) -> np.ndarray:
    """(n, n_targets) predictions of one stage's block models; ``stage1`` given: stage 2's (raw) outputs."""
    out = np.zeros((len(X), sum(len(b) for b in blocks)))
    for block, model in zip(blocks, models):
        Z = (block_design(X, X_target, block, None) if stage1 is None
             else stage2_design(X, X_target, block, stage1, inputs, n_conditions))
        out[:, block] = np.asarray(model.predict(Z)).reshape(len(X), -1)
    return out


@dataclass
class FittedTwoStage:
    """A fitted two-stage MTRS model: the one shape that the Python API, the deploy stage and predict share.

    ``blocks``: the target indices of each block; ``stage1``/``stage2``: each block's fitted model;
    ``plan``: the estimators as given and what stage 2 sees and learns; ``n_conditions``: how many
    leading columns of X are the experiment's conditions; ``columns``: the design's column names
    (None for unnamed arrays); ``n_target_features``: the k of ``X_target`` (0: fitted without it).
    """

    blocks: list[np.ndarray]
    stage1: list
    stage2: list
    plan: StagePlan
    n_conditions: int = 0
    columns: tuple[str, ...] | None = None
    n_target_features: int = 0

    @property
    def n_targets(self) -> int:
        return sum(len(b) for b in self.blocks)

    def _check(self, X_target: np.ndarray | None) -> None:
        if (X_target is None) != (self.n_target_features == 0):
            raise ValueError("X_target must be given exactly when the model was fitted with it")

    def predict_stage1(self, X: np.ndarray, X_target: np.ndarray | None = None) -> np.ndarray:
        """(n, n_targets) stage-1 predictions."""
        self._check(X_target)
        return predict_stage(self.blocks, self.stage1, X, X_target)

    def predict(self, X: np.ndarray, X_target: np.ndarray | None = None) -> np.ndarray:
        """(n, n_targets): stage 2 on stage 1's predictions (plus them, for a residual stage 2)."""
        s1 = self.predict_stage1(X, X_target)
        s2 = predict_stage(self.blocks, self.stage2, X, X_target, s1, self.plan.stage2_inputs, self.n_conditions)
        return s2 + s1 if self.plan.residual else s2

    def drop_training_diagnostics(self) -> FittedTwoStage:
        """Drop what the models keep only to describe their training (out-of-bag predictions, per-target
        importances): a deployed model needs none of it to predict, and it is most of a small model's size."""
        for model in (*self.stage1, *self.stage2):
            for attr in ("oob_prediction_", "target_importances_"):
                if hasattr(model, attr):
                    delattr(model, attr)
        return self


def per_target_importances(est, n_targets: int) -> np.ndarray | None:
    """(n_targets, n_features) importances, one row per output of the model (None if it has none)."""
    if getattr(est, "target_importances_", None) is not None:
        return np.asarray(est.target_importances_, dtype=float)
    if getattr(est, "estimators_", None) is not None and hasattr(est.estimators_[0], "tree_"):
        return forest_target_importances(est) if n_targets > 1 else np.asarray(est.feature_importances_, float)[None, :]
    imp = getattr(est, "feature_importances_", None)
    if imp is not None and n_targets == 1:
        return np.asarray(imp, dtype=float)[None, :]
    coef = getattr(est, "coef_", None)
    return None if coef is None else np.abs(np.atleast_2d(np.asarray(coef, dtype=float)))


def forest_target_importances(forest) -> np.ndarray:
    """Mean decrease in impurity per output of a (multi-output) forest: (n_outputs, n_features).

    scikit-learn reports importances summed over a forest's outputs. For a
    squared-error split, output k's impurity decrease is w_l*w_r/w_p * (mean_l,k - mean_r,k)^2,
    so each output's share follows from the node means the trees keep.
    """
    n_out, p = forest.n_outputs_, forest.n_features_in_
    total, grown = np.zeros((n_out, p)), 0
    for t in forest.estimators_:
        tree = t.tree_
        inner = np.flatnonzero(tree.children_left >= 0)
        if not len(inner):
            continue  # a stump without splits, left out as scikit-learn does
        grown += 1
        left, right = tree.children_left[inner], tree.children_right[inner]
        w = tree.weighted_n_node_samples
        mean = tree.value[:, :, 0]  # (nodes, outputs)
        gain = (w[left] * w[right] / w[inner])[:, None] * (mean[left] - mean[right]) ** 2
        per_tree = np.zeros((p, n_out))
        np.add.at(per_tree, tree.feature[inner], gain)
        norm = per_tree.sum(axis=0, keepdims=True)
        total += np.divide(per_tree, norm, out=np.zeros_like(per_tree), where=norm > 0).T
    return total / max(grown, 1)


@dataclass
class BlockResult:
    """One block's output: held-out train predictions, eval predictions, importances, model."""

    held_out: np.ndarray  # (n_train, b)
    predictions: np.ndarray | None  # (n_eval, b)
    importances: np.ndarray | None  # (b, n_kept_features)
    model: object = None


def fit_block(
    estimator, X: np.ndarray, Y: np.ndarray, X_eval: np.ndarray | None, seed: int, cv: int,
    importance_columns: slice | None = slice(None), keep_model: bool = False, n_jobs: int = 1,
) -> BlockResult:
    """Fit one model on targets ``Y`` (n, b); b == 1 fits a single-output model."""
    b = Y.shape[1]
    y = Y[:, 0] if b == 1 else Y
    est = clone(estimator)
    params = est.get_params()
    if "random_state" in params:
        est.set_params(random_state=seed)
    if "n_jobs" in params:
        est.set_params(n_jobs=n_jobs)
    est.fit(X, y)
    own = _held_out_of(est)
    if own is not None:
        held_out = np.asarray(own, dtype=float).reshape(len(X), b)
        bad = ~np.isfinite(held_out).all(axis=1)  # samples that were never out of bag (tiny forests)
        if bad.any():
            held_out[bad] = np.asarray(est.predict(X[bad])).reshape(-1, b)
    else:
        folds = KFold(cv, shuffle=True, random_state=seed)
        held_out = np.asarray(cross_val_predict(clone(est), X, y, cv=folds), dtype=float).reshape(len(X), b)
    pred = None
    if X_eval is not None and len(X_eval):
        pred = np.asarray(est.predict(X_eval), dtype=float).reshape(len(X_eval), b)
    imp = None
    if importance_columns is not None:
        full = per_target_importances(est, b)
        imp = None if full is None else full[:, importance_columns]
    if "n_jobs" in params:
        est.set_params(n_jobs=1)
    return BlockResult(held_out, pred, imp, est if keep_model else None)


def _fit_block_task(index, estimator, X, X_target, extra, X_eval, X_target_eval, extra_eval, Y, block, seed, cv,
                    importance_columns, keep_model, n_jobs):
    # module level, arrays as arguments: joblib memory-maps them once for all workers
    Xb = block_design(X, X_target, block, extra)
    Xe = None if X_eval is None else block_design(X_eval, X_target_eval, block, extra_eval)
    return index, fit_block(estimator, Xb, Y[:, block], Xe, seed, cv, importance_columns, keep_model, n_jobs)


class BlockStore(Protocol):
    """Where finished blocks go (and come back from after an interrupt)."""

    def load(self, stage: int, block_index: int) -> BlockResult | None: ...

    def save(self, stage: int, block_index: int, result: BlockResult) -> None: ...


@dataclass
class StageResult:
    """Everything one stage produced for all genes (models only when kept)."""

    held_out: np.ndarray  # (n_train, n_targets) OOB / out-of-fold predictions
    predictions: np.ndarray | None  # (n_eval, n_targets)
    importances: list = field(default_factory=list)  # per gene: 1-D array, or None
    models: list | None = None  # per block
    blocks: list = field(default_factory=list)


IMPORTANCES = ("all", "extra", "none")


@dataclass
class StageInputs:
    """One model's data for a stage (``extra``: inputs every gene sees, e.g. stage-1 predictions;
    ``n_conditions``: how many leading columns of X are the experiment's conditions)."""

    X: np.ndarray
    Y: np.ndarray
    X_eval: np.ndarray | None = None
    X_target: np.ndarray | None = None
    X_target_eval: np.ndarray | None = None
    extra: np.ndarray | None = None
    extra_eval: np.ndarray | None = None
    store: BlockStore | None = None
    n_conditions: int = 0
    columns: tuple[str, ...] | None = None  # X's column names, kept on a fitted model


def run_stages(
    estimator,
    problems: dict[str, StageInputs],
    *,
    stage: int = 1,
    random_state=None,
    cv: int = 5,
    keep_models: bool = False,
    n_jobs: int | None = None,
    targets_per_model: int = 1,
    importances: str = "all",
    on_block_done: Callable[[str, np.ndarray, BlockResult], None] | None = None,
    backend: str | None = None,
) -> dict[str, StageResult]:
    """Fit one stage of several models (e.g. the baseline and every feature set) together.

    All (model, gene block) fits go to one pool, so the cores stay busy however the
    work divides. ``importances``: keep "all" columns, only the "extra" ones (stage 2's
    gene->gene part), or "none". A problem's ``store`` checkpoints each finished block
    and hands back those finished before; ``on_block_done(name, genes, result)`` is
    called for every block, stored or new.
    """
    if importances not in IMPORTANCES:
        raise ValueError(f"importances must be one of {IMPORTANCES}")
    results: dict[str, StageResult] = {}
    todo = []
    for name, p in problems.items():
        n, m = p.Y.shape
        blocks = gene_blocks(m, targets_per_model)
        res = StageResult(
            held_out=np.zeros((n, m)), predictions=None if p.X_eval is None else np.zeros((len(p.X_eval), m)),
            importances=[None] * m, models=[None] * len(blocks) if keep_models else None, blocks=blocks,
        )
        results[name] = res
        for i in range(len(blocks)):
            r = None if p.store is None or keep_models else p.store.load(stage, i)
            if r is None:
                todo.append((name, i))
            else:
                _collect(res, i, r)
                if on_block_done is not None:
                    on_block_done(name, blocks[i], r)
    # few fits, many cores: let each model use the spare cores (forests give the same trees for any n_jobs)
    workers = 1 if backend not in (None, "loky", "threading", "multiprocessing") else effective_n_jobs(n_jobs)
    inner = max(1, workers // max(1, len(todo)))

    def task(name, i):
        p = problems[name]
        block = results[name].blocks[i]
        n_extra = 0 if p.extra is None else p.extra.shape[1]
        cols = {"all": slice(None), "extra": slice(-n_extra, None) if n_extra else slice(0, 0), "none": None}[importances]
        return delayed(_fit_block_task)(
            (name, i), estimator, p.X, p.X_target, p.extra, p.X_eval, p.X_target_eval, p.extra_eval, p.Y, block,
            _gene_seed(random_state, stage, int(block[0])), cv, cols, keep_models, inner,
        )

    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered", backend=backend)
    for (name, i), r in parallel(task(name, i) for name, i in todo):
        p = problems[name]
        if p.store is not None:
            p.store.save(stage, i, r)
        _collect(results[name], i, r)
        if on_block_done is not None:
            on_block_done(name, results[name].blocks[i], r)
    return results


def _collect(res: StageResult, i: int, r: BlockResult) -> None:
    block = res.blocks[i]
    res.held_out[:, block] = r.held_out
    if res.predictions is not None:
        res.predictions[:, block] = r.predictions
    if r.importances is not None:
        for row, j in zip(r.importances, block):
            res.importances[j] = row
    if res.models is not None:
        res.models[i] = r.model


def run_stage(
    estimator,
    X: np.ndarray,
    Y: np.ndarray,
    X_eval: np.ndarray | None,
    *,
    X_target=None,
    X_target_eval=None,
    extra=None,
    extra_eval=None,
    store: BlockStore | None = None,
    on_block_done: Callable[[np.ndarray, BlockResult], None] | None = None,
    **kw,
) -> StageResult:
    """One stage of one model: ``run_stages`` with a single problem."""
    problem = StageInputs(X, Y, X_eval, X_target, X_target_eval, extra, extra_eval, store)
    callback = None if on_block_done is None else (lambda _name, genes, r: on_block_done(genes, r))
    return run_stages(estimator, {"model": problem}, on_block_done=callback, **kw)["model"]


def _stage2_problem(p: StageInputs, s1: StageResult, plan: StagePlan) -> StageInputs:
    Y = p.Y - s1.held_out if plan.residual else p.Y
    if plan.stage2_inputs == "design":
        return replace(p, Y=Y, extra=s1.held_out, extra_eval=s1.predictions)
    c = p.n_conditions if plan.stage2_inputs == "conditions+predictions" else 0
    lead = lambda rows: None if rows is None else rows[:, :c]  # noqa: E731
    return replace(p, Y=Y, X=lead(p.X), X_eval=lead(p.X_eval), X_target=None, X_target_eval=None,
                   extra=s1.held_out, extra_eval=s1.predictions)


def _stage2_estimator(plan: StagePlan, problems: dict[str, StageInputs]):
    """Stage 2's estimator: the one for data without conditions where there are none, else told how many
    leading conditions to keep when it screens its inputs."""
    if plan.stage2_inputs != "conditions+predictions":
        return plan.stage2
    counts = {p.n_conditions for p in problems.values()}
    if len(counts) > 1:
        raise ValueError(f"stage2_inputs='conditions+predictions' needs the same n_conditions in every model; got {sorted(counts)}")
    n = counts.pop() if counts else 0
    if n == 0 and plan.stage2_without_conditions is not None:
        return plan.stage2_without_conditions
    if "kept_features" not in plan.stage2.get_params():
        return plan.stage2
    return clone(plan.stage2).set_params(kept_features=n)


def _add_back_stage1(s2: StageResult, s1: StageResult) -> StageResult:
    """A residual stage 2's results as predictions of the response (its blocks stay residual in the store)."""
    predictions = None if s2.predictions is None else s2.predictions + s1.predictions
    return replace(s2, held_out=s2.held_out + s1.held_out, predictions=predictions)


@dataclass
class TwoStageResult:
    """One model's two MTRS stages, and the fitted model when the models were kept."""

    stage1: StageResult
    stage2: StageResult
    model: FittedTwoStage | None = None


def _fitted(p: StageInputs, s1: StageResult, s2: StageResult, plan: StagePlan) -> FittedTwoStage:
    return FittedTwoStage(s1.blocks, s1.models, s2.models, plan, p.n_conditions, p.columns,
                          0 if p.X_target is None else p.X_target.shape[2])


def fit_two_stages(
    estimator,
    problems: dict[str, StageInputs],
    *,
    random_state=None,
    cv: int = 5,
    keep_models: bool = False,
    n_jobs: int | None = None,
    targets_per_model: int = 1,
    stage2_importances: str = "extra",
    on_block_done: Callable[[str, np.ndarray, BlockResult], None] | None = None,
    backend: str | None = None,
) -> dict[str, TwoStageResult]:
    """The MTRS protocol, the only place it is written: stage 1 of every model, then stage 2.

    Stage 2 of a model sees its design plus the stage-1 predictions of *all* its genes:
    out-of-bag (or out-of-fold) ones for the training rows, so it learns how far to trust
    stage 1 on unseen samples, and the stage-1 predictions for the evaluation rows.
    ``problems`` are not modified. ``stage2_importances``: which stage-2 importance
    columns to keep ("extra": the gene->gene part, "all", "none"). ``estimator`` may be a
    :class:`StagePair`: its own estimator per stage, stage 2 on the predictions alone, and
    stage 2 on the residuals of stage 1 (its results are then stage 1 plus the correction).
    ``keep_models``: each result's ``model`` is the fitted :class:`FittedTwoStage`.
    """
    plan = stage_plan(estimator)
    common = dict(random_state=random_state, cv=cv, keep_models=keep_models, n_jobs=n_jobs,
                  targets_per_model=targets_per_model, on_block_done=on_block_done, backend=backend)
    s1 = run_stages(plan.stage1, problems, stage=1, importances="none", **common)
    second = {name: _stage2_problem(p, s1[name], plan) for name, p in problems.items()}
    s2 = run_stages(_stage2_estimator(plan, problems), second, stage=2, importances=stage2_importances, **common)
    if plan.residual:
        s2 = {name: _add_back_stage1(s2[name], s1[name]) for name in problems}
    return {name: TwoStageResult(s1[name], s2[name], _fitted(p, s1[name], s2[name], plan) if keep_models else None)
            for name, p in problems.items()}
