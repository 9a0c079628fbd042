"""Expression sets in a data directory: the official LINCS releases, plain GCT(X) files, consensus tables.

A set is one matrix plus the metadata published beside it.  The three official level-5
releases are recognised by their own file names (one folder per release or side by side):

=========  ==========================================================  ======================================
release    matrix                                                      metadata
=========  ==========================================================  ======================================
GSE92742   GSE92742_Broad_LINCS_Level5_COMPZ.MODZ_n473647x12328.gctx   GSE92742_Broad_LINCS_{sig,pert,gene,cell}_info.txt.gz
GSE70138   GSE70138_Broad_LINCS_Level5_COMPZ_n118050x12328_*.gctx      GSE70138_Broad_LINCS_{sig,pert,gene,cell}_info_*.txt.gz
CLUE2020   level5_beta_*_n*x12328.gctx                                 {siginfo,geneinfo,compoundinfo,cellinfo}_beta.txt
=========  ==========================================================  ======================================

Loading reads the signature table first, applies the user's :class:`Selection`
(cell line, pert type, time, dose, a seeded draw of at most N), and then reads only the
chosen columns and the landmark rows of the matrix (see :mod:`kgexpr.sources.gct`).
Consensus tables (compounds x Entrez genes, e.g. dhimmel/lincs ``consensi-drugbank.tsv.gz``)
are one sample per compound with no cell line, dose or time.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from kgexpr.errors import InputError, KgexprError, reading_input
from kgexpr.progress import bar, human_bytes
from kgexpr.sources import gct
from kgexpr.sources._io import is_missing, parse_flag
from kgexpr.sources.cell_lines import normalise_cell_line
from kgexpr.sources.lincs import Profiles, _entrez, _samples_frame, pick_cell_line, select, to_profiles

__all__ = ["Release", "RELEASES", "ExpressionSet", "Selection", "discover", "find_set", "load_expression",
           "read_signature_table", "LEVEL5", "CONSENSUS", "LoadedExpression", "describe_sets", "read_compound_table"]

LEVEL5 = "level5"
CONSENSUS = "consensus"


@dataclass(frozen=True)
class Release:
    """How one official release names its files (glob patterns, case-sensitive as published)."""

    name: str
    matrix: tuple[str, ...]
    sig_info: tuple[str, ...]
    gene_info: tuple[str, ...]
    pert_info: tuple[str, ...]
    cell_info: tuple[str, ...]
    description: str


RELEASES: dict[str, Release] = {
    "GSE92742": Release(
        "GSE92742", ("GSE92742_Broad_LINCS_Level5_*.gctx",), ("GSE92742_Broad_LINCS_sig_info*.txt*",),
        ("GSE92742_Broad_LINCS_gene_info*.txt*",), ("GSE92742_Broad_LINCS_pert_info*.txt*",),
        ("GSE92742_Broad_LINCS_cell_info*.txt*",), "LINCS Phase I (GEO GSE92742)"),
    "GSE70138": Release(
        "GSE70138", ("GSE70138_Broad_LINCS_Level5_*.gctx",), ("GSE70138_Broad_LINCS_sig_info*.txt*",),
        ("GSE70138_Broad_LINCS_gene_info*.txt*",), ("GSE70138_Broad_LINCS_pert_info*.txt*",),
        ("GSE70138_Broad_LINCS_cell_info*.txt*",), "LINCS Phase II (GEO GSE70138)"),
    "CLUE2020": Release(
        "CLUE2020", ("level5_beta_*.gctx",), ("siginfo_beta.txt*",), ("geneinfo_beta.txt*",),
        ("compoundinfo_beta.txt*",), ("cellinfo_beta.txt*",), "CMap LINCS 2020 (clue.io)"),
}
#: plain GCT(X) files with their metadata inside (cmapR / dhimmel / single plates) live in these folders
_PLAIN_FOLDER = "lincs-l1000"
_PLAIN_SIG_INFO = ("siginfo*.tsv*", "*sig_info*.txt*")
_CONSENSUS_FILES = ("consensi-*.tsv*", "consensus*.tsv*")
_CONSENSUS_GENES = ("landmark_genes*.tsv*",)
#: sig_info spellings across releases -> the names the rest of kgexpr uses
_SIG_RENAMES = {"cell_iname": "cell_id", "cmap_name": "pert_iname"}
_SIG_COLUMNS = ("sig_id", "pert_id", "pert_iname", "cmap_name", "pert_type", "cell_id", "cell_iname",
                "pert_dose", "pert_dose_unit", "pert_idose", "pert_time", "pert_time_unit", "pert_itime")
_LM_COLUMNS = ("pr_is_lm", "pr_is_lmark", "is_lm")


@dataclass(frozen=True)
class ExpressionSet:
    """One matrix and the metadata files that describe it."""

    name: str
    kind: str  # LEVEL5 | CONSENSUS
    release: str  # a RELEASES key, "gct" (metadata inside the file) or "consensus"
    path: Path
    sig_info: Path | None = None
    gene_info: Path | None = None
    pert_info: Path | None = None
    cell_info: Path | None = None
    extra: tuple[Path, ...] = ()

    @property
    def files(self) -> list[Path]:
        return [p for p in (self.path, self.sig_info, self.gene_info, self.pert_info, self.cell_info, *self.extra) if p]

    @property
    def n_signatures(self) -> int:
        if self.kind == CONSENSUS:
            return len(_consensus_ids(self.path))
        return gct.matrix_shape(self.path)[1]

    def samples(self) -> pd.DataFrame:
        """The tidy sample table of every signature in the matrix (no values read; do not modify it).

        Parsed once per process and file state: choosing the default set and loading it both need
        it, and a release's signature table has up to 1.2 M rows.
        """
        return _samples_of(self, tuple(p.stat().st_mtime_ns for p in self.files))

    def summary(self) -> dict:
        """Files with sizes, and counts of signatures, compounds and cell lines (for ``kgexpr data``)."""
        s = self.samples()
        cp = s[s["pert_type"] == "trt_cp"]
        return {
            "name": self.name, "kind": self.kind, "release": self.release,
            "files": {str(p): p.stat().st_size for p in self.files},
            "signatures": int(len(s)), "compound_signatures": int(len(cp)),
            "compounds": int(cp["pert_id"].nunique()),
            "cell_lines": int(cp.loc[cp["cell_id"] != "", "cell_id"].nunique()),
        }


@functools.lru_cache(maxsize=2)
def _samples_of(es: ExpressionSet, _file_state: tuple) -> pd.DataFrame:
    if es.kind == CONSENSUS:
        return _consensus_samples(_consensus_ids(es.path))
    return _level5_samples(es)


@dataclass(frozen=True)
class Selection:
    """Which signatures to read: one cell line ("auto": MCF7 as in the paper when it has enough), pert types,
    optional time (h) and dose (µM), and at most ``max_signatures`` (a seeded draw)."""

    cell_line: str | None = "auto"
    pert_types: tuple[str, ...] = ("trt_cp",)
    time_h: float | None = None
    dose_um: float | None = None
    max_signatures: int | None = None
    seed: int = 0

    def apply(self, samples: pd.DataFrame, kind: str = LEVEL5) -> tuple[pd.Index, str]:
        """The chosen sample ids in file order, and the cell line they are of ("" when pooled)."""
        mask = pd.Series(True, index=samples.index)
        if self.pert_types:
            mask &= samples["pert_type"].isin(self.pert_types)
        cell = ""
        if kind == LEVEL5 and self.cell_line:
            cell = pick_cell_line(samples[mask], self.cell_line) if self.cell_line == "auto" else self.cell_line
            mask &= samples["cell_id"].map(normalise_cell_line) == normalise_cell_line(cell)
        if self.time_h is not None:
            mask &= np.isclose(samples["time_h"].astype(float), self.time_h)
        if self.dose_um is not None:
            mask &= np.isclose(samples["dose_um"].astype(float), self.dose_um, rtol=0.05)
        chosen = samples.index[mask.to_numpy()]
        if len(chosen) == 0:
            raise KgexprError(_nothing_selected(samples, self, cell))
        if self.max_signatures is not None and len(chosen) > self.max_signatures:
            rng = np.random.default_rng(self.seed)
            keep = np.sort(rng.choice(len(chosen), size=self.max_signatures, replace=False))
            chosen = chosen[keep]
        return chosen, cell


def _nothing_selected(samples: pd.DataFrame, sel: Selection, cell: str) -> str:
    what = [f"pert type {','.join(sel.pert_types)}" if sel.pert_types else "any pert type"]
    if cell:
        what.append(f"cell line {cell}")
    if sel.time_h is not None:
        what.append(f"time {sel.time_h:g} h")
    if sel.dose_um is not None:
        what.append(f"dose {sel.dose_um:g} µM")
    cp = samples[samples["pert_type"].isin(sel.pert_types)] if sel.pert_types else samples
    cells = cp["cell_id"].value_counts().head(12)
    hint = f"; cell lines with such signatures: {', '.join(f'{k} ({v})' for k, v in cells.items())}" if len(cells) else ""
    kinds = ", ".join(f"{k} ({v})" for k, v in samples["pert_type"].value_counts().head(8).items())
    return f"no signatures for {', '.join(what)}{hint}; pert types: {kinds}"


# --------------------------------------------------------------------------- discovery
def _match(folder: Path, patterns: Sequence[str]) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and any(fnmatch.fnmatchcase(p.name, pat) for pat in patterns))


def _first(folder: Path, patterns: Sequence[str]) -> Path | None:
    hits = _match(folder, patterns)
    return hits[0] if hits else None


def _folder_sets(folder: Path, data_dir: Path, fallback_gene_info: Path | None) -> list[ExpressionSet]:
    found: list[ExpressionSet] = []
    claimed: set[Path] = set()
    for rel in RELEASES.values():
        for matrix in _match(folder, rel.matrix):
            claimed.add(matrix)
            found.append(ExpressionSet(
                name=folder.name, kind=LEVEL5, release=rel.name, path=matrix,
                sig_info=_first(folder, rel.sig_info), gene_info=_first(folder, rel.gene_info) or fallback_gene_info,
                pert_info=_first(folder, rel.pert_info), cell_info=_first(folder, rel.cell_info)))
    if folder.name.startswith(_PLAIN_FOLDER) or folder == data_dir:
        files = [p for p in sorted(folder.iterdir()) if p.is_file() and p not in claimed
                 and (p.suffix.lower() in (".gct", ".gctx") or p.name.lower().endswith(".gct.gz"))]
        stems_x = {p.stem for p in files if p.suffix.lower() == ".gctx"}
        sig = _first(folder, _PLAIN_SIG_INFO)
        for p in files:
            if p.suffix.lower() == ".gctx" or p.stem not in stems_x:
                found.append(ExpressionSet(name=folder.name, kind=LEVEL5, release="gct", path=p, sig_info=sig,
                                           gene_info=fallback_gene_info))
    for p in _match(folder, _CONSENSUS_FILES):
        genes = _first(folder, _CONSENSUS_GENES)
        found.append(ExpressionSet(name=folder.name, kind=CONSENSUS, release=CONSENSUS, path=p,
                                   extra=(genes,) if genes else ()))
    if len(found) > 1:  # several sets in one folder: name each after its file
        found = [replace(s, name=f"{folder.name}/{s.path.name}") for s in found]
    if folder == data_dir:
        found = [replace(s, name=s.path.name) for s in found]
    return found


def discover(data_dir: str | Path | None, gene_info: Path | None = None) -> list[ExpressionSet]:
    """Every expression set under ``data_dir`` (its subfolders and the folder itself), sorted by name.

    ``gene_info``: the LINCS gene table to use for sets that publish none beside them (landmark flags).
    """
    if data_dir is None or not Path(data_dir).is_dir():
        return []
    root = Path(data_dir)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    out: list[ExpressionSet] = []
    for f in folders + [root]:
        out.extend(_folder_sets(f, root, gene_info))
    return sorted(out, key=lambda s: s.name)


def find_set(sets: list[ExpressionSet], wanted: str | Path, data_dir: Path | None) -> ExpressionSet:
    """``--expression``: a set name (folder under the data directory), or a path to a matrix or folder."""
    text = str(wanted)
    for s in sets:
        if s.name == text or (data_dir is not None and Path(text) == data_dir / s.name):
            return s
    p = Path(text).expanduser()
    gene_info = next((s.gene_info for s in sets if s.gene_info), None)
    if p.is_file():
        for s in sets:
            if s.path.resolve() == p.resolve():
                return s
        folder_sets = _folder_sets(p.parent, p.parent, gene_info)
        for s in folder_sets:
            if s.path.resolve() == p.resolve():
                return s
        return ExpressionSet(name=p.name, kind=LEVEL5, release="gct", path=p,
                             gene_info=gene_info)
    if p.is_dir():
        inside = _folder_sets(p, p.parent, gene_info)
        if len(inside) == 1:
            return inside[0]
        if inside:
            raise KgexprError(f"--expression {text}: the folder holds {len(inside)} expression sets; name one of "
                              + ", ".join(str(s.path) for s in inside))
    names = ", ".join(s.name for s in sets) or "none found"
    raise KgexprError(f"--expression {text}: not an expression set name or file (sets in the data directory: {names})")


# --------------------------------------------------------------------------- metadata
def read_signature_table(path: str | Path) -> pd.DataFrame:
    """A sig_info / siginfo_beta table (TSV, maybe gzipped) with the columns kgexpr uses, spellings unified.

    Only the needed columns are parsed (the published tables have 12-40 columns and up to
    ~1.2 M rows); ``cell_iname`` → ``cell_id``, ``cmap_name`` → ``pert_iname``.
    """
    path = Path(path)
    try:
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, usecols=lambda c: c in _SIG_COLUMNS,
                         encoding="utf-8", encoding_errors="replace", quoting=3, compression="infer")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except (ValueError, OSError, EOFError, pd.errors.ParserError) as exc:
        raise InputError(path, f"cannot read signature table: {str(exc).splitlines()[0]}") from None
    for old, new in _SIG_RENAMES.items():
        if old in df.columns:
            df = df.drop(columns=[new]) if new in df.columns else df
            df = df.rename(columns={old: new})
    for col in ("sig_id", "pert_id", "pert_type", "cell_id"):
        if col not in df.columns:
            raise InputError(path, f"missing column '{col}' (a LINCS sig_info / siginfo_beta table has it)",
                             line=1, field=col)
    df = df.apply(lambda c: c.str.strip())
    dup = df["sig_id"].duplicated()
    if dup.any():
        k = int(np.argmax(dup.to_numpy()))
        raise InputError(path, f"duplicate sig_id {df['sig_id'].iat[k]!r}", line=k + 2, field="sig_id")
    return df.set_index("sig_id")


_COMPOUND_COLUMNS = ("pert_id", "pert_iname", "cmap_name", "inchi_key", "canonical_smiles", "molecular_formula",
                     "molecular_wt")


def read_compound_table(path: str | Path) -> pd.DataFrame:
    """A release's pert_info / compoundinfo_beta: one row per pert_id (CLUE lists a compound once per target)."""
    path = Path(path)
    try:
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, usecols=lambda c: c in _COMPOUND_COLUMNS,
                         encoding="utf-8", encoding_errors="replace", quoting=3, compression="infer")
    except (ValueError, OSError, EOFError, pd.errors.ParserError) as exc:
        raise InputError(path, f"cannot read compound table: {str(exc).splitlines()[0]}") from None
    if "pert_iname" not in df.columns and "cmap_name" in df.columns:
        df = df.rename(columns={"cmap_name": "pert_iname"})
    for col in ("pert_id", "pert_iname"):
        if col not in df.columns:
            raise InputError(path, f"missing column '{col}'", line=1, field=col)
    df = df.apply(lambda c: c.str.strip())
    if "inchi_key" in df.columns:
        df["inchi_key"] = df["inchi_key"].str.replace(r"^InChIKey=", "", regex=True).replace("-666", "")
    if "molecular_wt" in df.columns:
        df["molecular_wt"] = pd.to_numeric(df["molecular_wt"], errors="coerce")
    return df.drop_duplicates("pert_id").reset_index(drop=True)


def _level5_samples(es: ExpressionSet) -> pd.DataFrame:
    """Sample table for every column of the matrix: sig_info beside it, else the file's own metadata."""
    meta = gct.read_column_meta(es.path)
    if es.sig_info is not None:
        info = read_signature_table(es.sig_info)
        info.index = info.index.astype(str)
        extra = info.reindex(meta.index)
        meta = meta.copy()
        for col in extra.columns:
            if col not in meta.columns:
                meta[col] = extra[col]
            else:
                meta[col] = meta[col].where(~meta[col].map(is_missing), extra[col])
        unknown = int(extra["pert_id"].isna().sum())
        if unknown == len(meta):
            raise InputError(es.sig_info, f"none of the {len(meta)} signatures of {es.path.name} is listed",
                             field="sig_id")
    else:
        meta = meta.rename(columns={k: v for k, v in _SIG_RENAMES.items() if v not in meta.columns})
    return _samples_frame(meta, str(es.sig_info or es.path), require=True)


def _landmark_rows(es: ExpressionSet) -> tuple[list[str] | None, "callable | None"]:
    """(landmark row ids to read from a GCTX, or for streamed GCT text a row predicate): the file's own
    landmark flags first, else the gene table's."""
    table = None
    if es.gene_info is not None:
        from kgexpr.sources.lincs import read_gene_info

        t = read_gene_info(es.gene_info)
        if t["is_landmark"].notna().any():
            table = t
    lm_ids = set(table.loc[table["is_landmark"].fillna(False).astype(bool), "entrez_id"].astype(int)) if table is not None else None

    def keep(rid: str, meta: dict) -> bool:
        col = next((c for c in _LM_COLUMNS if c in meta), None)
        if col is not None:
            try:
                flag = parse_flag(meta[col])
            except ValueError:
                flag = None
            if flag is not None:
                return flag
        if lm_ids is not None:
            return _entrez(meta.get("pr_gene_id", rid)) in lm_ids
        return True

    if gct.is_hdf5(es.path):
        rows = gct.read_row_meta(es.path)
        records = rows.to_dict("records") if len(rows.columns) else [{}] * len(rows)  # GEO files hold only ids
        return [rid for rid, m in zip(rows.index, records) if keep(rid, m)], None
    return None, keep


# --------------------------------------------------------------------------- consensus
def _consensus_ids(path: Path) -> list[str]:
    with reading_input(path):
        ids = pd.read_csv(path, sep="\t", usecols=[0], dtype=str, keep_default_na=False).iloc[:, 0]
    return ids.str.strip().tolist()


def _consensus_samples(ids: list[str]) -> pd.DataFrame:
    from kgexpr.sources.drug_targets import normalise_pert_id

    pid = [normalise_pert_id(i) for i in ids]
    return pd.DataFrame({"cell_id": "", "pert_id": pid, "pert_iname": pid, "pert_type": "trt_cp",
                         "dose_um": np.nan, "time_h": np.nan}, index=pd.Index(ids, name="sample_id"))


_ENTREZ = re.compile(r"^\d+$")


def _read_consensus(es: ExpressionSet) -> Profiles:
    path = es.path
    try:
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, compression="infer")
    except (ValueError, OSError, EOFError, pd.errors.ParserError) as exc:
        raise InputError(path, f"cannot read consensus table: {str(exc).splitlines()[0]}") from None
    if df.shape[1] < 2:
        raise InputError(path, "expected a compound id column and one column per Entrez gene id", line=1)
    id_col = df.columns[0]
    genes = [str(c).strip() for c in df.columns[1:]]
    bad = [g for g in genes if not _ENTREZ.match(g)]
    if bad:
        raise InputError(path, f"column {bad[0]!r} is not an Entrez gene id", line=1, field=bad[0])
    ids = df[id_col].str.strip()
    dup = ids.duplicated()
    if dup.any():
        k = int(np.argmax(dup.to_numpy()))
        raise InputError(path, f"duplicate compound id {ids.iat[k]!r}", line=k + 2, field=id_col)
    raw = df.iloc[:, 1:]
    values = raw.apply(lambda c: pd.to_numeric(c.str.strip().replace({"": "nan", "NA": "nan", "na": "nan"}),
                                               errors="coerce"))
    bad_cells = values.isna() & ~raw.apply(lambda c: c.str.strip().str.lower().isin(["", "na", "nan"]))
    if bad_cells.to_numpy().any():
        r, c = np.argwhere(bad_cells.to_numpy())[0]
        raise InputError(path, f"not a number: {raw.iat[r, c]!r}", line=int(r) + 2, field=genes[c])
    matrix = values.to_numpy(np.float32)
    entrez = [int(g) for g in genes]
    symbols = {}
    for extra in es.extra:
        t = pd.read_csv(extra, sep="\t", dtype=str, keep_default_na=False)
        if t.shape[1] >= 2:
            symbols.update(dict(zip(t.iloc[:, 0].str.strip(), t.iloc[:, 1].str.strip())))
    frame = pd.DataFrame(matrix, index=pd.Index(ids.tolist(), name="sample_id"),
                         columns=pd.Index(entrez, name="entrez_id"))
    gene_frame = pd.DataFrame({"entrez_id": np.asarray(entrez, dtype="int64"),
                               "symbol": [symbols.get(g, "") for g in genes],
                               "is_landmark": pd.array([True] * len(genes), dtype="boolean")})
    return Profiles(frame, gene_frame, _consensus_samples(ids.tolist()), str(path))


# --------------------------------------------------------------------------- loading
@dataclass(frozen=True)
class LoadedExpression:
    """The selected profiles and what was done to get them (for the load summary)."""

    profiles: Profiles
    cell_line: str
    file_signatures: int
    selected_signatures: int
    notes: tuple[str, ...] = field(default=())
    cell_lines: tuple[str, ...] = field(default=())  # every cell line of the file's signatures


def _check_values(values: pd.DataFrame, source: str, strict: bool) -> tuple[pd.DataFrame, list[str]]:
    """±inf: one error naming file, signature and gene. NaN: drop the samples (one note), or error when strict."""
    notes: list[str] = []
    arr = values.to_numpy()
    inf = np.isinf(arr)
    if inf.any():
        r, c = np.argwhere(inf)[0]
        raise InputError(source, f"infinite value {arr[r, c]} for signature {values.index[r]!r}, gene "
                                 f"{values.columns[c]} ({int(inf.sum())} infinite values in all)",
                         field=str(values.columns[c]))
    nan = np.isnan(arr)
    if nan.any():
        empty_genes = nan.all(axis=0)
        if empty_genes.any():
            values = values.loc[:, ~empty_genes]
            notes.append(f"{int(empty_genes.sum())} genes without any value dropped")
            nan = nan[:, ~empty_genes]
        bad = nan.any(axis=1)
        if bad.any():
            if strict:
                r = int(np.argmax(bad))
                c = int(np.argmax(nan[r]))
                raise InputError(source, f"missing value (NaN) for signature {values.index[r]!r}, gene "
                                         f"{values.columns[c]} ({int(bad.sum())} signatures with missing values; "
                                         "without --strict they are dropped)", field=str(values.columns[c]))
            values = values.loc[~bad]
            notes.append(f"{int(bad.sum())} signatures with missing values (NaN) dropped")
    return values, notes


def load_expression(es: ExpressionSet, selection: Selection = Selection(), *, strict: bool = False,
                    progress: bool = True) -> LoadedExpression:
    """Read the selected signatures x landmark genes of one set (float32), checking values."""
    if es.kind == CONSENSUS:
        prof = _read_consensus(es)
        n_file = len(prof.samples)
        all_cells = prof.samples["cell_id"]
        chosen, cell = selection.apply(prof.samples, CONSENSUS)
        prof = Profiles(prof.values.loc[chosen], prof.genes, prof.samples.loc[chosen], prof.source)
    else:
        samples = es.samples()
        n_file = len(samples)
        all_cells = samples["cell_id"]
        chosen, cell = selection.apply(samples, LEVEL5)
        rows, keep_row = _landmark_rows(es)
        if gct.is_hdf5(es.path):
            with _maybe_bar(f"reading {len(chosen)} of {n_file} signatures", len(chosen), progress) as advance:
                data = gct.read_gctx(es.path, list(chosen), rows, progress=advance)
        else:
            nrow = gct.matrix_shape(es.path)[0]
            with _maybe_bar(f"reading {es.path.name}", nrow, progress) as advance:
                data = gct.read_gct(es.path, list(chosen), keep_row=keep_row, progress=advance)
        meta = samples.loc[chosen]
        # to_profiles derives the tidy table again from raw columns; hand it the tidy one directly
        prof = to_profiles(gct.GctData(data.data, data.row_meta, pd.DataFrame(index=data.data.columns), data.source),
                           require_meta=False)
        prof = Profiles(prof.values, prof.genes, meta.reindex(prof.values.index), prof.source)
    values, notes = _check_values(prof.values, str(es.path), strict)
    prof = Profiles(values, prof.genes[prof.genes["entrez_id"].isin(values.columns)].reset_index(drop=True),
                    prof.samples.loc[values.index], prof.source)
    before = len(prof.values)
    prof = select(prof, None, None, landmark_only=True)
    if len(prof.values) < before:
        notes.append(f"{before - len(prof.values)} repeated signatures dropped")
    lines = tuple(sorted(set(all_cells.astype(str)) - {""}))
    return LoadedExpression(prof, cell, n_file, int(len(prof.values)), tuple(notes), lines)


def _maybe_bar(label: str, total: int, on: bool):
    return bar(label, total) if on else nullcontext()


def describe_sets(sets: list[ExpressionSet]) -> list[str]:
    """Lines for ``kgexpr data``: one block per set."""
    lines = []
    for s in sets:
        try:
            info = s.summary()
        except (InputError, KgexprError) as exc:
            lines.append(f"  {s.name} [{s.release}]: unreadable: {exc}")
            continue
        size = sum(info["files"].values())
        if s.kind == CONSENSUS:
            lines.append(f"  {s.name} [consensus signatures]: {info['compounds']} compounds, one signature each "
                         f"(pooled over cell lines, doses and times); {human_bytes(size)}")
        else:
            kind = RELEASES[s.release].description if s.release in RELEASES else "GCT(X), metadata inside"
            lines.append(f"  {s.name} [{kind}]: {info['signatures']} signatures, {info['compound_signatures']} of "
                         f"compounds, {info['compounds']} compounds, {info['cell_lines']} cell lines; {human_bytes(size)}")
        for p, n in info["files"].items():
            lines.append(f"      {p} ({human_bytes(n)})")
    return lines
