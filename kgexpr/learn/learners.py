"""The named learners a run can train with (a small registry, as PyKEEN keeps its components).

``rf`` is the paper's: one random forest per gene (scikit-learn defaults, every
feature tried at every split). ``rf-projected``, the default, grows one forest per
block of up to 300 genes whose trees split on random projections of the genes'
expression and keep every gene's mean in their leaves
(:class:`~kgexpr.learn.projected_forest.ProjectedForestRegressor`): the full
protocol then costs a few dozen forests instead of thousands, with out-of-bag
predictions still giving stage 2 honest inputs. Its trees grow on half-size
bootstrap samples (twice as fast, and no less accurate on the paper-sized bench),
100 of them unless ``--trees`` says otherwise. bench/train.py and
bench/paper_scale.py measure both learners.

A learner is an unfitted scikit-learn estimator plus the block size it is meant
for; its hyper-parameters are the estimator's own (``get_params``), so the
training key holds every one of them and ``--learner-param NAME=VALUE`` reaches
any of them.
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


@dataclass(frozen=True)
class Learner:
    name: str
    description: str
    targets_per_model: int
    factory: Callable[[], object]  # an unfitted sklearn regressor with the learner's own defaults
    defaults: Mapping[str, Any] = field(default_factory=dict)
    default_trees: int = 300  # trees per forest when --trees is not given


def _rf():
    from kgexpr.learn.engine import default_forest

    return default_forest()


def _rf_projected():
    from kgexpr.learn.projected_forest import ProjectedForestRegressor

    return ProjectedForestRegressor()


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
}

DEFAULT_LEARNER = "rf-projected"


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
    valid = est.get_params(deep=False)
    settings = {**learner.defaults, "n_estimators": int(n_trees), "random_state": int(seed), **dict(params or {})}
    for key in settings:
        if key not in valid:
            raise KgexprError(f"--learner-param {key}: {name} has no such parameter; {suggest(key, sorted(valid))}")
    est.set_params(**settings)
    validate = getattr(est, "_validate_params", None)
    if validate is not None:
        try:
            validate()
        except ValueError as e:
            raise KgexprError(f"--learner-param ({name}): {str(e).splitlines()[0]}") from None
    return est


def learner_description(name: str, params: Mapping[str, Any]) -> str:
    """One line for the console and the report: the learner and the parameters that set it apart."""
    learner = get_learner(name)
    shown = {k: params[k] for k in learner.defaults if k in params}
    extra = ", ".join(f"{k}={v}" for k, v in shown.items())
    return f"{learner.description}" + (f" ({extra})" if extra else "")
