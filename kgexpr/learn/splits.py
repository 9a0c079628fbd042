"""The named train/test splits (a small registry): the paper's random one, and drugs held out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from kgexpr.errors import KgexprError, suggest


@dataclass(frozen=True)
class Split:
    name: str
    description: str
    indices: Callable[[pd.DataFrame, float, int], tuple[np.ndarray, np.ndarray]]


def _random(samples: pd.DataFrame, test_size: float, seed: int):
    from sklearn.model_selection import ShuffleSplit

    n = len(samples)
    return next(ShuffleSplit(n_splits=1, test_size=test_size, random_state=seed).split(np.zeros(n)))


def _drug(samples: pd.DataFrame, test_size: float, seed: int):
    from sklearn.model_selection import GroupShuffleSplit

    groups = samples["pert_id"].to_numpy()
    if len(set(groups)) < 2:
        raise KgexprError("a drug split needs at least two perturbagens")
    n = len(samples)
    return next(GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed).split(np.zeros(n), groups=groups))


SPLITS: dict[str, Split] = {
    "random": Split("random", "samples drawn at random, as the paper", _random),
    "drug": Split("drug", "whole perturbagens held out: test drugs are unseen in training", _drug),
}

#: the order splits are reported in: the registry's, then any other
SPLIT_ORDER = tuple(SPLITS)


def split_indices(samples: pd.DataFrame, kind: str, test_size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (train, test) row positions of ``samples`` for split ``kind``."""
    try:
        split = SPLITS[kind]
    except KeyError:
        raise KgexprError(f"unknown split {kind!r}; {suggest(kind, list(SPLITS))}") from None
    tr, te = split.indices(samples, test_size, seed)
    return np.sort(tr), np.sort(te)
