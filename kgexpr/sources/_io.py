"""Shared reading helpers, so every parser reports bad input the same way (file, line, field)."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from kgexpr.errors import InputError

#: strings the providers use for "no value" in text tables
MISSING = frozenset({"", "na", "nan", "n/a", "-666", "-666.0", "none", "null", "-"})


def open_bytes(path: str | Path) -> bytes:
    """Whole file as bytes (gunzipped when it is gzip), or InputError if unreadable/empty."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(p, "file not found") from None
    except IsADirectoryError:
        raise InputError(p, "is a directory, expected a file") from None
    except OSError as exc:
        raise InputError(p, f"cannot read file: {exc.strerror or exc}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputError(p, f"corrupt gzip file: {exc}") from None
    if not raw.strip():
        raise InputError(p, "empty file", line=1)
    return raw


def decode(raw: bytes) -> str:
    """UTF-8 text, falling back to latin-1 (LINCS files store the micro sign as byte 0xB5)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.lstrip("\ufeff")


def read_text(path: str | Path) -> str:
    """Decoded text of a (possibly gzipped) file; InputError when missing or empty."""
    return decode(open_bytes(path))


def read_table(
    path: str | Path,
    required: Sequence[str] = (),
    *,
    sep: str = "\t",
    header_line: int = 1,
    text: str | None = None,
    quoted: bool | None = None,
) -> pd.DataFrame:
    """Read a delimited table as strings (no NA guessing), checking required columns.

    ``header_line`` is the 1-based line of the header; data row ``i`` (0-based) is then
    on line ``header_line + 1 + i`` (see :func:`line_of`) unless ``quoted`` fields span lines.
    ``quoted`` defaults to False for tab-separated and True for comma-separated files.
    Cells are stripped.
    """
    if quoted is None:
        quoted = sep != "\t"
    if text is None:
        text = read_text(path)
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skiprows=header_line - 1,
            quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE,
            engine="c",
        ).fillna("")
    except pd.errors.EmptyDataError:
        raise InputError(path, "empty file", line=header_line) from None
    except pd.errors.ParserError as exc:
        raise InputError(path, f"malformed table: {exc}") from None
    df.columns = [str(c).strip() for c in df.columns]
    check_columns(df, required, path, line=header_line)
    for c in df.columns:
        df[c] = df[c].str.strip()
    return df


def check_columns(df: pd.DataFrame, required: Iterable[str], path: str | Path, *, line: int | None = 1) -> None:
    """InputError naming the first missing column and listing the ones found."""
    for col in required:
        if col not in df.columns:
            found = ", ".join(map(str, df.columns[:12])) + (" ..." if len(df.columns) > 12 else "")
            raise InputError(path, f"missing column '{col}' (found: {found})", line=line, field=col)


def line_of(position: int, header_line: int = 1) -> int:
    """1-based file line of 0-based data row ``position`` under a one-line header."""
    return header_line + 1 + int(position)


def _row_line(values: pd.Series, pos: int, header_line: int) -> int:
    """File line of the ``pos``-th cell: frames from :func:`read_table` keep the row number as index."""
    label = values.index[pos]
    row = label if isinstance(label, (int, np.integer)) else pos
    return line_of(row, header_line)


def to_int(values: pd.Series, path: str | Path, field: str, *, header_line: int = 1) -> pd.Series:
    """Parse a string column to int64, InputError at the first non-integer cell."""
    s = values.astype(str).str.strip()
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna() | (num != np.floor(num))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            path, f"not an integer: {s.iloc[pos]!r}", line=_row_line(s, pos, header_line), field=field
        )
    return num.astype("int64")


def to_float(values: pd.Series, path: str | Path, field: str, *, header_line: int = 1) -> pd.Series:
    """Parse a string column to float64 (missing markers → NaN), InputError on other text."""
    s = values.astype(str).str.strip()
    missing = s.str.lower().isin(MISSING)
    num = pd.to_numeric(s.where(~missing, "nan"), errors="coerce")
    bad = num.isna() & ~missing
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(path, f"not a number: {s.iloc[pos]!r}", line=_row_line(s, pos, header_line), field=field)
    return num.astype("float64")


def check_unique(values: pd.Series, path: str | Path, field: str, *, header_line: int = 1) -> None:
    """InputError at the first repeated id (naming both lines)."""
    dup = values.duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero((values == values.iloc[pos]).to_numpy())[0])
        raise InputError(
            path,
            f"duplicate id {values.iloc[pos]!r} (first on line {_row_line(values, first, header_line)})",
            line=_row_line(values, pos, header_line),
            field=field,
        )


_TRUE = frozenset({"1", "1.0", "true", "t", "y", "yes"})
_FALSE = frozenset({"0", "0.0", "false", "f", "n", "no"})


def parse_flag(value: object) -> bool | None:
    """Provider boolean ("1"/"0", "True"/"False", "Y"/"N", 1.0) → bool, missing → None, else ValueError."""
    if is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not a yes/no flag: {value!r}")


def flags(values: pd.Series, path: str | Path, field: str, *, header_line: int = 1) -> pd.Series:
    """Column of flags → pandas nullable boolean, InputError at the first unreadable cell."""
    out = []
    for pos, v in enumerate(values):
        try:
            out.append(parse_flag(v))
        except ValueError as exc:
            raise InputError(path, str(exc), line=_row_line(values, pos, header_line), field=field) from None
    return pd.Series(pd.array(out, dtype="boolean"), index=values.index)


def is_missing(value: object) -> bool:
    """True for None/NaN and the providers' missing-value strings."""
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return str(value).strip().lower() in MISSING


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """An empty frame with the given column dtypes (keeps schemas stable when nothing is found)."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


GENES = {"entrez_id": "int64", "symbol": "object", "name": "object"}
PATHWAYS = {"kegg_id": "object", "name": "object"}
GENE_PATHWAY = {"entrez_id": "int64", "kegg_id": "object"}
INTERACTIONS = {"source": "int64", "target": "int64", "kind": "object", "pathway": "object"}
DRUGS = {"drug_id": "object", "name": "object", "pert_ids": "object"}
DRUG_TARGETS = {"drug_id": "object", "entrez_id": "int64", "source": "object"}
CELL_LINES = {"name": "object", "tissue": "object", "cosmic_id": "object"}
MUTATIONS = {"cell_line": "object", "entrez_id": "int64", "type": "object"}


def frame(rows: list[tuple] | list[dict], columns: dict[str, str]) -> pd.DataFrame:
    """Frame from rows with the schema's dtypes (empty rows → empty typed frame)."""
    if not rows:
        return empty_frame(columns)
    df = pd.DataFrame(rows, columns=list(columns)) if isinstance(rows[0], tuple) else pd.DataFrame(rows)
    return df.astype(columns).reset_index(drop=True)
