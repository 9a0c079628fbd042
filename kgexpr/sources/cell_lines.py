"""Cell-line mutation tables (GDSC/COSMIC, DepMap) → cell_lines + mutations frames.

Cell lines are keyed by :func:`normalise_cell_line` so LINCS ``cell_id`` "PC3" meets GDSC
"PC-3"; the provider's spelling is kept in the extra ``label`` column.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from kgexpr.errors import InputError
from kgexpr.sources._io import (
    MUTATIONS,
    check_columns,
    check_unique,
    is_missing,
    read_table,
    read_text,
    to_int,
)
from kgexpr.sources.gene_ids import GeneIdMap

__all__ = [
    "normalise_cell_line",
    "read_gdsc_alterations",
    "read_gdsc_cell_lines",
    "read_cosmic_cell_lines_export",
    "read_depmap_mutations",
]

_NON_ALNUM = re.compile(r"[^A-Z0-9]")
_TRANSCRIPT = re.compile(r"_ENST\d+(\.\d+)?$")


def normalise_cell_line(name: object) -> str:
    """One key per cell line across providers: uppercase, only [A-Z0-9] ("MCF-7", "mcf 7" → "MCF7")."""
    if is_missing(name):
        return ""
    return _NON_ALNUM.sub("", str(name).upper())


def _cell_lines(labels: list[str], tissues: list[str], cosmic: list[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """cell_lines frame (name=key, tissue, cosmic_id, label) and label → key.

    Distinct lines whose names normalise alike (GDSC has "KM-H2"/"KMH-2", "TT"/"T-T") get
    the COSMIC id appended to the key instead of being merged.
    """
    df = pd.DataFrame({"label": labels, "tissue": tissues, "cosmic_id": cosmic}).astype(str)
    for col in ("tissue", "cosmic_id"):
        df.loc[df[col].map(is_missing), col] = ""
    # first row per line, preferring rows that carry a tissue / COSMIC id
    rank = df["tissue"].eq("").astype(int) + df["cosmic_id"].eq("").astype(int)
    df = df.assign(_rank=rank).reset_index(names="_pos")
    df = df.sort_values(["_rank", "_pos"], kind="stable").drop_duplicates("label").sort_values("_pos")
    df = df.drop(columns=["_rank", "_pos"]).reset_index(drop=True)
    df["name"] = [normalise_cell_line(x) for x in df["label"]]
    clash = df["name"].duplicated(keep=False)
    df.loc[clash, "name"] = [
        f"{n}_{c}" if c else f"{n}_{lab}" for n, c, lab in zip(df.loc[clash, "name"], df.loc[clash, "cosmic_id"], df.loc[clash, "label"])
    ]
    out = df[["name", "tissue", "cosmic_id", "label"]].astype(str).reset_index(drop=True)
    return out, dict(zip(df["label"], df["name"]))


def _mutations(cell_keys: list[str], entrez: list, types: list[str]) -> pd.DataFrame:
    df = pd.DataFrame({"cell_line": cell_keys, "entrez_id": entrez, "type": types})
    df = df[df["entrez_id"].notna()]
    return df.astype(MUTATIONS).drop_duplicates(ignore_index=True)


def _map_symbols(symbols: pd.Series, gene_ids: GeneIdMap) -> tuple[list, int]:
    """Symbols → Entrez (None if unmapped) using each distinct symbol once; also the unmapped count."""
    uniq = list(dict.fromkeys(symbols))
    ids = dict(zip(uniq, gene_ids.to_entrez(uniq).astype(object)))
    mapped = [None if pd.isna(ids[s]) else int(ids[s]) for s in symbols]
    return mapped, sum(1 for s in uniq if pd.isna(ids[s]))


def read_gdsc_alterations(
    path: str | Path, gene_ids: GeneIdMap, types: tuple[str, ...] | None = ("Point.mutation",)
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """GDSC ``omnibem_genomic_alterations.csv(.gz)`` → (cell_lines, mutations of ``types``).

    Rows without a GENE (region-level CNAs, written NA) are skipped; symbols are mapped with
    ``gene_ids`` and unmapped ones dropped (count in ``mutations.attrs["unmapped_genes"]``).
    ``types=None`` keeps every alteration type.
    """
    path = Path(path)
    df = read_table(path, ["COSMIC.ID", "GENE", "SAMPLE", "TYPE"], sep=",")
    to_int(df["COSMIC.ID"], path, "COSMIC.ID")
    tissue = df["TISSUE.TYPE"] if "TISSUE.TYPE" in df.columns else pd.Series("", index=df.index)
    lines, key = _cell_lines(list(df["SAMPLE"]), list(tissue), list(df["COSMIC.ID"]))
    keep = ~df["GENE"].map(is_missing)
    if types is not None:
        keep &= df["TYPE"].isin(list(types))
    sub = df[keep]
    entrez, unmapped = _map_symbols(sub["GENE"], gene_ids)
    muts = _mutations([key[s] for s in sub["SAMPLE"]], entrez, list(sub["TYPE"]))
    muts.attrs["unmapped_genes"] = unmapped
    return lines, muts


def read_gdsc_cell_lines(path: str | Path) -> pd.DataFrame:
    """GDSC ``cancer_cell_lines.csv`` (NAME, COSMIC, TISSUE) → cell_lines frame."""
    path = Path(path)
    df = read_table(path, ["NAME", "COSMIC"], sep=",")
    to_int(df["COSMIC"], path, "COSMIC")
    check_unique(df["COSMIC"], path, "COSMIC")
    tissue = df["TISSUE"] if "TISSUE" in df.columns else pd.Series("", index=df.index)
    lines, _ = _cell_lines(list(df["NAME"]), list(tissue), list(df["COSMIC"]))
    return lines


def read_cosmic_cell_lines_export(path: str | Path, gene_ids: GeneIdMap) -> tuple[pd.DataFrame, pd.DataFrame]:
    """COSMIC Cell Lines Project mutant export (TSV) → (cell_lines, mutations).

    Gene names lose COSMIC's "_ENST..." transcript suffix; type is "Mutation Description"
    when present (e.g. "Substitution - Missense"), else "mutation".
    """
    path = Path(path)
    df = read_table(path, ["Sample name", "Gene name"])
    if not ({"Mutation CDS", "Mutation AA"} & set(df.columns)):
        check_columns(df, ["Mutation CDS"], path)
    cosmic = df["ID_sample"] if "ID_sample" in df.columns else pd.Series("", index=df.index)
    if "ID_sample" in df.columns:
        to_int(cosmic, path, "ID_sample")
    tissue = df["Primary site"] if "Primary site" in df.columns else pd.Series("", index=df.index)
    lines, key = _cell_lines(list(df["Sample name"]), list(tissue), list(cosmic))
    desc = df["Mutation Description"] if "Mutation Description" in df.columns else pd.Series("", index=df.index)
    kinds = ["mutation" if is_missing(d) else d for d in desc]
    symbols = df["Gene name"].str.replace(_TRANSCRIPT, "", regex=True)
    keep = ~symbols.map(is_missing)
    entrez, unmapped = _map_symbols(symbols[keep], gene_ids)
    muts = _mutations(
        [key[s] for s in df.loc[keep, "Sample name"]], entrez, [k for k, ok in zip(kinds, keep) if ok]
    )
    muts.attrs["unmapped_genes"] = unmapped
    return lines, muts


_DEPMAP_ID = ("DepMap_ID", "ModelID", "depmap_id")
_DEPMAP_ENTREZ = ("Entrez_Gene_Id", "EntrezGeneID")
_DEPMAP_SYMBOL = ("Hugo_Symbol", "HugoSymbol")
_DEPMAP_TYPE = ("Variant_Classification", "VariantInfo", "VariantType")
_DEPMAP_NAME = ("CCLE_Name", "StrippedCellLineName", "CellLineName", "cell_line_name", "Tumor_Sample_Barcode")


def read_depmap_mutations(path: str | Path, gene_ids: GeneIdMap | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """DepMap/CCLE mutation table (CSV or TSV) → (cell_lines, mutations).

    Cell lines are named from a CCLE name column when present ("MCF7_BREAST" → MCF7, tissue
    BREAST), else by DepMap/Model id.  Entrez comes from Entrez_Gene_Id; missing/0 ids are
    resolved from Hugo_Symbol with ``gene_ids`` when given, else dropped.
    """
    path = Path(path)
    text = read_text(path)
    sep = "\t" if "\t" in text.split("\n", 1)[0] else ","
    df = read_table(path, [], sep=sep, text=text)

    def pick(options: tuple[str, ...], required: bool) -> str | None:
        col = next((c for c in options if c in df.columns), None)
        if col is None and required:
            check_columns(df, [options[0]], path)
        return col

    id_col = pick(_DEPMAP_ID, True)
    type_col = pick(_DEPMAP_TYPE, True)
    entrez_col = pick(_DEPMAP_ENTREZ, False)
    symbol_col = pick(_DEPMAP_SYMBOL, entrez_col is None)
    name_col = pick(_DEPMAP_NAME, False)
    if entrez_col is None and gene_ids is None:
        raise InputError(path, "no Entrez_Gene_Id column: pass gene_ids to map Hugo_Symbol", field="Entrez_Gene_Id")

    n = len(df)
    if name_col:
        full = [(i if is_missing(x) else x) for x, i in zip(df[name_col], df[id_col])]
        labels = [x.split("_", 1)[0] if name_col in ("CCLE_Name", "Tumor_Sample_Barcode") else x for x in full]
        tissue = [x.split("_", 1)[1] if "_" in x and name_col in ("CCLE_Name", "Tumor_Sample_Barcode") else "" for x in full]
    else:
        labels, tissue = list(df[id_col]), [""] * n
    cosmic = list(df["COSMICID"]) if "COSMICID" in df.columns else [""] * n
    lines, key = _cell_lines(labels, tissue, cosmic)

    entrez: list = [None] * n
    if entrez_col:
        raw = df[entrez_col].where(~df[entrez_col].map(is_missing), "0")
        nums = to_int(raw, path, entrez_col)
        entrez = [int(v) if v > 0 else None for v in nums]
    if symbol_col and gene_ids is not None:
        todo = [i for i, e in enumerate(entrez) if e is None]
        if todo:
            mapped, _ = _map_symbols(df[symbol_col].iloc[todo], gene_ids)
            for i, m in zip(todo, mapped):
                entrez[i] = m
    kinds = ["mutation" if is_missing(t) else t for t in df[type_col]]
    muts = _mutations([key[x] for x in labels], entrez, kinds)
    return lines, muts

