"""The named learners a run can train with (a small registry, as PyKEEN keeps its components).

``rf`` is the paper's: one random forest per gene (scikit-learn defaults, every
feature tried at every split). ``rf-projected``, the default, grows one forest per
block of up to 300 genes whose trees split on random projections of the genes'
expression and keep every gene's mean in their leaves
(:class:`~kgexpr.learn.projected_forest.ProjectedForestRegressor`): the full
protocol then costs a few dozen forests instead of thousands, with out-of-bag
predictions still giving stage 2 honest inputs. bench/train.py measures both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kgexpr.errors import KgexprError

PROJECTED_GENES_PER_MODEL = 300
PROJECTED_COMPONENTS = 16
PROJECTED_MAX_FEATURES = 0.3


@dataclass(frozen=True)
class Learner:
    name: str
    description: str
    targets_per_model: int
    build: Callable[[int, int], object]  # (n_trees, seed) -> unfitted sklearn regressor


def _rf(n_trees: int, seed: int):
    from kgexpr.learn.engine import default_forest

    return default_forest(n_trees, random_state=seed)


def _rf_projected(n_trees: int, seed: int):
    from kgexpr.learn.projected_forest import ProjectedForestRegressor

    return ProjectedForestRegressor(n_trees, n_components=PROJECTED_COMPONENTS, max_features=PROJECTED_MAX_FEATURES,
                                    random_state=seed)


LEARNERS: dict[str, Learner] = {
    "rf": Learner("rf", "one random forest per gene, as the paper", 1, _rf),
    "rf-projected": Learner(
        "rf-projected",
        f"one forest per block of genes, splits on {PROJECTED_COMPONENTS}-d random projections of their expression, "
        f"max_features={PROJECTED_MAX_FEATURES}",
        PROJECTED_GENES_PER_MODEL,
        _rf_projected,
    ),
}

DEFAULT_LEARNER = "rf-projected"


def get_learner(name: str) -> Learner:
    try:
        return LEARNERS[name]
    except KeyError:
        raise KgexprError(f"unknown learner {name!r}; choose one of {', '.join(LEARNERS)}") from None
