"""Two-stage multi-target regressor stacking as a scikit-learn estimator (the Python API)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_array, check_is_fitted

from kgexpr.learn.engine import StageInputs, block_design, default_forest, fit_two_stages


class MTRSRegressor(RegressorMixin, BaseEstimator):
    """Two-stage multi-target regressor stacking as a scikit-learn estimator.

    ``fit(X, Y, X_target=None)``: ``Y`` is (n_samples, n_targets); ``X_target`` is an
    optional (n_samples, n_targets, k) array of target-specific columns (e.g. the
    perturbing drug's graph similarity to gene j) given only to gene j's model (or its
    block's). ``targets_per_model=1`` is the paper's one regressor per gene; larger
    values fit one multi-output regressor per block of that many genes.
    """

    def __init__(self, estimator=None, n_estimators: int = 300, targets_per_model: int = 1, cv: int = 5,
                 n_jobs=None, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.targets_per_model = targets_per_model
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
        problem = StageInputs(X, Y, X_target=X_target)
        fitted = fit_two_stages(self._base(), {"mtrs": problem}, random_state=self.random_state, cv=self.cv,
                                keep_models=True, n_jobs=self.n_jobs, targets_per_model=self.targets_per_model,
                                stage2_importances="all")["mtrs"]
        s1, s2 = fitted.stage1, fitted.stage2
        self.target_blocks_ = s1.blocks
        self.stage1_estimators_ = s1.models
        self.stage2_estimators_ = s2.models
        self.stage1_oob_predictions_ = s1.held_out
        self.oob_predictions_ = s2.held_out
        self.n_features_in_ = X.shape[1]
        self.n_targets_ = Y.shape[1]
        self.n_target_features_ = 0 if X_target is None else X_target.shape[2]
        # gene j's inputs: X, its block's target columns, then all stage-1 predictions (last n_targets)
        self.stage2_importances_ = [imp for imp in s2.importances]
        return self

    def _check_X(self, X, X_target):
        check_is_fitted(self, "stage2_estimators_")
        X = check_array(X, dtype=np.float64)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but MTRSRegressor was fitted with {self.n_features_in_}")
        if (X_target is None) != (self.n_target_features_ == 0):
            raise ValueError("X_target must be given exactly when it was given to fit")
        return X, (None if X_target is None else np.asarray(X_target, dtype=np.float64))

    def _predict_with(self, models, X, X_target, extra):
        out = np.zeros((len(X), self.n_targets_))
        for block, est in zip(self.target_blocks_, models):
            out[:, block] = np.asarray(est.predict(block_design(X, X_target, block, extra))).reshape(len(X), -1)
        return out

    def predict_stage1(self, X, X_target=None):
        X, X_target = self._check_X(X, X_target)
        return self._predict_with(self.stage1_estimators_, X, X_target, None)

    def predict(self, X, X_target=None):
        X, X_target = self._check_X(X, X_target)
        Z = self._predict_with(self.stage1_estimators_, X, X_target, None)
        return self._predict_with(self.stage2_estimators_, X, X_target, Z)

    def target_associations(self) -> np.ndarray:
        """(n_targets, n_targets) stage-2 importance of gene k's stage-1 prediction in gene j's model (diagonal 0)."""
        check_is_fitted(self, "stage2_importances_")
        m = self.n_targets_
        block = np.vstack([imp[-m:] if imp is not None else np.full(m, np.nan) for imp in self.stage2_importances_])
        np.fill_diagonal(block, 0.0)
        return block
