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

from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin, _fit_context
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn 1.4, 1.5: the same checks (and messages) as an estimator method

    def validate_data(estimator, /, X="no_validation", y="no_validation", **kwargs):
        """Check X (and y), set or check ``n_features_in_`` and ``feature_names_in_``."""
        return estimator._validate_data(X, y, **kwargs)


_MAX_SEED = np.iinfo(np.int32).max


def _grow(X, Y, Ys, seed, n_components, max_features, min_samples_leaf, bootstrap, splitter="best", max_samples=None):
    """One tree: bootstrap, project, split on the projection, fill leaves with gene means."""
    rng = np.random.RandomState(seed)
    n, b = Y.shape
    if bootstrap:
        draws = max(1, int(round(bootstrap_fraction(max_samples, n) * n)))
        counts = np.bincount(rng.randint(0, n, draws), minlength=n).astype(np.float64)
    else:
        counts = np.ones(n)
    if b > n_components:
        T = Ys @ (rng.standard_normal((b, n_components)) / np.sqrt(n_components))
    else:
        T = Ys
    tree = DecisionTreeRegressor(splitter=splitter, max_features=max_features, min_samples_leaf=min_samples_leaf,
                                 random_state=rng)
    tree.fit(X, T if T.shape[1] > 1 else T[:, 0], sample_weight=counts)
    t = tree.tree_
    node_of = tree.apply(X)  # every sample's leaf (node id)
    inbag = counts > 0
    rows = np.flatnonzero(inbag)
    # every node's weighted sum of every gene: the leaves' from their in-bag samples, then each inner node's
    # from its children (sklearn numbers a node before its children); zero-weight samples never reach the tree
    node_sum = np.zeros((t.node_count, b))
    order = rows[np.argsort(node_of[rows], kind="stable")]
    leaf_ids, first = np.unique(node_of[order], return_index=True)
    node_sum[leaf_ids] = np.add.reduceat(Y[order] * counts[order, None], first, axis=0)
    leaf = t.children_left < 0
    inner = np.flatnonzero(~leaf)
    for p in inner[::-1]:
        node_sum[p] = node_sum[t.children_left[p]] + node_sum[t.children_right[p]]
    node_w = t.weighted_n_node_samples
    node_mean = node_sum / np.maximum(node_w, 1e-12)[:, None]
    leaf_index = np.full(t.node_count, -1)
    leaf_index[leaf] = np.arange(leaf.sum())
    values = node_mean[leaf].astype(np.float32)
    # per-gene mean decrease in impurity: w_l*w_r/w_p * (mean_l - mean_r)^2 per split
    imp = np.zeros((b, X.shape[1]))
    if len(inner):
        lft, rgt = t.children_left[inner], t.children_right[inner]
        gain = (node_w[lft] * node_w[rgt] / node_w[inner])[:, None] * (node_mean[lft] - node_mean[rgt]) ** 2
        per = np.zeros((X.shape[1], b))
        np.add.at(per, t.feature[inner], gain)
        s = per.sum(axis=0, keepdims=True)
        imp = np.divide(per, s, out=np.zeros_like(per), where=s > 0).T
    oob = ~inbag
    oob_pred = values[leaf_index[node_of[oob]]] if oob.any() else np.zeros((0, b), np.float32)
    # the in-bag samples of each leaf (what a pickled forest keeps instead of every leaf's gene means)
    leaf_of = leaf_index[node_of[order]]
    starts = np.searchsorted(leaf_of, np.arange(leaf.sum() + 1)).astype(np.int32)
    members = (order.astype(np.int32), counts[order].astype(np.float32), starts)
    return tree, leaf_index, values, imp, oob, oob_pred, bool(len(inner)), members


#: ``max_samples="auto"``: each tree draws all training rows up to this many, then this many, then 30 % of them
AUTO_BOOTSTRAP_ROWS = 2500
AUTO_BOOTSTRAP_MIN_FRACTION = 0.3


def bootstrap_fraction(max_samples, n: int) -> float:
    """The share of ``n`` rows a tree draws: ``max_samples``, or by row count for ``"auto"``.

    Small data need every draw (on the 936 real consensus signatures, full bootstraps scored a median
    per-gene R2 of 0.062 against 0.055 for 30 %); at the paper's size (10,000 training rows) 30 %
    bootstraps cost little accuracy and a third of the time (bench/paper_scale.py). ``"auto"``:
    min(1, max(2,500 / n, 0.3)), so 2,500 rows or fewer are drawn whole and 8,334 or more at 30 %.
    """
    if max_samples is None:
        return 1.0
    if max_samples == "auto":
        return min(1.0, max(AUTO_BOOTSTRAP_ROWS / max(n, 1), AUTO_BOOTSTRAP_MIN_FRACTION))
    return float(max_samples)


class ProjectedForestRegressor(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Random forest whose trees split on random projections of many outputs.

    Each tree draws a bootstrap sample and a Gaussian projection of the standardised
    outputs to ``n_components`` dimensions, chooses its splits on that projection and
    stores the mean of every original output in its leaves (see the module docstring).

    Parameters
    ----------
    n_estimators : int, default=300
        Number of trees.
    n_components : int, default=16
        Dimensions each tree's split criterion sees. Outputs beyond that many are
        projected; with at most that many outputs this is an ordinary multi-output
        forest on the standardised outputs.
    max_features : int, float, {"sqrt", "log2"} or None, default=0.3
        Features tried at each split, as in :class:`~sklearn.tree.DecisionTreeRegressor`.
    min_samples_leaf : int or float, default=1
        Minimum (weighted) samples in a leaf, as in the tree.
    bootstrap : bool, default=True
        Grow each tree on a bootstrap sample (else on all samples).
    oob_score : bool, default=True
        Keep out-of-bag predictions in ``oob_prediction_`` (needs ``bootstrap``); MTRS
        uses them as honest stage-2 inputs.
    n_jobs : int or None, default=None
        Threads growing trees; the forest does not depend on it.
    random_state : int, RandomState instance or None, default=None
        Draws one seed per tree: an int gives the same forest every fit, a
        ``RandomState`` draws from that generator, None gives a fresh forest each fit.
    splitter : {"best", "random"}, default="best"
        "best" searches every threshold of each tried feature (a random forest);
        "random" tries one random threshold per feature, as extremely randomised
        trees do (Geurts et al. 2006): no sorting, several times faster per tree.
    max_samples : float in (0, 1], "auto" or None, default=None
        Bootstrap draws per tree as a fraction of the samples (None: as many draws as
        samples; "auto": by row count, see :func:`bootstrap_fraction`). Smaller samples grow
        faster trees and leave more samples out of bag.

    Attributes
    ----------
    estimators_ : list of DecisionTreeRegressor
        The trees (fitted on the projections; their leaves' gene means are kept apart).
    oob_prediction_ : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Out-of-bag predictions of the training samples, NaN for a sample that was
        never out of bag. Only with ``oob_score`` and ``bootstrap``.
    feature_importances_ : ndarray of shape (n_features,)
        Mean decrease in impurity, averaged over the outputs, summing to 1.
    target_importances_ : ndarray of shape (n_outputs, n_features)
        Mean decrease in impurity of each output, each row summing to 1.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen in fit, only when X had string column names.
    n_outputs_ : int
        Number of outputs seen in fit.
    """

    _parameter_constraints: dict = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "max_features": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0.0, 1.0, closed="right"),
            StrOptions({"sqrt", "log2"}),
            None,
        ],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left"), Interval(RealNotInt, 0.0, 1.0, closed="neither")],
        "splitter": [StrOptions({"best", "random"})],
        "max_samples": [Interval(RealNotInt, 0.0, 1.0, closed="right"), StrOptions({"auto"}), None],
        "bootstrap": ["boolean"],
        "oob_score": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(self, n_estimators: int = 300, n_components: int = 16, max_features=0.3,
                 min_samples_leaf: int = 1, bootstrap: bool = True, oob_score: bool = True,
                 n_jobs=None, random_state=None, splitter: str = "best",
                 max_samples: float | None = None):
        self.n_estimators = n_estimators
        self.n_components = n_components
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.splitter = splitter
        self.max_samples = max_samples

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Grow the forest on X (n_samples, n_features) and y (n_samples,) or (n_samples, n_outputs)."""
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float32)
        Y = check_array(y, dtype=np.float64, ensure_2d=False, input_name="y", estimator=self)
        self._1d = Y.ndim == 1
        Y = Y[:, None] if Y.ndim == 1 else Y
        sd = Y.std(axis=0)
        Ys = (Y - Y.mean(axis=0)) / np.where(sd > 0, sd, 1.0)  # every gene has an equal say in the splits
        seeds = check_random_state(self.random_state).randint(_MAX_SEED, size=self.n_estimators)
        n, b = Y.shape
        trees = Parallel(n_jobs=self.n_jobs, prefer="threads", return_as="generator")(
            delayed(_grow)(X, Y, Ys, s, self.n_components, self.max_features, self.min_samples_leaf, self.bootstrap,
                           self.splitter, self.max_samples)
            for s in seeds
        )
        # sum importances and out-of-bag predictions as trees arrive: memory stays one tree's worth
        self.estimators_, self._leaves = [], []
        imp_sum, with_splits = np.zeros((b, X.shape[1])), 0
        oob_sum, oob_count = np.zeros((n, b)), np.zeros(n)
        self._members = []
        for tree, leaf_index, values, imp, oob, oob_pred, split, members in trees:
            self.estimators_.append(tree)
            self._leaves.append((leaf_index, values))
            self._members.append(members)
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
        elif hasattr(self, "oob_prediction_"):
            del self.oob_prediction_  # left from an earlier fit with out-of-bag predictions
        self.n_outputs_ = b
        self._y_fit = Y
        return self

    def predict(self, X):
        """Mean over the trees of their leaves' output means: (n_samples,) or (n_samples, n_outputs), as y was."""
        check_is_fitted(self, "estimators_")
        X = validate_data(self, X, dtype=np.float32, reset=False)
        if getattr(self, "_leaves", None) is None:  # unpickled: leaves hold their in-bag samples
            out = self._predict_from_members(X)
        else:
            out = np.zeros((len(X), self.n_outputs_))
            for tree, (leaf_index, values) in zip(self.estimators_, self._leaves):
                out += values[leaf_index[tree.apply(X)]]
            out /= len(self.estimators_)
        return out[:, 0] if self._1d else out

    def _predict_from_members(self, X):
        """Each tree's leaf mean recomputed from the training rows it holds: one sparse (queries x training
        rows) weight matrix summed over the trees, times the training targets."""
        from scipy import sparse

        q, n_fit = len(X), len(self._y_fit)
        cols, vals, qrows = [], [], []
        for tree, leaf_index, (rows, w, starts) in zip(self.estimators_, self._leaf_index, self._members):
            leaf = leaf_index[tree.apply(X)]
            lo, hi = starts[leaf], starts[leaf + 1]
            lengths = hi - lo
            pos = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
            weight = w[pos] / np.repeat(np.add.reduceat(w[pos], np.r_[0, np.cumsum(lengths)[:-1]]), lengths)
            cols.append(rows[pos])
            vals.append(weight)
            qrows.append(np.repeat(np.arange(q), lengths))
        W = sparse.csr_matrix((np.concatenate(vals).astype(np.float64), (np.concatenate(qrows), np.concatenate(cols))),
                              shape=(q, n_fit))
        return np.asarray(W @ self._y_fit) / len(self.estimators_)

    def __getstate__(self):
        """Pickle the trees' structure and each leaf's in-bag samples instead of every leaf's mean of every
        gene (hundreds of MB per forest for ~1000 genes): predictions stay the same up to float rounding."""
        state = super().__getstate__()
        if state.get("_leaves") is not None:
            state["_leaf_index"] = [leaf_index for leaf_index, _ in state["_leaves"]]
            state["estimators_"] = [_CompactTree(t.tree_) for t in state["estimators_"]]
            state["_leaves"] = None
        return state


class _CompactTree:
    """A fitted tree's splits only (sklearn's keeps every node's value for all projected outputs), with
    ``apply`` as sklearn's: go left when X[:, feature] <= threshold."""

    def __init__(self, tree):
        self.left = tree.children_left.astype(np.int32)
        self.right = tree.children_right.astype(np.int32)
        self.feature = tree.feature.astype(np.int32)
        self.threshold = tree.threshold.astype(np.float64)

    def apply(self, X):
        node = np.zeros(len(X), np.int64)
        active = np.flatnonzero(self.left[node] >= 0)
        while len(active):
            nd = node[active]
            go_left = X[active, self.feature[nd]].astype(np.float64) <= self.threshold[nd]
            node[active] = np.where(go_left, self.left[nd], self.right[nd])
            active = active[self.left[node[active]] >= 0]
        return node
