"""LINCS L1000 expression (GCT 1.2/1.3 text, GCTX/HDF5) and its metadata tables.

Everything downstream wants one shape: :class:`Profiles` (samples x Entrez genes plus a
tidy sample table with dose in µM and time in hours), so the readers normalise the many
metadata spellings (pert_dose/pert_idose, "10 µM" with a latin-1 micro sign, -666 ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from kgexpr.errors import InputError, KgexprError
from kgexpr.sources._io import (
    check_unique,
    is_missing,
    parse_flag,
    read_table,
    to_float,
)
from kgexpr.sources.cell_lines import normalise_cell_line
from kgexpr.sources.gct import GctData, read_expression, read_gct, read_gctx
from kgexpr.sources.drug_targets import normalise_pert_id

__all__ = [
    "GctData",
    "Profiles",
    "read_gct",
    "read_gctx",
    "read_expression",
    "to_profiles",
    "read_sig_info",
    "read_pert_info",
    "read_gene_info",
    "attach_sig_info",
    "select",
    "scale_unit",
    "formula_descriptors",
    "parse_dose_um",
    "parse_time_h",
]

_LM_COLUMNS = ("pr_is_lmark", "pr_is_lm", "is_lm")
_REQUIRED_SAMPLE_META = ("cell_id", "pert_id", "pert_type")
_SIG_KEYS = ("sig_id", "id", "inst_id", "distil_id")


@dataclass(frozen=True)
class Profiles:
    """Expression ready for learning.

    ``values``: samples x genes (columns Entrez ints); ``genes``: entrez_id, symbol,
    is_landmark (nullable bool); ``samples`` (index = sample id): cell_id, pert_id,
    pert_iname, pert_type, dose_um, time_h.
    """

    values: pd.DataFrame
    genes: pd.DataFrame
    samples: pd.DataFrame
    source: str = ""


# --------------------------------------------------------------------------- profiles
_DOSE_UNITS = {
    "um": 1.0, "µm": 1.0, "μm": 1.0, "\ufffdm": 1.0, "?m": 1.0, "micromolar": 1.0, "umol": 1.0,
    "nm": 1e-3, "nanomolar": 1e-3, "pm": 1e-6, "mm": 1e3, "millimolar": 1e3, "m": 1e6,
}
_TIME_UNITS = {"h": 1.0, "hr": 1.0, "hrs": 1.0, "hour": 1.0, "hours": 1.0, "m": 1 / 60, "min": 1 / 60,
               "mins": 1 / 60, "d": 24.0, "day": 24.0, "days": 24.0}
_NUM_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S*)\s*$")


def _num_unit(value: object, unit: object, table: dict[str, float]) -> float:
    if is_missing(value):
        return np.nan
    if isinstance(value, (int, float, np.number)):
        number, text_unit = float(value), ""
    else:
        # "6 h & 4 h" (co-treatment times in real level-5 files): the first part is the pert's
        m = _NUM_UNIT.match(str(value).split("&")[0])
        if not m:
            return np.nan
        number, text_unit = float(m.group(1)), m.group(2)
    if number == -666:
        return np.nan
    u = text_unit or ("" if is_missing(unit) else str(unit).strip())
    # the micro sign arrives as U+00B5, U+03BC, U+FFFD, or (cmapR GCT text) the literal "<b5>"
    u = u.lower().replace("<b5>", "µ").replace("\\xb5", "µ")
    if not u:
        return number  # LINCS pert_dose without unit is in µM, pert_time in hours
    factor = table.get(u)
    return number * factor if factor is not None else np.nan


def parse_dose_um(value: object, unit: object = None) -> float:
    """Dose in µM from "10.0 um", "100 nM", "10 µM" (micro sign as 0xB5, U+FFFD or "<b5>"); -666 → NaN."""
    return _num_unit(value, unit, _DOSE_UNITS)


def parse_time_h(value: object, unit: object = None) -> float:
    """Time in hours from "24 h", 24 + "h", "30 m"; -666 → NaN."""
    return _num_unit(value, unit, _TIME_UNITS)


def _column(meta: pd.DataFrame, name: str) -> pd.Series | None:
    return meta[name] if name in meta.columns else None


def _samples_frame(meta: pd.DataFrame, source: str, require: bool) -> pd.DataFrame:
    """Tidy sample table from LINCS column metadata (see :class:`Profiles`)."""
    for col in _REQUIRED_SAMPLE_META:
        if col not in meta.columns and require:
            raise InputError(
                source or "expression",
                f"missing sample metadata '{col}' (pass sig_info / attach_sig_info when the file holds only ids)",
                field=col,
            )

    def text(col: str) -> list[str]:
        s = _column(meta, col)
        return ["" if is_missing(v) else str(v).strip() for v in s] if s is not None else [""] * len(meta)

    pert_id = [normalise_pert_id(p) for p in text("pert_id")]
    iname = [n or p for n, p in zip(text("pert_iname"), pert_id)]
    dose = [np.nan] * len(meta)
    if "pert_dose" in meta.columns:
        units = _column(meta, "pert_dose_unit")
        units = list(units) if units is not None else [None] * len(meta)
        dose = [parse_dose_um(v, u) for v, u in zip(meta["pert_dose"], units)]
    if "pert_idose" in meta.columns:
        dose = [d if not np.isnan(d) else parse_dose_um(v) for d, v in zip(dose, meta["pert_idose"])]
    time = [np.nan] * len(meta)
    if "pert_time" in meta.columns:
        units = _column(meta, "pert_time_unit")
        units = list(units) if units is not None else [None] * len(meta)
        time = [parse_time_h(v, u) for v, u in zip(meta["pert_time"], units)]
    if "pert_itime" in meta.columns:
        time = [t if not np.isnan(t) else parse_time_h(v) for t, v in zip(time, meta["pert_itime"])]
    return pd.DataFrame(
        {
            "cell_id": text("cell_id"),
            "pert_id": pert_id,
            "pert_iname": iname,
            "pert_type": text("pert_type"),
            "dose_um": np.asarray(dose, dtype="float64"),
            "time_h": np.asarray(time, dtype="float64"),
        },
        index=meta.index,
    )


def _entrez(value: object) -> int | None:
    if is_missing(value):
        return None
    try:
        f = float(str(value).strip())
    except ValueError:
        return None
    return int(f) if f.is_integer() and f > 0 else None


def to_profiles(gct: GctData, sig_info: pd.DataFrame | None = None, *, require_meta: bool = True) -> Profiles:
    """GCT(X) → :class:`Profiles` keyed by Entrez id (rows without one are dropped).

    Genes come from row meta ``pr_gene_id`` (else numeric row ids); a repeated Entrez id keeps
    its first (landmark-first) probe.  ``sig_info`` fills missing sample metadata first.
    """
    source = gct.source or "expression"
    if sig_info is not None:
        gct = attach_sig_info(gct, sig_info)
    rm = gct.row_meta
    if "pr_gene_id" in rm.columns:
        entrez = [_entrez(v) for v in rm["pr_gene_id"]]
    else:
        entrez = [_entrez(v) for v in gct.data.index]
        if all(e is None for e in entrez):
            raise InputError(source, "no row metadata 'pr_gene_id' and row ids are not Entrez ids",
                             field="pr_gene_id")
    lm_col = next((c for c in _LM_COLUMNS if c in rm.columns), None)
    if lm_col:
        try:
            lm = [parse_flag(v) for v in rm[lm_col]]
        except ValueError as exc:
            raise InputError(source, str(exc), field=lm_col) from None
    else:
        lm = [None] * len(rm)
    symbol = list(rm["pr_gene_symbol"]) if "pr_gene_symbol" in rm.columns else [""] * len(rm)
    genes = pd.DataFrame({"row": range(len(rm)), "entrez_id": entrez, "symbol": symbol, "lm": lm})
    genes = genes[genes["entrez_id"].notna()]
    genes = genes.assign(_order=[0 if v is True else 1 for v in genes["lm"]])
    genes = genes.sort_values(["_order", "row"], kind="stable").drop_duplicates("entrez_id").sort_values("row")
    values = gct.data.iloc[genes["row"].to_numpy()].T
    values.columns = pd.Index(genes["entrez_id"].astype("int64").to_numpy(), name="entrez_id")
    values.index.name = "sample_id"
    gene_frame = pd.DataFrame(
        {
            "entrez_id": genes["entrez_id"].astype("int64").to_numpy(),
            "symbol": ["" if is_missing(s) else str(s) for s in genes["symbol"]],
            "is_landmark": pd.array(list(genes["lm"]), dtype="boolean"),
        }
    )
    samples = _samples_frame(gct.col_meta.reindex(gct.data.columns), source, require_meta)
    samples.index.name = "sample_id"
    return Profiles(values.astype("float32"), gene_frame, samples, source)


# --------------------------------------------------------------------------- info tables
def read_sig_info(path: str | Path) -> pd.DataFrame:
    """LINCS ``sig_info`` / ``inst_info`` table (TSV/.gz): strings, unique sig_id."""
    path = Path(path)
    df = read_table(path, ["sig_id", "pert_id", "cell_id", "pert_type"])
    check_unique(df["sig_id"], path, "sig_id")
    return df


def read_pert_info(path: str | Path) -> pd.DataFrame:
    """LINCS ``pert_info`` (TSV/.gz): unique pert_id; molecular_wt float; inchi_key without prefix."""
    path = Path(path)
    df = read_table(path, ["pert_id", "pert_iname"])
    check_unique(df["pert_id"], path, "pert_id")
    if "molecular_wt" in df.columns:
        df["molecular_wt"] = to_float(df["molecular_wt"], path, "molecular_wt")
    if "inchi_key" in df.columns:
        df["inchi_key"] = df["inchi_key"].str.replace(r"^InChIKey=", "", regex=True)
        df.loc[df["inchi_key"].map(is_missing), "inchi_key"] = ""
    if "molecular_formula" in df.columns:
        df.loc[df["molecular_formula"].map(is_missing), "molecular_formula"] = ""
    return df


def read_gene_info(path: str | Path) -> pd.DataFrame:
    """LINCS gene table (GSE92742 gene_info or probe-level geneinfo) → entrez_id, symbol, name, is_landmark."""
    from kgexpr.sources.gene_ids import GeneIdMap

    t = GeneIdMap.from_lincs(path).table
    return pd.DataFrame(
        {"entrez_id": t["entrez_id"], "symbol": t["symbol"], "name": t["name"], "is_landmark": t["is_lm"]}
    )


def attach_sig_info(data: GctData | Profiles, sig_info: pd.DataFrame) -> GctData | Profiles:
    """Fill missing sample metadata from a sig_info/inst_info frame joined on sample id."""
    key = next((k for k in _SIG_KEYS if k in sig_info.columns), None)
    if key is None:
        raise InputError("sig_info", f"missing column 'sig_id' (found: {', '.join(sig_info.columns[:12])})",
                         field="sig_id")
    info = sig_info.drop_duplicates(key).set_index(key)
    info.index = info.index.astype(str)
    if isinstance(data, GctData):
        ids = data.data.columns
        extra = info.reindex(ids)
        meta = data.col_meta.reindex(ids).copy()
        for col in extra.columns:
            if col not in meta.columns:
                meta[col] = extra[col]
            else:
                miss = meta[col].map(is_missing)
                meta.loc[miss, col] = extra.loc[miss, col]
        return replace(data, col_meta=meta)
    derived = _samples_frame(info.reindex(data.samples.index), data.source, require=False)
    samples = data.samples.copy()
    for col in samples.columns:
        if col in ("dose_um", "time_h"):
            samples[col] = samples[col].fillna(derived[col])
        else:
            miss = samples[col].map(is_missing)
            samples.loc[miss, col] = derived.loc[miss, col]
    return replace(data, samples=samples)


# --------------------------------------------------------------------------- selection
def select(
    profiles: Profiles,
    cell_line: str | None,
    pert_types: Iterable[str] | None = ("trt_cp",),
    landmark_only: bool = True,
) -> Profiles:
    """Samples of one cell line / pert types, complete values, no duplicate samples.

    Drops genes without any value, then samples with a missing value, repeated sample ids,
    and repeated samples (same pert_id, dose, time and identical values).  Landmark
    filtering is skipped when the genes carry no landmark flag.
    """
    s = profiles.samples
    mask = pd.Series(True, index=s.index)
    if cell_line:
        mask &= s["cell_id"].map(normalise_cell_line) == normalise_cell_line(cell_line)
    types = list(pert_types) if pert_types else None
    if types:
        mask &= s["pert_type"].isin(types)
    genes = profiles.genes
    if landmark_only and genes["is_landmark"].notna().any():
        genes = genes[genes["is_landmark"].fillna(False).astype(bool)]
    values = profiles.values.loc[mask.to_numpy(), genes["entrez_id"].to_numpy()]
    values = values.loc[:, values.notna().any(axis=0)]
    values = values[values.notna().all(axis=1)]
    values = values[~values.index.duplicated()]
    if len(values):
        key = s.loc[values.index, ["pert_id", "dose_um", "time_h"]].reset_index(drop=True)
        dup = pd.concat([key, values.reset_index(drop=True)], axis=1).duplicated().to_numpy()
        values = values[~dup]
    if values.empty or values.shape[1] == 0:
        cells = s["cell_id"].value_counts()
        kinds = s["pert_type"].value_counts()
        raise InputError(
            "expression",
            f"no complete samples for cell line {cell_line!r} and pert types {types}; "
            f"available cell lines: {', '.join(f'{k} ({v})' for k, v in cells.head(30).items())}; "
            f"pert types: {', '.join(f'{k} ({v})' for k, v in kinds.items())}",
            field="cell_id",
        )
    kept_genes = genes.set_index("entrez_id").loc[values.columns].reset_index()
    return Profiles(values, kept_genes[list(profiles.genes.columns)], s.loc[values.index], profiles.source)


#: the LINCS L1000 core cell lines (profiled with most compounds)
LINCS_CORE_CELL_LINES = ("A375", "A549", "HA1E", "HCC515", "HEPG2", "HT29", "MCF7", "PC3", "VCAP")
#: MCF7 is chosen automatically only when it has at least this many compound samples
MIN_MCF7_SAMPLES = 50


def pick_cell_line(samples: pd.DataFrame, wanted: str) -> str:
    """``wanted``, or for "auto": MCF7 (the paper's line) with >= 50 compound samples, else the line with the most."""
    if wanted != "auto":
        return wanted
    counts = samples.loc[samples["pert_type"] == "trt_cp", "cell_id"].value_counts()
    if counts.empty:
        raise KgexprError("the expression data has no compound (trt_cp) samples")
    if counts.get("MCF7", 0) >= MIN_MCF7_SAMPLES:
        return "MCF7"
    return str(counts.index[0])


def mutation_cell_lines(cells: pd.DataFrame | Iterable[str]) -> list[str]:
    """Cell lines whose mutations become super-nodes: the LINCS core lines and those in the data."""
    names = cells["cell_id"].astype(str) if isinstance(cells, pd.DataFrame) else [str(c) for c in cells]
    return sorted({c for c in names if c.strip()} | set(LINCS_CORE_CELL_LINES))


def scale_unit(values: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Min-max scale each gene (column) to [0, 1]; constant genes become 0.0. Returns (scaled, mins, maxs)."""
    mins = values.min(axis=0)
    maxs = values.max(axis=0)
    span = (maxs - mins).where(lambda x: x > 0)
    scaled = (values - mins) / span
    scaled.loc[:, span.isna().to_numpy()] = 0.0
    scaled = scaled.where(values.notna())
    return scaled.astype("float64"), mins, maxs


# --------------------------------------------------------------------------- formulas
_ELEMENTS = frozenset(
    """H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr
    Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb
    Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr D
    """.split()
)
_COUNTED = ("C", "H", "N", "O", "S", "P", "F", "Cl", "Br", "I")
_TOKEN = re.compile(r"[A-Z][a-z]?|\d+|[().·]")


def formula_descriptors(formula: str, *, path: str = "molecular_formula") -> dict[str, int]:
    """Element counts of a formula like "C21H23ClFN3O" (also "(…)n", ".H2O"): C,H,N,O,S,P,F,Cl,Br,I,other.

    Raises :class:`InputError` (a ValueError) on anything that is not a formula.
    """
    text = "" if formula is None else str(formula).strip()
    tokens = _TOKEN.findall(text)
    if not text or "".join(tokens) != text:
        raise InputError(path, f"not a molecular formula: {formula!r}", field="molecular_formula")
    counts: dict[str, int] = {}
    stack: list[dict[str, int]] = [{}]
    i, part_mult = 0, 1
    while i < len(tokens):
        t = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) and tokens[i + 1].isdigit() else None
        if t == "(":
            stack.append({})
        elif t == ")":
            if len(stack) < 2:
                raise InputError(path, f"unbalanced ')' in {formula!r}", field="molecular_formula")
            inner = stack.pop()
            k = int(nxt) if nxt else 1
            for e, c in inner.items():
                stack[-1][e] = stack[-1].get(e, 0) + c * k
        elif t in (".", "·"):
            part_mult = 1
            if nxt:  # ".2H2O" style hydrate multiplier
                part_mult = int(nxt)
        elif t.isdigit():
            if i == 0:
                part_mult = int(t)
            else:
                raise InputError(path, f"misplaced number in {formula!r}", field="molecular_formula")
        else:
            if t not in _ELEMENTS:
                raise InputError(path, f"unknown element {t!r} in {formula!r}", field="molecular_formula")
            k = int(nxt) if nxt else 1
            stack[-1][t] = stack[-1].get(t, 0) + k * part_mult
        i += 2 if nxt and t not in ("(",) else 1
    if len(stack) != 1:
        raise InputError(path, f"unbalanced '(' in {formula!r}", field="molecular_formula")
    counts = stack[0]
    if not counts:
        raise InputError(path, f"not a molecular formula: {formula!r}", field="molecular_formula")
    out = {e: int(counts.get(e, 0)) for e in _COUNTED}
    out["other"] = int(sum(c for e, c in counts.items() if e not in _COUNTED))
    return out

