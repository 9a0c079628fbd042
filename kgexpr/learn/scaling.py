"""Per-gene target scaling (the paper's min-max, none, a robust variant) and clipping inside training rows.

The default keeps the input's units: ``auto`` is ``none`` for consensus signatures and the
paper's min-max (affine, so every R² is the input's) for level-5 signatures. Heavy tails are
handled where they hurt learning, not in the scores: :func:`clip_bounds` winsorises each gene's
*training* targets at its median +/- ``k`` robust standard deviations (1.4826 x MAD), computed on
the training rows alone (each fold's, or all rows for the deployed model), so no test value sets a
bound. Predictions are never clipped and stay in the input's units. ``k = 10`` clips only the
extremes (a few HDAC inhibitors at |z| ~ 200 in the consensus set) and keeps the bulk as it is;
measured on the 936 real consensus signatures (bench/learners.py), the reference forest learns
better from clipped targets than from the asinh transform, whose inverse shrinks every large response.

Consensus signatures (dhimmel/lincs) reach |z| ~ 200 for a few compounds (HDAC inhibitors),
while the median compound's sd is ~1.3; min-max alone would squeeze every other
compound into a sliver of [0, 1].  ``robust`` first centres each gene on its median,
divides by 1.4826 x MAD (the sd of a normal), and applies asinh, which is linear near 0
and logarithmic in the tails, then min-max scales to [0, 1].  Both are invertible, so
predictions go back to the input's units (:func:`inverse`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

__all__ = ["SCALINGS", "AUTO", "DEFAULT_CLIP", "clip_bounds", "clip_targets", "fit_transform", "inverse",
           "resolve_scaling"]

AUTO = "auto"
_MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class Scaling:
    name: str
    description: str
    forward: Callable[[pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame]]
    backward: Callable[[np.ndarray, pd.DataFrame], np.ndarray]


def _minmax(values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    from kgexpr.sources.lincs import scale_unit

    scaled, mins, maxs = scale_unit(values)
    return scaled, pd.DataFrame({"min": mins, "max": maxs})


def _minmax_back(scaled: np.ndarray, p: pd.DataFrame) -> np.ndarray:
    return p["min"].to_numpy() + scaled * (p["max"] - p["min"]).to_numpy()


def _robust(values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    v = values.astype("float64")
    med = v.median(axis=0)
    mad = (v - med).abs().median(axis=0) * _MAD_TO_SD
    sd = v.std(axis=0).fillna(0.0)
    scale = mad.where(mad > 0, sd).where(lambda x: x > 0, 1.0)
    squashed = np.arcsinh((v - med) / scale)
    scaled, mm = _minmax(squashed)
    return scaled, pd.DataFrame({"median": med, "scale": scale, "min": mm["min"], "max": mm["max"]})


def _robust_back(scaled: np.ndarray, p: pd.DataFrame) -> np.ndarray:
    squashed = _minmax_back(scaled, p)
    return p["median"].to_numpy() + p["scale"].to_numpy() * np.sinh(squashed)


def _none(values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return values, pd.DataFrame(index=values.columns)


def _none_back(scaled: np.ndarray, p: pd.DataFrame) -> np.ndarray:
    return scaled


SCALINGS: dict[str, Scaling] = {
    "none": Scaling("none", "the input's units (training targets clipped per fold, see --target-clip)", _none, _none_back),
    "minmax": Scaling("minmax", "min-max to [0, 1] per gene (the paper)", _minmax, _minmax_back),
    "robust": Scaling("robust", "asinh of (x - median) / (1.4826 MAD), then min-max to [0, 1] per gene "
                                "(for heavy-tailed consensus signatures)", _robust, _robust_back),
}


def resolve_scaling(name: str, kind: str) -> str:
    """``auto``: the input's units for consensus signatures, the paper's min-max (affine) for level-5 ones."""
    if name != AUTO:
        return name
    return "none" if kind == "consensus" else "minmax"


def fit_transform(values: pd.DataFrame, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(scaled samples x genes in [0, 1], per-gene parameters with a ``method`` column)."""
    scaled, params = SCALINGS[name].forward(values.astype("float64"))  # float32 input: scale in float64
    params = params.assign(method=name)
    params.index.name = values.columns.name
    return scaled, params


def inverse(scaled: np.ndarray, params: pd.DataFrame) -> np.ndarray:
    """Scaled predictions (n x genes, genes in ``params`` order) back in the input's units."""
    name = str(params["method"].iloc[0]) if "method" in params.columns and len(params) else "minmax"
    return SCALINGS[name].backward(np.asarray(scaled, dtype=np.float64), params)


#: robust standard deviations from each gene's training median beyond which training targets are clipped
DEFAULT_CLIP = 10.0


def clip_bounds(Y: np.ndarray, k: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-gene (low, high) = median -/+ k x 1.4826 MAD of the rows given (the sd where the MAD is 0)."""
    Y = np.asarray(Y, dtype=np.float64)
    med = np.median(Y, axis=0)
    mad = np.median(np.abs(Y - med), axis=0) * _MAD_TO_SD
    scale = np.where(mad > 0, mad, Y.std(axis=0))
    return med - k * scale, med + k * scale


def clip_targets(Y: np.ndarray, k: float | None) -> np.ndarray:
    """Training targets winsorised at bounds from these rows alone; ``k`` None or 0 leaves them as they are."""
    if not k:
        return np.asarray(Y, dtype=np.float64)
    low, high = clip_bounds(Y, k)
    return np.clip(Y, low, high)
