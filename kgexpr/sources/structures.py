"""Chemical structures (SMILES / InChI) per perturbagen, gathered from every source the data directory has.

One table so the chemistry code never needs to know where a structure came from: the
expression set's own compound table, the data directory's LINCS pertinfo, the Drug
Repurposing Hub export and DrugBank slim, in that order.  Per pert_id the structure
(smiles + inchi, and the ``source`` naming it) comes from the first source that has one;
each other field from the first source that has a value for it.  Missing text is "",
a missing weight NaN; LINCS placeholders (-666, "restricted") count as missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from kgexpr.sources._io import is_missing, read_table

__all__ = ["COLUMNS", "SOURCES", "gather_structures", "merge_structures", "read_hub_structures", "read_drugbank_structures",
           "read_lincs_structures"]

COLUMNS = ["pert_id", "pert_iname", "smiles", "inchi", "inchi_key", "molecular_formula", "molecular_wt", "source"]
#: source names in precedence order
SOURCES = ("expression_set", "lincs_pertinfo", "repurposing_hub", "drugbank")
_TEXT = ["pert_iname", "smiles", "inchi", "inchi_key", "molecular_formula"]
_PLACEHOLDERS = frozenset({"restricted", "not available", "unknown"})


def _text(value: object) -> str:
    """Stripped text, "" for the providers' missing markers."""
    if is_missing(value):
        return ""
    text = str(value).strip()
    return "" if text.lower() in _PLACEHOLDERS else text


def _key(value: object) -> str:
    return _text(value).removeprefix("InChIKey=")


def _inchi(value: object) -> str:
    text = _text(value)
    return text if text.startswith("InChI=") else ""


def _frame(rows: dict[str, list], source: str) -> pd.DataFrame:
    """Rows in the common schema (absent columns empty), one per pert_id (the first)."""
    n = len(rows["pert_id"])
    df = pd.DataFrame({c: rows.get(c, [""] * n) for c in COLUMNS if c not in ("molecular_wt", "source")})
    for c in df.columns:
        df[c] = [_text(v) for v in df[c]]
    df["inchi"] = [_inchi(v) for v in df["inchi"]]
    df["inchi_key"] = [_key(v) for v in df["inchi_key"]]
    wt = rows.get("molecular_wt")
    df["molecular_wt"] = (pd.to_numeric(pd.Series(list(wt)).map(lambda v: np.nan if is_missing(v) else v),
                                        errors="coerce").to_numpy(dtype=float) if wt is not None else np.nan)
    df["source"] = source
    df = df[df["pert_id"] != ""]
    return df[COLUMNS].drop_duplicates("pert_id").reset_index(drop=True)


def _columns(df: pd.DataFrame, mapping: dict[str, str]) -> dict[str, list]:
    """Common-schema columns from a provider table: ``mapping`` common name -> provider column."""
    return {ours: df[theirs].tolist() for ours, theirs in mapping.items() if theirs in df.columns}


def read_lincs_structures(path: str | Path, *, own_table: bool = False) -> pd.DataFrame:
    """A LINCS pert_info (``own_table``: a release's compound table such as CLUE compoundinfo_beta)."""
    if own_table:
        from kgexpr.sources.expression_sets import read_compound_table

        df, source = read_compound_table(path), "expression_set"
    else:
        from kgexpr.sources.lincs import read_pert_info

        df, source = read_pert_info(path), "lincs_pertinfo"
    return _frame(_columns(df, {"pert_id": "pert_id", "pert_iname": "pert_iname", "smiles": "canonical_smiles",
                                "inchi": "inchi_string", "inchi_key": "inchi_key",
                                "molecular_formula": "molecular_formula", "molecular_wt": "molecular_wt"}), source)


def _split(value: str) -> list[str]:
    """A Hub list cell: comma-separated (SMILES contain no commas)."""
    return [v.strip() for v in str(value).split(",")] if _text(value) else []


def _nth(values: list[str], i: int) -> str:
    """The i-th sample's value of a Hub list (a single value serves every sample)."""
    return values[0] if len(values) == 1 else values[i] if i < len(values) else ""


def read_hub_structures(path: str | Path) -> pd.DataFrame:
    """Drug Repurposing Hub export: ``Id`` lists sample ids, ``SMILES``/``InChIKey`` one value per sample id.

    A sample id's first 13 characters are its pert_id; a row may list several pert_ids, each takes
    the structure of its first sample with one (a single SMILES serves every sample).
    """
    from kgexpr.sources.drug_targets import normalise_pert_id

    df = read_table(path, ["Id"])
    rows: dict[str, list] = {c: [] for c in ("pert_id", "pert_iname", "smiles", "inchi_key")}
    has_smiles, has_key, has_name = ("SMILES" in df.columns, "InChIKey" in df.columns, "Name" in df.columns)
    for pos in range(len(df)):
        ids = _split(df["Id"].iat[pos])
        smiles = _split(df["SMILES"].iat[pos]) if has_smiles else []
        keys = _split(df["InChIKey"].iat[pos]) if has_key else []
        name = df["Name"].iat[pos] if has_name else ""

        for i, sample in enumerate(ids):
            rows["pert_id"].append(normalise_pert_id(sample))
            rows["pert_iname"].append(name)
            rows["smiles"].append(_text(_nth(smiles, i)))
            rows["inchi_key"].append(_nth(keys, i))
    out = pd.DataFrame(rows)
    if len(out):  # per pert_id: the first sample with a SMILES
        out = out.iloc[np.argsort(out["smiles"].eq("").to_numpy(), kind="stable")]
    return _frame({c: out[c].tolist() for c in out.columns}, "repurposing_hub")


def read_drugbank_structures(slim_path: str | Path) -> pd.DataFrame:
    """DrugBank slim: pert_id is the DrugBank id (consensus signatures are keyed by it); InChI, its formula layer."""
    slim = read_table(slim_path, ["drugbank_id", "name"], quoted=True)  # descriptions span lines
    inchi = [_inchi(v) for v in slim["inchi"]] if "inchi" in slim.columns else [""] * len(slim)
    formula = [t.split("/")[1] if t.count("/") >= 1 else "" for t in inchi]
    return _frame({"pert_id": slim["drugbank_id"].tolist(), "pert_iname": slim["name"].tolist(), "inchi": inchi,
                   "inchi_key": slim["inchikey"].tolist() if "inchikey" in slim.columns else [""] * len(slim),
                   "molecular_formula": formula}, "drugbank")


def _sources(catalog, es) -> list[pd.DataFrame]:
    frames = []
    if es is not None and getattr(es, "pert_info", None) is not None:
        frames.append(read_lincs_structures(es.pert_info, own_table=True))
    if catalog is not None:
        if catalog.pert_info is not None:
            frames.append(read_lincs_structures(catalog.pert_info))
        if catalog.repurposing_hub is not None:
            frames.append(read_hub_structures(catalog.repurposing_hub))
        if catalog.drugbank is not None:
            frames.append(read_drugbank_structures(catalog.drugbank[1]))
    return frames


def merge_structures(frames: list[pd.DataFrame], pert_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Source frames (precedence order, common schema) -> one row per pert_id, sorted by pert_id."""
    wanted = None if pert_ids is None else set(map(str, pert_ids))
    frames = [f if wanted is None else f[f["pert_id"].isin(wanted)] for f in frames]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "molecular_wt" else object) for c in COLUMNS})
    long = pd.concat(frames, ignore_index=True)  # row order = precedence within each pert_id
    has = (long["smiles"] != "") | (long["inchi"] != "")
    structure = long.loc[has].drop_duplicates("pert_id").set_index("pert_id")[["smiles", "inchi", "source"]]
    fields = long[["pert_id", *[c for c in _TEXT if c not in ("smiles", "inchi")], "molecular_wt"]].copy()
    for c in ("pert_iname", "inchi_key", "molecular_formula"):
        fields[c] = fields[c].replace("", np.nan)
    out = fields.groupby("pert_id", sort=True).first()  # first non-missing value per field
    out = out.join(structure, how="left")
    for c in _TEXT + ["source"]:
        out[c] = out[c].fillna("").astype(str)
    out["molecular_wt"] = out["molecular_wt"].astype(float)
    return out.reset_index()[COLUMNS]


def gather_structures(catalog, es, pert_ids: Iterable[str] | None) -> pd.DataFrame:
    """pert_id, pert_iname, smiles, inchi, inchi_key, molecular_formula, molecular_wt, source.

    One row per pert_id of ``pert_ids`` (all when None) that any source describes; ``source`` names
    where the structure came from ("" when none has one).
    """
    return merge_structures(_sources(catalog, es), pert_ids)
