"""Gradient-boosted trees for hundreds of target genes, one small LightGBM model per gene.

MTRS's second stage learns how each gene's stage-1 prediction should be corrected from
the stage-1 predictions of all the other genes. On the paper-sized bench a forest shared
by a block of genes adds little there, while one boosted model per gene on those
predictions gains about 0.08 in median R2 (bench/stage2_learners.py). Boosting on
pre-binned features (LightGBM's histograms, built once per fold and shared by every
gene) costs a fraction of a second per gene, where a per-gene random forest costs
minutes.

Boosting has no out-of-bag predictions, and stage 2's held-out predictions must not be
in-sample fits (the weighted stacking learns from them). So each gene is *cross-fitted*:
the training rows are cut into ``n_folds`` folds, one model per fold learns from the
other folds, the held-out prediction of a row comes from the model that did not see it
(``oob_prediction_``), and a new row gets the mean of the fold models (or, with
``refit``, one more model fitted on all rows). With two folds this costs about one fit
on all rows, with three about two; each fold model then sees two thirds of the rows.

The held-out fold also stops its model early (``early_stopping_rounds``): boosting
stops once the held-out error has not improved for that many rounds, and the model
keeps its best round. On 10,000 training rows that is a few dozen rounds per gene; on
a few hundred it is a handful, where a fixed 50 rounds overfits. The stopping round is
chosen on the rows whose held-out predictions it then gives, as ``lightgbm.cv`` does:
one number per model, a slight optimism in ``oob_prediction_``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin, _fit_context
from sklearn.model_selection import KFold
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_array, check_is_fitted

from kgexpr.learn.projected_forest import validate_data

_MAX_SEED = np.iinfo(np.int32).max


def _booster_params(est, seed: int) -> dict:
    """LightGBM's names for the estimator's parameters; one thread, so a model never depends on n_jobs."""
    params = {
        "objective": "regression", "num_leaves": est.num_leaves, "learning_rate": est.learning_rate,
        "min_data_in_leaf": est.min_child_samples, "feature_fraction": est.colsample_bytree,
        "lambda_l2": est.reg_lambda, "max_bin": est.max_bin, "num_threads": 1, "deterministic": True,
        "force_col_wise": True, "seed": int(seed), "verbose": -1,
    }
    if est.subsample < 1.0:
        params.update(bagging_fraction=est.subsample, bagging_freq=1)
    return params


def _binned(X: np.ndarray, max_bin: int):
    """One binned Dataset of all rows: the bins every fold model of every target uses."""
    import lightgbm as lgb

    full = lgb.Dataset(X, label=np.zeros(len(X)), free_raw_data=False,
                       params={"max_bin": max_bin, "verbose": -1, "feature_pre_filter": False, "num_threads": 1})
    return full.construct()


def _fold_data(full, folds: list[tuple[np.ndarray, np.ndarray]], stopping: bool, refit: bool):
    """A thread's own subsets of the binned rows (labels are set per target): per fold its training and
    held-out rows, and all rows for the final models when refitting (else None)."""
    data = [(full.subset(train).construct(), full.subset(test).construct() if stopping and len(test) else None)
            for train, test in folds]
    return data, full.subset(np.arange(full.num_data())).construct() if refit else None


def _screened(X: np.ndarray, Y: np.ndarray, rows: np.ndarray, targets, keep: int, k: int) -> list[np.ndarray]:
    """Per target, the columns its model on ``rows`` sees: the ``keep`` leading ones, then the ``k`` others most
    correlated with it there (absolute Pearson r; a constant column counts as 0), in column order."""
    Z = X[rows, keep:].astype(np.float64)
    Z -= Z.mean(axis=0)
    sd = np.sqrt((Z ** 2).sum(axis=0))
    T = Y[np.ix_(rows, np.asarray(targets))]
    T = T - T.mean(axis=0)
    st = np.sqrt((T ** 2).sum(axis=0))
    r = np.abs(Z.T @ T) / np.outer(np.where(sd > 0, sd, np.inf), np.where(st > 0, st, np.inf))
    top = np.argsort(-r, axis=0, kind="stable")[: min(k, Z.shape[1])]
    return [np.r_[np.arange(keep), keep + np.sort(top[:, i])] for i in range(len(targets))]


def _final_params(est, seed: int, per_fold: list, n_rows: int) -> tuple[dict, int]:
    """The final model's parameters and rounds: as many rounds as the fold models kept on average
    (lightgbm.cv's choice); when no fold model found a split, none for it either (a constant)."""
    params = _booster_params(est, seed)
    if not any(b.feature_importance(importance_type="split").sum() for b in per_fold):
        params["min_data_in_leaf"] = n_rows
    return params, max(1, round(float(np.mean([b.current_iteration() for b in per_fold]))))


def _train(est, params: dict, d, valid, rounds: int):
    """One booster on Dataset ``d``; with a ``valid`` Dataset stopped early on it and cut at its best round
    (predict and importances then need no num_iteration)."""
    import lightgbm as lgb

    if valid is None:
        return lgb.train(params, d, num_boost_round=rounds)
    booster = lgb.train(params, d, num_boost_round=rounds, valid_sets=[valid],
                        callbacks=[lgb.early_stopping(est.early_stopping_rounds, verbose=False)])
    return lgb.Booster(model_str=booster.model_to_string(num_iteration=booster.best_iteration))


def _screened_fit(est, X, y, rows, valid_rows, cols, params: dict, rounds: int):
    """One booster on the screened columns of ``rows`` (its own Dataset: binned on them), stopped early on
    ``valid_rows`` when given."""
    import lightgbm as lgb

    ds_params = {"max_bin": est.max_bin, "verbose": -1, "feature_pre_filter": False, "num_threads": 1}
    d = lgb.Dataset(X[np.ix_(rows, cols)], label=y[rows], params=ds_params, free_raw_data=True)
    valid = None if valid_rows is None else lgb.Dataset(X[np.ix_(valid_rows, cols)], label=y[valid_rows],
                                                         reference=d, params=ds_params)
    return _train(est, params, d, valid, rounds)


def _fit_screened_targets(est, X, Y, folds, screens, final, targets, seeds):
    """``_fit_targets`` with each model on its own screened columns: ``screens[k][g]`` for target g's fold-k
    model, ``final[g]`` for its final one (None: no refit)."""
    stopping = est.early_stopping_rounds is not None
    every = np.arange(len(X))
    boosters, columns = [], []
    held_out, gains = np.zeros((len(X), len(targets))), np.zeros((len(targets), X.shape[1]))
    for i, g in enumerate(targets):
        per_fold, cols_of = [], []
        for k, (train, test) in enumerate(folds):
            cols = screens[k][g]
            booster = _screened_fit(est, X, Y[:, g], train, test if stopping and len(test) else None, cols,
                                    _booster_params(est, seeds[g, k]), est.n_estimators)
            if len(test):
                held_out[test, i] = booster.predict(X[np.ix_(test, cols)], num_threads=1)
            per_fold.append(booster)
            cols_of.append(cols)
        if final is not None:
            params, rounds = _final_params(est, seeds[g, -1], per_fold, len(X))
            per_fold.append(_screened_fit(est, X, Y[:, g], every, None, final[g], params, rounds))
            cols_of.append(final[g])
        for booster, cols in zip(_predicting(per_fold, est.refit), _predicting(cols_of, est.refit)):
            gains[i, cols] += booster.feature_importance(importance_type="gain")
        boosters.append(per_fold)
        columns.append(cols_of)
    return boosters, held_out, gains, columns


def _predicting(per_fold: list, refit: bool) -> list:
    """The models that predict a target: its final model when refitting, else its fold models."""
    return per_fold[-1:] if refit else per_fold


def _fit_targets(est, X, Y, folds, fold_data, targets, seeds):
    """Boosters for ``targets`` (one per fold each, then the final one when refitting), their held-out
    predictions and gain importances (of the models that predict)."""
    data, everything = fold_data
    boosters, held_out, gains = [], np.zeros((len(X), len(targets))), np.zeros((len(targets), X.shape[1]))
    for i, g in enumerate(targets):
        per_fold = []
        for k, ((train, test), (d, valid)) in enumerate(zip(folds, data)):
            d.set_label(Y[train, g])
            if valid is not None:
                valid.set_label(Y[test, g])
            booster = _train(est, _booster_params(est, seeds[g, k]), d, valid, est.n_estimators)
            if len(test):
                held_out[test, i] = booster.predict(X[test], num_threads=1)
            per_fold.append(booster)
        if everything is not None:
            everything.set_label(Y[:, g])
            params, rounds = _final_params(est, seeds[g, -1], per_fold, len(X))
            per_fold.append(_train(est, params, everything, None, rounds))
        for booster in _predicting(per_fold, est.refit):
            gains[i] += booster.feature_importance(importance_type="gain")
        boosters.append(per_fold)
    return boosters, held_out, gains


class GeneBoostingRegressor(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """One cross-fitted LightGBM model per target; held-out predictions like a forest's out-of-bag ones.

    Parameters
    ----------
    n_estimators : int, default=50
        Most boosting rounds per model.
    learning_rate : float, default=0.1
    num_leaves : int, default=7
        Leaves per tree (small trees: stage 2 corrects, it does not start over).
    min_child_samples : int, default=20
        Fewest training rows in a leaf.
    subsample : float, default=0.5
        Share of the rows each round sees (bagging; 1.0 turns it off).
    colsample_bytree : float, default=0.5
        Share of the features each tree may split on.
    reg_lambda : float, default=0.0
        L2 penalty on leaf values.
    max_bin : int, default=63
        Histogram bins per feature (LightGBM's default is 255; 63 is a third faster here).
    n_folds : int, default=2
        Folds of the cross-fit (at most the number of samples).
    early_stopping_rounds : int or None, default=10
        A fold model stops when its held-out fold's squared error has not improved for
        this many rounds, and keeps its best round. None: always ``n_estimators`` rounds.
    refit : bool, default=False
        After the cross-fit, fit one more model per target on all rows, for as many
        rounds as its fold models kept on average; ``predict`` then uses it alone. The
        held-out predictions still come from the fold models. It costs about one more
        fit on all rows, and each prediction comes from a model that saw every row.
    screen_features : int or None, default=None
        Per target, its models see only the ``screen_features`` columns most correlated
        with it (absolute Pearson r on each model's own training rows, so held-out rows
        never pick them), plus the ``kept_features`` leading ones. A few inputs let
        small trees find their interactions with those leading columns (in MTRS's stage
        2: how a gene's response bends with dose) that they miss among hundreds. None:
        every column, binned once and shared by all targets.
    kept_features : int, default=0
        Leading columns every model sees when screening (a :class:`~kgexpr.learn.engine.StagePair`
        with ``stage2_inputs="conditions+predictions"`` sets it to the number of conditions).
    n_jobs : int or None, default=None
        Targets fitted in parallel (threads); the models do not depend on it.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    boosters_ : list of list of lightgbm.Booster
        Per target, its fold models (each cut at its best round when stopping early),
        then its final model when ``refit``.
    n_rounds_ : ndarray of shape (n_outputs, n_folds + refit)
        Rounds each of those models kept.
    features_ : list of list of ndarray or None
        When screening, per target the columns each of its models sees; else None.
    oob_prediction_ : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Each training row predicted by the fold model that did not learn from it.
    target_importances_ : ndarray of shape (n_outputs, n_features)
        Per target, its models' total split gain per feature, normalised to sum to 1.
    feature_importances_ : ndarray of shape (n_features,)
    n_features_in_, feature_names_in_, n_outputs_
    """

    _parameter_constraints: dict = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0.0, None, closed="neither")],
        "num_leaves": [Interval(Integral, 2, None, closed="left")],
        "min_child_samples": [Interval(Integral, 1, None, closed="left")],
        "subsample": [Interval(Real, 0.0, 1.0, closed="right")],
        "colsample_bytree": [Interval(Real, 0.0, 1.0, closed="right")],
        "reg_lambda": [Interval(Real, 0.0, None, closed="left")],
        "max_bin": [Interval(Integral, 2, None, closed="left")],
        "n_folds": [Interval(Integral, 2, None, closed="left")],
        "early_stopping_rounds": [Interval(Integral, 1, None, closed="left"), None],
        "refit": ["boolean"],
        "screen_features": [Interval(Integral, 1, None, closed="left"), None],
        "kept_features": [Interval(Integral, 0, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(self, n_estimators: int = 50, learning_rate: float = 0.1, num_leaves: int = 7,
                 min_child_samples: int = 20, subsample: float = 0.5, colsample_bytree: float = 0.5,
                 reg_lambda: float = 0.0, max_bin: int = 63, n_folds: int = 2, early_stopping_rounds: int | None = 10,
                 refit: bool = False, screen_features: int | None = None, kept_features: int = 0,
                 n_jobs=None, random_state=None):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.max_bin = max_bin
        self.n_folds = n_folds
        self.early_stopping_rounds = early_stopping_rounds
        self.refit = refit
        self.screen_features = screen_features
        self.kept_features = kept_features
        self.n_jobs = n_jobs
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit every target's fold models on X (n_samples, n_features), y (n_samples,) or (n_samples, n_outputs)."""
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float32, order="C")
        Y = check_array(y, dtype=np.float64, ensure_2d=False, input_name="y", estimator=self)
        self._1d = Y.ndim == 1
        Y = Y[:, None] if Y.ndim == 1 else Y
        n, b = Y.shape
        if n < 2:
            raise ValueError(f"{type(self).__name__} cross-fits its models, so it needs at least 2 samples; got 1 sample")
        rng = check_random_state(self.random_state)
        k = min(self.n_folds, n)
        # train rows in order, as Dataset.subset keeps them (KFold gives them sorted)
        folds = [(np.sort(train), test)
                 for train, test in KFold(k, shuffle=True, random_state=rng.randint(_MAX_SEED)).split(X)]
        seeds = rng.randint(_MAX_SEED, size=(b, k))
        seeds = np.column_stack([seeds, rng.randint(_MAX_SEED, size=b)])  # the last column: the final models
        chunks = [c for c in np.array_split(np.arange(b), min(b, effective_n_jobs(self.n_jobs))) if len(c)]
        # threads, whatever backend is active (a Dask task's): LightGBM trains without the GIL, on Datasets here
        if self.screen_features is None:
            full, stopping = _binned(X, self.max_bin), self.early_stopping_rounds is not None
            parts = Parallel(n_jobs=len(chunks), backend="threading")(
                delayed(_fit_targets)(self, X, Y, folds, _fold_data(full, folds, stopping, self.refit), chunk, seeds)
                for chunk in chunks
            )
            self.features_ = None
        else:  # each model's columns, from its own rows, for all targets at once
            keep, every = min(self.kept_features, X.shape[1]), np.arange(b)
            screens = [_screened(X, Y, train, every, keep, self.screen_features) for train, _ in folds]
            final = _screened(X, Y, np.arange(n), every, keep, self.screen_features) if self.refit else None
            parts = Parallel(n_jobs=len(chunks), backend="threading")(
                delayed(_fit_screened_targets)(self, X, Y, folds, screens, final, chunk, seeds) for chunk in chunks)
            self.features_ = [cols for part in parts for cols in part[3]]
        self.boosters_ = [per_fold for part in parts for per_fold in part[0]]
        self.n_rounds_ = np.array([[b.current_iteration() for b in per_fold] for per_fold in self.boosters_])
        held_out = np.hstack([part[1] for part in parts])
        gains = np.vstack([part[2] for part in parts])
        total = gains.sum(axis=1, keepdims=True)
        self.target_importances_ = np.divide(gains, total, out=np.zeros_like(gains), where=total > 0)
        fi = self.target_importances_.mean(axis=0)
        self.feature_importances_ = fi / fi.sum() if fi.sum() > 0 else fi
        self.oob_prediction_ = held_out[:, 0] if self._1d else held_out
        self.n_outputs_ = b
        return self

    def predict(self, X):
        """Each target's final model, else the mean of its fold models: (n_samples,) or (n_samples, n_outputs), as y was."""
        check_is_fitted(self, "boosters_")
        X = validate_data(self, X, dtype=np.float32, order="C", reset=False)
        out = np.zeros((len(X), self.n_outputs_))
        for g, per_fold in enumerate(self.boosters_):
            cols = [None] * len(per_fold) if self.features_ is None else self.features_[g]
            out[:, g] = np.mean([b.predict(X if c is None else X[:, c], num_threads=1)
                                 for b, c in zip(_predicting(per_fold, self.refit), _predicting(cols, self.refit))], axis=0)
        return out[:, 0] if self._1d else out
