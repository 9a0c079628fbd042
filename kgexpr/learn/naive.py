"""The naive models every evaluation carries: the training-mean signature and the nearest compounds by structure.

Without them a reader cannot tell signal from the average response: on unseen compounds the
training-mean signature alone reaches a per-signature Pearson close to a forest's, because most
compounds move the same genes the same way. ``nearest-structure`` predicts the mean signature of
the ``k`` training compounds most similar to the compound by Tanimoto similarity of their ECFP
fingerprints (the design's ``drug_ecfp_*`` bits; k = 5), what a medicinal chemist would try first;
a compound without a structure gets the training mean. Their held-out predictions of the training
rows are leave-one-out (the row itself left out), as the other models' out-of-bag ones.
"""

from __future__ import annotations

import numpy as np

MEAN_MODEL = "mean-signature"
NEAREST_MODEL = "nearest-structure"
NEAREST_K = 5
FINGERPRINT_PREFIX = "drug_ecfp_"
MISSING_COLUMN = "drug_structure_missing"
NAIVE_MODELS = (MEAN_MODEL, NEAREST_MODEL)


def tanimoto(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Tanimoto (Jaccard) similarity of binary fingerprints: (len(A), len(B)); 0 where both are empty."""
    A = (np.asarray(A) > 0).astype(np.float32)
    B = (np.asarray(B) > 0).astype(np.float32)
    inter = A @ B.T
    union = A.sum(axis=1)[:, None] + B.sum(axis=1)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def fingerprints(X: np.ndarray, columns) -> tuple[np.ndarray, np.ndarray] | None:
    """(bits, has_structure) from a design's columns, or None when the design has no fingerprint."""
    cols = [str(c) for c in columns]
    bits = [i for i, c in enumerate(cols) if c.startswith(FINGERPRINT_PREFIX)]
    if not bits:
        return None
    F = np.asarray(X)[:, bits]
    has = F.any(axis=1)
    if MISSING_COLUMN in cols:
        has &= np.asarray(X)[:, cols.index(MISSING_COLUMN)] == 0
    return F, has


def mean_signature(Y_train: np.ndarray, n_test: int) -> tuple[np.ndarray, np.ndarray]:
    """(test predictions, leave-one-out training predictions) of the training-mean signature."""
    n = len(Y_train)
    total = Y_train.sum(axis=0)
    loo = (total[None, :] - Y_train) / max(n - 1, 1)
    return np.repeat((total / n)[None, :], n_test, axis=0), loo


def _nearest_mean(S: np.ndarray, Y_train: np.ndarray, usable: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean signature of each row's k most similar usable training rows, and the largest similarity."""
    S = np.where(usable[None, :], S, -np.inf)
    kk = max(1, min(k, int(usable.sum())))
    top = np.argpartition(-S, kk - 1, axis=1)[:, :kk]
    return Y_train[top].mean(axis=1), np.take_along_axis(S, top, axis=1).max(axis=1)


def nearest_structure(F_train: np.ndarray, has_train: np.ndarray, F_test: np.ndarray, has_test: np.ndarray,
                      Y_train: np.ndarray, k: int = NEAREST_K) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(test predictions, leave-one-out training predictions, each test row's largest Tanimoto similarity to a
    training compound: NaN without a structure)."""
    mean_test, loo_mean = mean_signature(Y_train, len(F_test))
    pred, held_out = mean_test.copy(), loo_mean.copy()
    similarity = np.full(len(F_test), np.nan)
    if has_train.sum() == 0:
        return pred, held_out, similarity
    if has_test.any():
        S = tanimoto(F_test[has_test], F_train)
        pred[has_test], similarity[has_test] = _nearest_mean(S, Y_train, has_train, k)
    if has_train.sum() > 1:
        rows = np.flatnonzero(has_train)
        S = tanimoto(F_train[rows], F_train)
        S[np.arange(len(rows)), rows] = -np.inf  # leave the row itself out
        held_out[rows] = _nearest_mean(S, Y_train, has_train, k)[0]
    return pred, held_out, similarity
