"""A closed-form multi-target stage 2: ridge on standardised inputs, each gene's shrinkage by leave-one-out.

On a few hundred compounds a per-gene boosted stage 2 finds little to learn and costs most of the
training time. A ridge regression of every gene's stage-1 residual on the standardised stage-1
predictions of all genes is one linear solve shared by the block's genes; scikit-learn's
:class:`~sklearn.linear_model.RidgeCV` picks each gene's penalty from an efficient leave-one-out
(generalised cross-validation) inside the rows it is given, so the shrinkage is chosen inside the
training folds, never on test rows. A gene with nothing to learn gets the largest penalty and its
correction vanishes: stage 2 then keeps stage 1. The absolute coefficients on the standardised
predictions are each gene's stage-2 importances (the gene->gene associations).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin, _fit_context
from sklearn.linear_model import RidgeCV
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from kgexpr.learn.projected_forest import validate_data



class StandardizedRidgeCV(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Ridge regression on standardised inputs, one penalty per target chosen by leave-one-out.

    Parameters
    ----------
    alpha_min, alpha_max : float, default=0.1, 1e7
        The range of penalties tried (log-spaced, ``n_alphas`` of them), on inputs scaled to unit variance.
    n_alphas : int, default=17
        How many penalties are tried per target.

    Attributes
    ----------
    alpha_ : ndarray of shape (n_targets,) or float
        Each target's penalty.
    coef_ : ndarray of shape (n_targets, n_features) or (n_features,)
        Coefficients on the standardised inputs.
    target_importances_ : ndarray of shape (n_targets, n_features)
        Absolute coefficients on the standardised inputs.
    """

    _parameter_constraints: dict = {
        "alpha_min": [Interval(Real, 0, None, closed="neither")],
        "alpha_max": [Interval(Real, 0, None, closed="neither")],
        "n_alphas": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, alpha_min: float = 0.1, alpha_max: float = 1e7, n_alphas: int = 17):
        self.alpha_min = alpha_min
        self.alpha_max = alpha_max
        self.n_alphas = n_alphas

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64)
        if self.alpha_max < self.alpha_min:
            raise ValueError(f"alpha_max ({self.alpha_max}) must be at least alpha_min ({self.alpha_min})")
        self.mean_ = X.mean(axis=0)
        scale = X.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        alphas = np.geomspace(self.alpha_min, self.alpha_max, self.n_alphas)
        multi = y.ndim == 2
        ridge = RidgeCV(alphas=alphas, alpha_per_target=multi and y.shape[1] > 1).fit((X - self.mean_) / self.scale_, y)
        self.alpha_ = ridge.alpha_
        self.coef_ = ridge.coef_
        self.intercept_ = ridge.intercept_
        coef = np.atleast_2d(self.coef_)
        self.target_importances_ = np.abs(coef)
        return self

    def predict(self, X):
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        Z = (X - self.mean_) / self.scale_
        return Z @ np.asarray(self.coef_).T + self.intercept_
