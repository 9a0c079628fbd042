"""The named learners a run can train with (a small registry, as PyKEEN keeps its components).

``rf`` is the paper's: one random forest per gene (scikit-learn defaults, every
feature tried at every split), in both stages. ``rf-projected`` grows one forest
per block of up to 300 genes whose trees split on random projections of the
genes' expression and keep every gene's mean in their leaves
(:class:`~kgexpr.learn.projected_forest.ProjectedForestRegressor`), in both
stages: the full protocol then costs a few dozen forests instead of thousands,
with out-of-bag predictions still giving stage 2 honest inputs. Its trees grow
on half-size bootstrap samples (twice as fast, and no less accurate on the
paper-sized bench), 100 of them unless ``--trees`` says otherwise.

``rf-projected-adaptive``, the default, sizes itself to the data. Stage 1 is one projected forest
for all the modelled genes (up to 1,000: every landmark gene in one block) whose trees draw
every training row up to 2,500 and 30 % at the paper's size (``max_samples="auto"``). Stage 2 is
``rf-projected-gbm``'s boosted correction where the data has conditions (dose, time: level-5
signatures), and where it has none (consensus signatures) a ridge correction of each gene's
stage-1 prediction from the standardised stage-1 predictions of all genes, each gene's penalty
chosen by leave-one-out inside the training rows
(:class:`~kgexpr.learn.ridge.StandardizedRidgeCV`). On the 936 real consensus signatures (5-fold
compound cross-validation, all 978 genes, input units) it beat the reference forest (scikit-learn's
multi-output ``RandomForestRegressor``) on most genes in a fraction of ``rf-projected-gbm``'s time;
at the paper's size it trains the same models as ``rf-projected-gbm`` (bench/learners.py,
bench/paper_scale.py).

``rf-projected-gbm``, the previous default, keeps that forest for stage 1 (on 30 % bootstraps) and
gives stage 2 one small cross-fitted LightGBM model per gene (4-leaf trees, 3 folds, then
one refitted on all rows) on the experiment's conditions (dose, time) and the 10 stage-1
predictions most correlated with the gene's residual (on data without conditions, such as
consensus signatures: on the stage-1 predictions of all genes, without the refit)
(:class:`~kgexpr.learn.boosting.GeneBoostingRegressor`), fitted to the residual
of the gene's own stage-1 prediction and stopped early on its held-out fold: on
the paper-sized bench (10,000 training rows) a per-gene stage 2 gains where a
shared forest barely moves, boosting on binned features makes it cost seconds
per model, and on a few hundred training rows it stops within a few rounds
instead of undoing stage 1. It is the default because it was the more accurate of
the two on both the paper-sized bench and the 936 real consensus signatures
(median per-gene R2 of every model), and 2.8 times as fast at the paper's size.
bench/train.py, bench/paper_scale.py and bench/stage2_learners.py measure the learners.

A learner is an unfitted scikit-learn estimator plus the block size it is meant
for; its hyper-parameters are the estimator's own (``get_params``), so the
training key holds every one of them and ``--learner-param NAME=VALUE`` reaches
any of them (a stage's own by ``stage1__NAME`` / ``stage2__NAME``, or by ``NAME``
alone when only one stage has it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from kgexpr.errors import KgexprError, suggest

PROJECTED_GENES_PER_MODEL = 300
PROJECTED_COMPONENTS = 16
PROJECTED_MAX_FEATURES = 0.3
PROJECTED_MAX_SAMPLES = 0.5  # half-size bootstrap: trees twice as fast, no less accurate (bench/paper_scale.py)
PROJECTED_TREES = 100
# rf-projected-gbm's forest: 30 % bootstraps, as accurate under the boosted stage 2 and ~0.6x the time
# (chosen on the paper-sized bench inside the training rows: stage-2 R2 on a held-out part of them)
GBM_STAGE1_MAX_SAMPLES = 0.3
# its boosted stage 2: 4-leaf trees cross-fitted on 3 folds (each fold model sees 2/3 of the rows), chosen the
# same way: +0.006 to +0.007 median R2 on cn, lpi and deepwalk over 7 leaves on 2 folds, for ~1.3x its time
GBM_STAGE2_LEAVES = 4
GBM_STAGE2_FOLDS = 3
# ... and each gene's models see the experiment's conditions (dose, time) and the 10 stage-1 predictions most
# correlated with its residual, every one of them in every tree, up to 100 rounds stopped after 30 without gain,
# then one model refitted on all rows: on 300 genes' held-out part of the training rows, cn's median R2 .2293 -> .2394
# (gene 901910 .5195 -> .5544) in 0.75x the time (bench/paper_scale.py for the whole protocol)
GBM_STAGE2_SCREENED = 10
GBM_STAGE2_ROUNDS = 100
GBM_STAGE2_PATIENCE = 30
# rf-projected-adaptive: one block for every landmark gene (its forest splits on a 16-dim projection, so one block of
# 978 genes costs what one of 300 does), bootstraps by row count, a ridge stage 2 on data without conditions
ADAPTIVE_GENES_PER_MODEL = 1000
# ... whose trees try sqrt(p) features per split: chosen inside the training rows of the 936 real consensus signatures
# (each outer fold's training rows, inner 3-fold CV, 978 genes): against 0.3 of them, sqrt won 5 of 5 folds on the
# baseline (median R2 +0.007 to +0.013) and on cn, 2 of 5 on deepwalk (within 0.007 either way), at 1/2 to 1/5 the time
ADAPTIVE_MAX_FEATURES = "sqrt"
# data without conditions (consensus signatures) keep the unscreened stage 2 on all predictions (4 leaves, 3 folds,
# at most 50 rounds, patience 10, no refit): on the real signatures' fold 0 (523 + 225 rows) screening took cn's
# median R2 .0231 -> .0002 and lpi's .0148 -> -.0097, and 100 rounds + patience 30 + refit alone cost .004 / .006


@dataclass(frozen=True)
class Learner:
    name: str
    description: str
    targets_per_model: int
    factory: Callable[[], object]  # an unfitted sklearn regressor with the learner's own defaults
    defaults: Mapping[str, Any] = field(default_factory=dict)
    default_trees: int = 300  # trees per forest when --trees is not given
    trees_param: str = "n_estimators"  # the parameter --trees sets (a StagePair's forest: stage1__n_estimators)


def _rf():
    from kgexpr.learn.engine import default_forest

    return default_forest()


def _rf_projected():
    from kgexpr.learn.projected_forest import ProjectedForestRegressor

    return ProjectedForestRegressor()


def _rf_projected_gbm():
    from kgexpr.learn.boosting import GeneBoostingRegressor
    from kgexpr.learn.engine import StagePair
    from kgexpr.learn.projected_forest import ProjectedForestRegressor

    return StagePair(ProjectedForestRegressor(), GeneBoostingRegressor(), stage2_inputs="conditions+predictions",
                     stage2_target="residual", stage2_without_conditions=GeneBoostingRegressor())


def _rf_projected_adaptive():
    from kgexpr.learn.boosting import GeneBoostingRegressor
    from kgexpr.learn.engine import StagePair
    from kgexpr.learn.projected_forest import ProjectedForestRegressor
    from kgexpr.learn.ridge import StandardizedRidgeCV

    return StagePair(ProjectedForestRegressor(), GeneBoostingRegressor(), stage2_inputs="conditions+predictions",
                     stage2_target="residual", stage2_without_conditions=StandardizedRidgeCV())


_GBM_STAGE2 = {"stage2__num_leaves": GBM_STAGE2_LEAVES, "stage2__n_folds": GBM_STAGE2_FOLDS,
               "stage2__screen_features": GBM_STAGE2_SCREENED, "stage2__colsample_bytree": 1.0,
               "stage2__n_estimators": GBM_STAGE2_ROUNDS, "stage2__early_stopping_rounds": GBM_STAGE2_PATIENCE,
               "stage2__refit": True}

LEARNERS: dict[str, Learner] = {
    "rf": Learner("rf", "one random forest per gene, as the paper", 1, _rf),
    "rf-projected": Learner(
        "rf-projected",
        "one forest per block of genes, splitting on random projections of their expression",
        PROJECTED_GENES_PER_MODEL,
        _rf_projected,
        {"n_components": PROJECTED_COMPONENTS, "max_features": PROJECTED_MAX_FEATURES,
         "max_samples": PROJECTED_MAX_SAMPLES},
        PROJECTED_TREES,
    ),
    "rf-projected-gbm": Learner(
        "rf-projected-gbm",
        "stage 1 one forest per block of genes (random projections), stage 2 one boosted model per gene "
        "(LightGBM) correcting it from the experiment's conditions and the stage-1 predictions most correlated "
        "with it",
        PROJECTED_GENES_PER_MODEL,
        _rf_projected_gbm,
        {"stage1__n_components": PROJECTED_COMPONENTS, "stage1__max_features": PROJECTED_MAX_FEATURES,
         "stage1__max_samples": GBM_STAGE1_MAX_SAMPLES, **_GBM_STAGE2,
         "stage2_without_conditions__num_leaves": GBM_STAGE2_LEAVES, "stage2_without_conditions__n_folds": GBM_STAGE2_FOLDS},
        PROJECTED_TREES,
        trees_param="stage1__n_estimators",
    ),
    "rf-projected-adaptive": Learner(
        "rf-projected-adaptive",
        "stage 1 one forest for all genes (random projections, bootstraps sized by row count), stage 2 a "
        "correction of each gene's prediction: ridge on all genes' stage-1 predictions (penalty by leave-one-out) "
        "where the data has no conditions, boosted on the conditions and the most correlated predictions where it has",
        ADAPTIVE_GENES_PER_MODEL,
        _rf_projected_adaptive,
        {"stage1__n_components": PROJECTED_COMPONENTS, "stage1__max_features": ADAPTIVE_MAX_FEATURES,
         "stage1__max_samples": "auto", **_GBM_STAGE2},
        PROJECTED_TREES,
        trees_param="stage1__n_estimators",
    ),
}

DEFAULT_LEARNER = "rf-projected-adaptive"


#: the model every evaluation scores beside kgexpr's: scikit-learn's multi-output random forest on the baseline
#: design (structure only), with plain settings a reviewer would pick, fitted once per fold on the same
#: (clipped) training targets; kgexpr's models should beat it, and the summary says when they do not
REFERENCE_MODEL = "reference-rf"
REFERENCE_FOREST = {"n_estimators": 100, "max_features": 0.3, "min_samples_leaf": 3}
# a multi-output tree scores every split on every gene: on 9,750 rows x 300 genes one tree took ~4 s, so above this
# many training rows each tree draws this many (max_samples), which keeps the reference at minutes at the paper's size
REFERENCE_MAX_ROWS = 2500


def reference_forest(seed: int, n_jobs: int | None = None, n_rows: int | None = None):
    """The reference: ``RandomForestRegressor(100, max_features=0.3, min_samples_leaf=3)``, all genes at once, each
    tree on a bootstrap of all training rows up to 2,500 rows and of 2,500 above that."""
    from sklearn.ensemble import RandomForestRegressor

    draws = None if n_rows is None or n_rows <= REFERENCE_MAX_ROWS else REFERENCE_MAX_ROWS
    return RandomForestRegressor(**REFERENCE_FOREST, max_samples=draws, oob_score=True, random_state=seed,
                                 n_jobs=n_jobs)


def get_learner(name: str) -> Learner:
    try:
        return LEARNERS[name]
    except KeyError:
        raise KgexprError(f"unknown learner {name!r}; {suggest(name, list(LEARNERS))}") from None


def build_learner(name: str, n_trees: int, seed: int, params: Mapping[str, Any] | None = None):
    """The learner's estimator with ``n_trees`` trees, ``seed`` and the user's ``params``, checked now.

    Bad parameter names or values raise one KgexprError before any data is read.
    """
    learner = get_learner(name)
    est = learner.factory()
    settings = {**learner.defaults, learner.trees_param: int(n_trees), **dict(params or {})}
    if "random_state" in est.get_params(deep=False):  # a StagePair's stages are seeded per gene block by the engine
        settings = {"random_state": int(seed), **settings}
    names = sorted(key_params(est))
    est.set_params(**{_full_name(key, names, name): value for key, value in settings.items()})
    validate = getattr(est, "_validate_params", None)
    if validate is not None:
        try:
            validate()
        except ValueError as e:
            raise KgexprError(f"--learner-param ({name}): {str(e).splitlines()[0]}") from None
    return est


def _full_name(key: str, names: list[str], learner: str) -> str:
    """A parameter's full name: as given, or the one nested parameter it names (``n_components`` for
    ``stage1__n_components``) when only one stage has it."""
    if key in names:
        return key
    nested = [n for n in names if n.endswith("__" + key)]
    if len(nested) == 1:
        return nested[0]
    if nested:
        raise KgexprError(f"--learner-param {key}: {learner} has it in more than one stage; name one of "
                          f"{', '.join(nested)}")
    short = sorted({n.rsplit("__", 1)[-1] for n in names} | set(names))
    raise KgexprError(f"--learner-param {key}: {learner} has no such parameter; {suggest(key, short)}")


def key_params(est) -> dict:
    """Every hyper-parameter of a learner's estimator (nested ones by their ``stage1__`` names), as keys record them."""
    from sklearn.base import BaseEstimator

    return {k: v for k, v in est.get_params(deep=True).items() if not isinstance(v, BaseEstimator)}


def learner_description(name: str, params: Mapping[str, Any]) -> str:
    """One line for the console and the report: the learner and the parameters that set it apart."""
    learner = get_learner(name)
    shown = {k: params[k] for k in learner.defaults if k in params}
    extra = ", ".join(f"{k}={v}" for k, v in shown.items())
    return f"{learner.description}" + (f" ({extra})" if extra else "")
