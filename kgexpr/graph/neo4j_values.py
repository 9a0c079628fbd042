"""Frame values <-> what the Neo4j driver sends and returns (Neo4j stores no nulls)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["to_plain", "plain_column", "property_maps", "frame_from_props"]


def to_plain(v):
    """One value as a plain Python value the driver can send; None for null-likes (NaN, NA, NaT)."""
    if v is None:
        return None
    if isinstance(v, np.generic):  # first: np.str_ and np.float64 are str and float too
        return to_plain(v.item())
    if isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, (list, tuple, np.ndarray, pd.Series, pd.Index)):
        return [to_plain(x) for x in v]
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.to_pydatetime()
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v  # anything else goes as is; the server rejects what it cannot store


def plain_column(s: pd.Series) -> list:
    """A column as plain Python values (None for missing), fast for numpy dtypes."""
    dt = s.dtype
    if isinstance(dt, np.dtype):
        if dt.kind in "iub":
            return s.tolist()
        if dt.kind == "f":
            return [None if v != v else v for v in s.tolist()]
    return [v if type(v) is str else to_plain(v) for v in s.tolist()]


def property_maps(df: pd.DataFrame) -> list[dict]:
    """Row property maps without null entries (Neo4j stores no nulls)."""
    names = [str(c) for c in df.columns]
    if not names:
        return [{} for _ in range(len(df))]
    cols = [plain_column(df[c]) for c in df.columns]
    return [{k: v for k, v in zip(names, vals) if v is not None} for vals in zip(*cols)]


def frame_from_props(props: list[dict], n: int) -> pd.DataFrame:
    """Property maps read back as a frame of ``n`` rows (no columns when every map is empty)."""
    df = pd.DataFrame(props)
    if len(df) != n:  # all maps empty
        df = pd.DataFrame(index=pd.RangeIndex(n))
    return df
