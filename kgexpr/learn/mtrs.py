"""Multi-target regressor stacking (Spyromitros-Xioufis et al.), as the paper uses it.

Stage 1 fits one regressor per target gene on the sample features; stage 2 fits,
per gene, a regressor on [features, stage-1 predictions of *all* genes]. The
stage-2 training inputs are out-of-bag (random forest) or out-of-fold predictions,
never in-sample fits, so stage 2 learns how much to trust stage 1 on unseen data.

The per-gene work is a pure function of (data, gene index, seed) so genes can run
in any order, in parallel, on a Dask cluster, or be resumed after an interrupt,
and still give identical numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.utils.validation import check_array, check_is_fitted


def default_forest(n_estimators: int = 300, random_state=None) -> RandomForestRegressor:
    """The paper's learner: 300 trees, no depth or leaf limits; OOB on for stage-2 inputs."""
    return RandomForestRegressor(
        n_estimators=n_estimators, oob_score=True, bootstrap=True, n_jobs=1, random_state=random_state
    )


def _gene_seed(random_state, stage: int, j: int) -> int:
    base = 0 if random_state is None else int(random_state)
    return int(np.random.SeedSequence([base, stage, j]).generate_state(1)[0] % (2**31 - 1))


def _with_target(X: np.ndarray, X_target: np.ndarray | None, j: int) -> np.ndarray:
    if X_target is None:
        return X
    return np.hstack([X, X_target[:, j, :]])


def _uses_oob(est) -> bool:
    return bool(getattr(est, "oob_score", False)) and bool(getattr(est, "bootstrap", False))


def fit_one(estimator, X: np.ndarray, y: np.ndarray, X_eval: np.ndarray | None, seed: int, cv: int):
    """Fit one gene's model; return (model, held-out train predictions, eval predictions)."""
    est = clone(estimator)
    if "random_state" in est.get_params():
        est.set_params(random_state=seed)
    est.fit(X, y)
    if _uses_oob(est):
        held_out = np.asarray(est.oob_prediction_, dtype=float).ravel()
        bad = ~np.isfinite(held_out)  # samples that were never out of bag (tiny forests)
        if bad.any():
            held_out[bad] = est.predict(X[bad])
    else:
        held_out = cross_val_predict(clone(est), X, y, cv=KFold(cv, shuffle=True, random_state=seed))
    pred = est.predict(X_eval) if X_eval is not None and len(X_eval) else None
    return est, held_out, pred


def importances_of(est) -> np.ndarray | None:
    imp = getattr(est, "feature_importances_", None)
    return None if imp is None else np.asarray(imp, dtype=float)


@dataclass
class StageResult:
    """Everything one stage produced for all genes (models only when kept)."""

    held_out: np.ndarray  # (n_train, n_targets) OOB / out-of-fold predictions
    predictions: np.ndarray | None  # (n_eval, n_targets)
    importances: list = field(default_factory=list)  # per gene, or None
    models: list | None = None


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
    stage: int = 1,
    random_state=None,
    cv: int = 5,
    keep_models: bool = False,
    n_jobs: int | None = None,
    genes: list[int] | None = None,
    on_gene_done: Callable[[int, tuple], None] | None = None,
    backend: str | None = None,
) -> StageResult:
    """Fit one regressor per target column of ``Y`` in parallel over genes.

    ``extra``/``extra_eval`` are appended to every gene's inputs (stage 2: the stage-1
    predictions of all genes). ``on_gene_done(j, (held_out, pred, importances))`` lets a
    caller checkpoint each finished gene.
    """
    n, m = Y.shape
    genes = list(range(m)) if genes is None else genes

    def design(j, A, At, E):
        Xj = _with_target(A, At, j)
        return Xj if E is None else np.hstack([Xj, E])

    def work(j):
        Xj = design(j, X, X_target, extra)
        Xe = None if X_eval is None else design(j, X_eval, X_target_eval, extra_eval)
        est, held, pred = fit_one(estimator, Xj, Y[:, j], Xe, _gene_seed(random_state, stage, j), cv)
        return j, held, pred, importances_of(est), (est if keep_models else None)

    held_out = np.zeros((n, m))
    preds = None if X_eval is None else np.zeros((len(X_eval), m))
    imps: list = [None] * m
    models = [None] * m if keep_models else None
    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered", backend=backend)
    for j, held, pred, imp, est in parallel(delayed(work)(j) for j in genes):
        held_out[:, j] = held
        if preds is not None:
            preds[:, j] = pred
        imps[j] = imp
        if models is not None:
            models[j] = est
        if on_gene_done is not None:
            on_gene_done(j, (held, pred, imp))
    return StageResult(held_out=held_out, predictions=preds, importances=imps, models=models)


class MTRSRegressor(RegressorMixin, BaseEstimator):
    """Two-stage multi-target regressor stacking as a scikit-learn estimator.

    ``fit(X, Y, X_target=None)``: ``Y`` is (n_samples, n_targets); ``X_target`` is an
    optional (n_samples, n_targets, k) array of target-specific columns (e.g. the
    perturbing drug's graph similarity to gene j) appended only to gene j's inputs.
    """

    def __init__(self, estimator=None, n_estimators: int = 300, cv: int = 5, n_jobs=None, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.cv = cv
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _base(self):
        return default_forest(self.n_estimators) if self.estimator is None else self.estimator

    def fit(self, X, Y, X_target=None):
        X = check_array(X, dtype=np.float64)
        Y = check_array(Y, dtype=np.float64, ensure_2d=False)
        if Y.ndim == 1:
            Y = Y[:, None]
        if len(Y) != len(X):
            raise ValueError(f"X has {len(X)} samples but Y has {len(Y)}")
        if X_target is not None:
            X_target = np.asarray(X_target, dtype=np.float64)
            if X_target.ndim != 3 or X_target.shape[:2] != Y.shape:
                raise ValueError(f"X_target must have shape (n_samples, n_targets, k), got {X_target.shape}")
        common = dict(random_state=self.random_state, cv=self.cv, keep_models=True, n_jobs=self.n_jobs)
        s1 = run_stage(self._base(), X, Y, None, X_target=X_target, stage=1, **common)
        s2 = run_stage(self._base(), X, Y, None, X_target=X_target, extra=s1.held_out, stage=2, **common)
        self.stage1_estimators_ = s1.models
        self.stage2_estimators_ = s2.models
        self.stage1_oob_predictions_ = s1.held_out
        self.oob_predictions_ = s2.held_out
        self.n_features_in_ = X.shape[1]
        self.n_targets_ = Y.shape[1]
        self.n_target_features_ = 0 if X_target is None else X_target.shape[2]
        self.stage2_importances_ = np.vstack(
            [imp if imp is not None else np.full(X.shape[1] + self.n_target_features_ + Y.shape[1], np.nan) for imp in s2.importances]
        )
        return self

    def _check_X(self, X, X_target):
        check_is_fitted(self, "stage2_estimators_")
        X = check_array(X, dtype=np.float64)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but MTRSRegressor was fitted with {self.n_features_in_}")
        if (X_target is None) != (self.n_target_features_ == 0):
            raise ValueError("X_target must be given exactly when it was given to fit")
        return X, (None if X_target is None else np.asarray(X_target, dtype=np.float64))

    def predict_stage1(self, X, X_target=None):
        X, X_target = self._check_X(X, X_target)
        return np.column_stack(
            [est.predict(_with_target(X, X_target, j)) for j, est in enumerate(self.stage1_estimators_)]
        )

    def predict(self, X, X_target=None):
        X, X_target = self._check_X(X, X_target)
        Z = self.predict_stage1(X, X_target)
        out = np.column_stack(
            [est.predict(np.hstack([_with_target(X, X_target, j), Z])) for j, est in enumerate(self.stage2_estimators_)]
        )
        return out

    def target_associations(self) -> np.ndarray:
        """(n_targets, n_targets) stage-2 importance of gene k's stage-1 prediction in gene j's model (diagonal 0)."""
        check_is_fitted(self, "stage2_importances_")
        block = self.stage2_importances_[:, -self.n_targets_ :].copy()
        np.fill_diagonal(block, 0.0)
        return block
