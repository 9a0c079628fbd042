"""Two-stage multi-target regressor stacking as a scikit-learn estimator (the Python API)."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_array, check_is_fitted

from kgexpr.learn.engine import StageInputs, StagePair, default_forest, fit_two_stages
from kgexpr.learn.projected_forest import validate_data

PAPER_TREES = 300  # the paper's trees per forest, when no estimator is given


class MTRSRegressor(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Two-stage multi-target regressor stacking as a scikit-learn estimator.

    Stage 1 fits a regressor per gene (or per block of genes) on X; stage 2 refits it
    on X plus the out-of-bag (or out-of-fold) stage-1 predictions of *all* genes, so a
    gene's model can borrow from the genes it co-varies with. ``fit(X, y, X_target=None)``:
    ``y`` is (n_samples,) or (n_samples, n_targets); ``X_target`` is an optional
    (n_samples, n_targets, k) array of target-specific columns (e.g. the perturbing
    drug's graph similarity to gene j) given only to gene j's model (or its block's).

    Parameters
    ----------
    estimator : regressor, StagePair or None, default=None
        The model fitted per block in both stages (cloned; its ``random_state`` and
        ``n_jobs`` are set per block). None: the paper's random forest
        (:func:`~kgexpr.learn.engine.default_forest`). A model with its own held-out
        predictions (``oob_prediction_``: a forest with ``oob_score`` and ``bootstrap``,
        or :class:`~kgexpr.learn.boosting.GeneBoostingRegressor`) gives stage 2 those;
        any other model gives out-of-fold ones. A
        :class:`~kgexpr.learn.engine.StagePair` sets one model per stage, and whether
        stage 2 sees the design or only the stage-1 predictions, and whether it learns
        the response or the residual of each gene's stage-1 prediction.
    n_estimators : int or None, default=None
        Trees per forest. Without ``estimator``, None means the paper's 300. With
        ``estimator``, an int is set on (a clone of) it, which must then have an
        ``n_estimators`` parameter; None keeps the estimator's own.
    targets_per_model : int, default=1
        Genes per model: 1 is the paper's one regressor per gene; more fits one
        multi-output regressor per block of that many consecutive genes.
    cv : int, default=5
        Folds for the out-of-fold stage-1 predictions of a model without out-of-bag ones.
    n_conditions : int, default=0
        How many leading columns of X are the experiment's conditions (dose, time, cell
        line), which a StagePair with ``stage2_inputs="conditions+predictions"`` gives
        stage 2 beside the stage-1 predictions (kgexpr's designs put them first:
        ``Design.n_conditions``).
    n_jobs : int or None, default=None
        Blocks fitted in parallel (joblib); the results do not depend on it.
    random_state : int, RandomState instance or None, default=None
        An int seeds every block (from the int, stage and block's first gene), giving the
        same model every fit; a ``RandomState`` instance or None (fresh randomness each
        fit) is first turned into one such int, drawn at fit.

    Attributes
    ----------
    model_ : FittedTwoStage
        The fitted two stages (:class:`~kgexpr.learn.engine.FittedTwoStage`), the shape the
        deploy stage saves and ``kgexpr predict`` loads; the next five attributes are its parts.
    target_blocks_ : list of ndarray
        The genes (target indices) of each block, in order.
    stage1_estimators_ : list of estimators
        Stage-1 model of each block, fitted on [X, the block's ``X_target`` columns].
    stage2_estimators_ : list of estimators
        Stage-2 model of each block, fitted on [X, the block's ``X_target`` columns, all
        genes' held-out stage-1 predictions] (only the predictions with a StagePair whose
        ``stage2_inputs`` is "predictions"; the first ``n_conditions`` columns of X and
        the predictions with "conditions+predictions").
    stage2_inputs_ : str
        "design", "predictions" or "conditions+predictions": what the stage-2 models were fitted on.
    stage2_target_ : str
        "response" or "residual": with "residual", a stage-2 model predicts a correction
        that ``predict`` adds to the gene's stage-1 prediction.
    stage1_oob_predictions_ : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Out-of-bag (or out-of-fold) stage-1 predictions of the training samples: stage 2's inputs.
    oob_predictions_ : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Out-of-bag (or out-of-fold) stage-2 predictions of the training samples.
    stage2_importances_ : list of (ndarray or None)
        Per gene, its stage-2 model's importance of each of its input columns (None when
        the model has none); the last ``n_targets_`` are the stage-1 predictions'.
    n_features_in_ : int
        Number of features of X seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen in fit, only when X had string column names.
    n_targets_ : int
        Number of target genes.
    n_target_features_ : int
        ``X_target``'s k (0 when fitted without it).
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), StagePair, None],
        "n_estimators": [Interval(Integral, 1, None, closed="left"), None],
        "targets_per_model": [Interval(Integral, 1, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "n_conditions": [Interval(Integral, 0, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, n_estimators: int | None = None, targets_per_model: int = 1, cv: int = 5,
                 n_conditions: int = 0, n_jobs=None, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.targets_per_model = targets_per_model
        self.cv = cv
        self.n_conditions = n_conditions
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _base(self):
        if self.estimator is None:
            return default_forest(PAPER_TREES if self.n_estimators is None else self.n_estimators)
        if self.n_estimators is None:
            return self.estimator
        name = "stage1__n_estimators" if isinstance(self.estimator, StagePair) else "n_estimators"
        params = self.estimator.get_params() if hasattr(self.estimator, "get_params") else {}
        if name not in params:
            raise ValueError(
                f"n_estimators={self.n_estimators!r} was given, but the estimator {type(self.estimator).__name__} "
                f"has no {name} parameter: leave n_estimators=None, or set it on the estimator"
            )
        return clone(self.estimator).set_params(**{name: self.n_estimators})

    def _seed(self) -> int:
        # an int as is (ints give the numbers they always gave); else one int drawn now
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    @_fit_context(prefer_skip_nested_validation=False)  # the estimator validates its own parameters
    def fit(self, X, y, X_target=None):
        """Fit both stages on X (n_samples, n_features) and y (n_samples,) or (n_samples, n_targets)."""
        base = self._base()
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64)
        Y = check_array(y, dtype=np.float64, ensure_2d=False, input_name="y", estimator=self)
        self._1d = Y.ndim == 1
        Y = Y[:, None] if Y.ndim == 1 else Y
        if X_target is not None:
            X_target = check_array(X_target, dtype=np.float64, allow_nd=True, input_name="X_target", estimator=self)
            if X_target.ndim != 3 or X_target.shape[:2] != Y.shape:
                raise ValueError(f"X_target must have shape (n_samples, n_targets, k), got {X_target.shape}")
        if self.n_conditions > X.shape[1]:
            raise ValueError(f"n_conditions={self.n_conditions} exceeds the {X.shape[1]} columns of X")
        columns = getattr(self, "feature_names_in_", None)
        problem = StageInputs(X, Y, X_target=X_target, n_conditions=self.n_conditions,
                              columns=None if columns is None else tuple(columns))
        fitted = fit_two_stages(base, {"mtrs": problem}, random_state=self._seed(), cv=self.cv,
                                keep_models=True, n_jobs=self.n_jobs, targets_per_model=self.targets_per_model,
                                stage2_importances="all")["mtrs"]
        s1, s2 = fitted.stage1, fitted.stage2
        self.model_ = fitted.model
        self.stage1_oob_predictions_ = self._as_y(s1.held_out)
        self.oob_predictions_ = self._as_y(s2.held_out)
        self.n_targets_ = Y.shape[1]
        self.n_target_features_ = 0 if X_target is None else X_target.shape[2]
        # gene j's inputs: X, its block's target columns, then all stage-1 predictions (last n_targets)
        self.stage2_importances_ = [imp for imp in s2.importances]
        return self

    # the fitted model's parts, under the names scikit-learn users know (read-only: the model is the one copy)
    target_blocks_ = property(lambda self: self.model_.blocks)
    stage1_estimators_ = property(lambda self: self.model_.stage1)
    stage2_estimators_ = property(lambda self: self.model_.stage2)
    stage2_inputs_ = property(lambda self: self.model_.plan.stage2_inputs)
    stage2_target_ = property(lambda self: self.model_.plan.stage2_target)

    def _as_y(self, Y):
        """(n, n_targets) predictions in the shape y had in fit: (n,) for a 1-D y."""
        return Y[:, 0] if self._1d else Y

    def _check_X(self, X, X_target):
        check_is_fitted(self, "model_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if (X_target is None) != (self.n_target_features_ == 0):
            raise ValueError("X_target must be given exactly when it was given to fit")
        if X_target is not None:
            X_target = check_array(X_target, dtype=np.float64, allow_nd=True, input_name="X_target", estimator=self)
            expected = (len(X), self.n_targets_, self.n_target_features_)
            if X_target.shape != expected:
                raise ValueError(f"X_target must have shape {expected} (n_samples, n_targets, k as in fit), "
                                 f"got {X_target.shape}")
        return X, X_target

    def predict_stage1(self, X, X_target=None):
        """Stage-1 predictions: (n_samples,) or (n_samples, n_targets), as y was in fit."""
        X, X_target = self._check_X(X, X_target)
        return self._as_y(self.model_.predict_stage1(X, X_target))

    def predict(self, X, X_target=None):
        """Stage-2 predictions: (n_samples,) or (n_samples, n_targets), as y was in fit."""
        X, X_target = self._check_X(X, X_target)
        return self._as_y(self.model_.predict(X, X_target))

    def target_associations(self) -> np.ndarray:
        """(n_targets, n_targets) stage-2 importance of gene k's stage-1 prediction in gene j's model (diagonal 0)."""
        check_is_fitted(self, "stage2_importances_")
        m = self.n_targets_
        block = np.vstack([imp[-m:] if imp is not None else np.full(m, np.nan) for imp in self.stage2_importances_])
        np.fill_diagonal(block, 0.0)
        return block
