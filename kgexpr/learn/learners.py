"""The named learners a run can train with (a small registry, as PyKEEN keeps its components).

``rf`` is the paper's: one 300-tree random forest per gene (scikit-learn defaults,
every feature tried at every split). ``rf-multi``, the default, grows one multi-output
forest per block of genes: the trees are shared by the block's genes, so the full
protocol costs a few hundred forest fits instead of thousands, and out-of-bag
predictions still give stage 2 honest inputs. bench/train.py measures both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kgexpr.errors import KgexprError


@dataclass(frozen=True)
class Learner:
    name: str
    description: str
    targets_per_model: int
    build: Callable[[int, int], object]  # (n_trees, seed) -> unfitted sklearn regressor


def _rf(n_trees: int, seed: int):
    from kgexpr.learn.mtrs import default_forest

    return default_forest(n_trees, random_state=seed)


def _rf_multi(n_trees: int, seed: int):
    from kgexpr.learn.mtrs import default_forest

    return default_forest(n_trees, random_state=seed, max_features=RF_MULTI_MAX_FEATURES)


RF_MULTI_GENES_PER_MODEL = 50
RF_MULTI_MAX_FEATURES = 0.3

LEARNERS: dict[str, Learner] = {
    "rf": Learner("rf", "one random forest per gene (the paper)", 1, _rf),
    "rf-multi": Learner(
        "rf-multi",
        f"one multi-output random forest per block of {RF_MULTI_GENES_PER_MODEL} genes, "
        f"max_features={RF_MULTI_MAX_FEATURES}",
        RF_MULTI_GENES_PER_MODEL,
        _rf_multi,
    ),
}


def get_learner(name: str) -> Learner:
    try:
        return LEARNERS[name]
    except KeyError:
        raise KgexprError(f"unknown learner {name!r}; choose one of {', '.join(LEARNERS)}") from None
