"""A random forest for hundreds of target genes at once, at the cost of a few.

A multi-output regression tree scores every candidate split on all its outputs, so
growing one tree for 300 genes costs about as much as 300 single-gene trees. Here
each tree picks its splits on a random Gaussian projection of the (standardised)
outputs to ``n_components`` dimensions, whose squared-error reduction is an unbiased
estimate of the reduction summed over all genes (Johnson-Lindenstrauss), and then
stores in its leaves the mean of every original gene. A fresh projection per tree
adds diversity. This is the output-space random projection forest of Joly, Geurts
and Wehenkel (ECML PKDD 2014). Out-of-bag predictions come free, as in a forest.
"""

from __future__ import annotations

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

_MAX_SEED = np.iinfo(np.int32).max


def _grow(X, Y, Ys, seed, n_components, max_features, min_samples_leaf, bootstrap):
    """One tree: bootstrap, project, split on the projection, fill leaves with gene means."""
    rng = np.random.RandomState(seed)
    n, b = Y.shape
    if bootstrap:
        counts = np.bincount(rng.randint(0, n, n), minlength=n).astype(np.float64)
    else:
        counts = np.ones(n)
    if b > n_components:
        T = Ys @ (rng.standard_normal((b, n_components)) / np.sqrt(n_components))
    else:
        T = Ys
    tree = DecisionTreeRegressor(max_features=max_features, min_samples_leaf=min_samples_leaf, random_state=rng)
    tree.fit(X, T if T.shape[1] > 1 else T[:, 0], sample_weight=counts)
    # every node's weighted mean of every gene (zero-weight samples never reach the tree)
    inbag = counts > 0
    path = tree.decision_path(X[inbag])  # (n_inbag, n_nodes) indicator
    w = counts[inbag]
    node_w = np.asarray(path.T @ w).ravel()
    node_mean = np.asarray(path.T @ (Y[inbag] * w[:, None])) / np.maximum(node_w, 1e-12)[:, None]
    t = tree.tree_
    leaf = t.children_left < 0
    leaf_index = np.full(t.node_count, -1)
    leaf_index[leaf] = np.arange(leaf.sum())
    values = node_mean[leaf].astype(np.float32)
    # per-gene mean decrease in impurity: w_l*w_r/w_p * (mean_l - mean_r)^2 per split
    inner = np.flatnonzero(~leaf)
    imp = np.zeros((b, X.shape[1]))
    if len(inner):
        lft, rgt = t.children_left[inner], t.children_right[inner]
        gain = (node_w[lft] * node_w[rgt] / node_w[inner])[:, None] * (node_mean[lft] - node_mean[rgt]) ** 2
        per = np.zeros((X.shape[1], b))
        np.add.at(per, t.feature[inner], gain)
        s = per.sum(axis=0, keepdims=True)
        imp = np.divide(per, s, out=np.zeros_like(per), where=s > 0).T
    oob = ~inbag
    oob_pred = values[leaf_index[tree.apply(X[oob])]] if oob.any() else np.zeros((0, b), np.float32)
    return tree, leaf_index, values, imp, oob, oob_pred, bool(len(inner))


class ProjectedForestRegressor(RegressorMixin, BaseEstimator):
    """Random forest whose trees split on random projections of many outputs.

    ``n_components``: dimensions each tree's split criterion sees (outputs beyond it
    are projected; with fewer outputs this is an ordinary multi-output forest).
    Attributes follow scikit-learn's forests: ``estimators_``, ``oob_prediction_``,
    ``feature_importances_`` (summed over outputs) and ``target_importances_``
    (n_outputs, n_features).
    """

    def __init__(self, n_estimators: int = 300, n_components: int = 16, max_features=0.3,
                 min_samples_leaf: int = 1, bootstrap: bool = True, oob_score: bool = True,
                 n_jobs=None, random_state=None):
        self.n_estimators = n_estimators
        self.n_components = n_components
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y):
        X = check_array(X, dtype=np.float32)
        Y = check_array(y, dtype=np.float64, ensure_2d=False)
        self._1d = Y.ndim == 1
        Y = Y[:, None] if Y.ndim == 1 else Y
        if len(Y) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(Y)}")
        if self.n_components < 1:
            raise ValueError("n_components must be at least 1")
        sd = Y.std(axis=0)
        Ys = (Y - Y.mean(axis=0)) / np.where(sd > 0, sd, 1.0)  # every gene has an equal say in the splits
        seeds = check_random_state(self.random_state).randint(_MAX_SEED, size=self.n_estimators)
        n, b = Y.shape
        trees = Parallel(n_jobs=self.n_jobs, prefer="threads", return_as="generator")(
            delayed(_grow)(X, Y, Ys, s, self.n_components, self.max_features, self.min_samples_leaf, self.bootstrap)
            for s in seeds
        )
        # sum importances and out-of-bag predictions as trees arrive: memory stays one tree's worth
        self.estimators_, self._leaves = [], []
        imp_sum, with_splits = np.zeros((b, X.shape[1])), 0
        oob_sum, oob_count = np.zeros((n, b)), np.zeros(n)
        for tree, leaf_index, values, imp, oob, oob_pred, split in trees:
            self.estimators_.append(tree)
            self._leaves.append((leaf_index, values))
            if split:
                imp_sum += imp
                with_splits += 1
            oob_sum[oob] += oob_pred
            oob_count[oob] += 1
        self.target_importances_ = imp_sum / max(with_splits, 1)
        fi = self.target_importances_.mean(axis=0)
        self.feature_importances_ = fi / fi.sum() if fi.sum() > 0 else fi
        if self.oob_score and self.bootstrap:
            with np.errstate(invalid="ignore", divide="ignore"):
                oob = oob_sum / oob_count[:, None]  # NaN where a sample was never out of bag
            self.oob_prediction_ = oob[:, 0] if self._1d else oob
        self.n_features_in_ = X.shape[1]
        self.n_outputs_ = b
        return self

    def predict(self, X):
        check_is_fitted(self, "estimators_")
        X = check_array(X, dtype=np.float32)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but the forest was fitted with {self.n_features_in_}")
        out = np.zeros((len(X), self.n_outputs_))
        for tree, (leaf_index, values) in zip(self.estimators_, self._leaves):
            out += values[leaf_index[tree.apply(X)]]
        out /= len(self.estimators_)
        return out[:, 0] if self._1d else out
