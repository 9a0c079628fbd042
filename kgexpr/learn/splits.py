"""The named evaluation splits (a small registry): the paper's random one, drugs held out, and
k-fold cross-validation over compounds.

A split is a list of folds, each a (train, test) pair of row positions. The random and drug
splits have one fold; ``cv`` has k, and every sample is in exactly one test fold, so every
compound is predicted once while unseen in training. Folds are seeded and depend only on the
samples' perturbagen ids, never on the expression values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from kgexpr.errors import KgexprError, suggest

Fold = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Split:
    name: str
    description: str
    folds: Callable[[pd.DataFrame, float, int, int], list[Fold]]  # samples, test_size, n_folds, seed


def _random(samples: pd.DataFrame, test_size: float, n_folds: int, seed: int) -> list[Fold]:
    from sklearn.model_selection import ShuffleSplit

    n = len(samples)
    return [next(ShuffleSplit(n_splits=1, test_size=test_size, random_state=seed).split(np.zeros(n)))]


def _drug(samples: pd.DataFrame, test_size: float, n_folds: int, seed: int) -> list[Fold]:
    from sklearn.model_selection import GroupShuffleSplit

    groups = samples["pert_id"].to_numpy()
    if len(set(groups)) < 2:
        raise KgexprError("a drug split needs at least two perturbagens")
    n = len(samples)
    return [next(GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed).split(np.zeros(n), groups=groups))]


def compound_folds(pert_ids, n_folds: int, seed: int) -> np.ndarray:
    """The fold (0..k-1) of every sample: compounds shuffled by ``seed`` and dealt round-robin, so fold
    sizes differ by at most one compound and all samples of a compound share a fold."""
    groups = pd.Index(pd.unique(np.asarray(pert_ids, dtype=object)))
    if len(groups) < n_folds:
        raise KgexprError(f"--folds {n_folds}: the data has only {len(groups)} compounds")
    order = np.random.default_rng([int(seed), 0xF01D]).permutation(len(groups))
    fold_of_group = np.empty(len(groups), int)
    fold_of_group[order] = np.arange(len(groups)) % n_folds
    return fold_of_group[groups.get_indexer(np.asarray(pert_ids, dtype=object))]


def _cv(samples: pd.DataFrame, test_size: float, n_folds: int, seed: int) -> list[Fold]:
    fold = compound_folds(samples["pert_id"].to_numpy(), n_folds, seed)
    return [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(n_folds)]


SPLITS: dict[str, Split] = {
    "cv": Split("cv", "k-fold cross-validation over compounds: every compound predicted once, unseen in training",
                _cv),
    "random": Split("random", "samples drawn at random, as the paper", _random),
    "drug": Split("drug", "whole perturbagens held out: test drugs are unseen in training", _drug),
}

#: the order splits are reported in: the registry's, then any other
SPLIT_ORDER = tuple(SPLITS)


def resolve_splits(splits, one_sample_per_compound: bool, folds_given: bool) -> tuple[str, ...]:
    """``auto``: cv when every compound has one sample (consensus signatures: a random split would be a
    drug split), else the paper's random split and the drug split, plus cv when ``--folds`` was given."""
    if tuple(splits) != ("auto",):
        return tuple(splits)
    if one_sample_per_compound:
        return ("cv",)
    return ("random", "drug", "cv") if folds_given else ("random", "drug")


def split_folds(samples: pd.DataFrame, kind: str, test_size: float, seed: int, n_folds: int = 5) -> list[Fold]:
    """Sorted (train, test) row positions of ``samples`` for every fold of split ``kind``."""
    try:
        split = SPLITS[kind]
    except KeyError:
        raise KgexprError(f"unknown split {kind!r}; {suggest(kind, list(SPLITS))}") from None
    return [(np.sort(tr), np.sort(te)) for tr, te in split.folds(samples, test_size, n_folds, seed)]


def split_indices(samples: pd.DataFrame, kind: str, test_size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (train, test) positions of a one-fold split."""
    folds = split_folds(samples, kind, test_size, seed)
    if len(folds) != 1:
        raise KgexprError(f"split {kind!r} has {len(folds)} folds; use split_folds")
    return folds[0]
