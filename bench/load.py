"""Expression-loading benchmark: a full-size LINCS Phase I level-5 GCTX, read for one cell line.

    .venv/bin/python bench/load.py --only-generate      # write the files (once, ~24 GB + 2 GB)
    .venv/bin/python bench/load.py                      # time the readers, write bench/results/load.json
    .venv/bin/python bench/load.py --signatures 5000 --small-signatures 1000   # quick trial

Files. Under ``--cache-dir`` (default ~/.cache/kgexpr/bench/load/) it writes, if absent, a
synthetic level-5 set in the layout GEO GSE92742 publishes:

  lincs-l1000-gse92742/
    GSE92742_Broad_LINCS_Level5_COMPZ.MODZ_n473647x12328.gctx
    GSE92742_Broad_LINCS_sig_info.txt.gz
    GSE92742_Broad_LINCS_gene_info.txt.gz
  small-40000/
    GSE92742_Broad_LINCS_Level5_COMPZ.MODZ_n40000x12328.gctx   (+ its sig_info / gene_info)

(``--signatures N`` other than 473647 writes ``lincs-l1000-gse92742-nN/``, so a trial never
overwrites the full-size set's sig_info.)  The GCTX is what cmapPy's write_gctx makes:
``0/DATA/0/matrix`` float32, samples x genes on disk, chunks (min(n, 1000), 1024*256//1000 =
262), uncompressed; ``0/META/COL/id`` (sig ids) and ``0/META/ROW/id`` (Entrez ids) as vlen
utf-8 strings, and no other metadata (GEO's file holds only ids). Rows follow the real gene
table (../shared/data/gene-ids/GSE92742_Broad_LINCS_gene_info.txt, 12,328 genes, the 978
landmarks interleaved: the worst case for a landmark-only read); gene_info.txt.gz is that
table gzipped, unedited. Values are one seeded 1000 x 12328 N(0, 1) * 2 block, plus
(block index) * 1e-3 per 1000-row slab, written slab by slab (chunk-aligned, ~50 MB in
memory) to a ``.part`` name renamed when complete.

sig_info.txt.gz has the GSE92742 columns, one row per matrix column in COL/id order, at
random positions (every 1000-signature chunk holds MCF7 signatures). Its frequencies are
APPROXIMATIONS of the published table, not copies: 76 cell lines, skewed (MCF7 13 %, VCAP
11 %, PC3 9.5 %, A375 7.5 %, A549 7 %, HA1E 6.8 %, HCC515 5.5 %, HEPG2 4.7 %, HT29 4.5 %, then
a Zipf-like tail); pert types trt_cp 43 %, trt_sh 25 %, trt_sh.cgs 8 %, ctl_vehicle 6 %,
trt_oe 5 %, ctl_vector 3 %, ctl_untrt 2 %, trt_sh.css 2 %, ctl_vehicle.cns 1.5 %, trt_lig,
trt_oe.mut, trt_xpr, ctl_vector.cns 1 % each, ctl_untrt.cns 0.5 %; 20,000 candidate
compounds ``BRD-K########`` drawn Zipf-like (some with thousands of signatures, a long
tail absent); compound doses from {0.04, 0.12, 0.37, 1.11, 3.33, 10} µM written as the
published file does (pert_dose "10.0", pert_dose_unit "µM" (U+00B5), pert_idose "10.0 µM"),
-666 for genetic perturbagens and controls, ligands in ng/mL; times 6/24 h for compounds,
vehicles, untreated and ligands, 96/144 h for genetic perturbagens (pert_time "24",
pert_time_unit "h", pert_itime "24 h"); sig_id "<plate>_<cell>_<time>H:<well>" and distil_id
the pipe-joined replicate ids. Seeded (``--seed``).

Timing. Each reader runs in a fresh process started by a small launcher process that
reports wall time and peak RSS = resource.getrusage(RUSAGE_CHILDREN).ru_maxrss (KiB on
Linux) of its one child, so each figure is that run's alone (plus the interpreter); before
each run the file's pages are dropped from the page cache (posix_fadvise DONTNEED; the
full-size file is about RAM-sized anyway), unless ``--warm``:

  (a) NEW reader (kgexpr.sources.expression_sets: discover / Selection / load_expression),
      full-size file, MCF7 trt_cp signatures x landmark genes;
  (b) NEW reader on the 40,000-signature file, same selection;
  (c) OLD reader on the 40,000-signature file: what kgexpr's read_gctx did up to 2c7b6d1
      (the whole matrix as float64, a genes x samples DataFrame), then the same selection.

Results go to bench/results/load.json with machine info; targets for (a): peak RSS
<= 2048 MB, wall <= 180 s. Run by hand, never by tests or CI.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FULL_SIGNATURES = 473_647
SMALL_SIGNATURES = 40_000
GENE_TABLE = ROOT.parent / "shared" / "data" / "gene-ids" / "GSE92742_Broad_LINCS_gene_info.txt"
RELEASE = "GSE92742"
SIG_INFO_NAME = "GSE92742_Broad_LINCS_sig_info.txt.gz"
GENE_INFO_NAME = "GSE92742_Broad_LINCS_gene_info.txt.gz"
SIG_COLUMNS = ("sig_id", "pert_id", "pert_iname", "pert_type", "cell_id", "pert_dose", "pert_dose_unit",
               "pert_idose", "pert_time", "pert_time_unit", "pert_itime", "distil_id")
CELL_LINE, PERT_TYPES = "MCF7", ("trt_cp",)
TARGETS = {"peak_rss_mb": 2048, "wall_s": 180}
OLD_LABEL = "old reader (kgexpr <= 2c7b6d1, whole matrix)"
ROW_CHUNK, MAX_CHUNK_KB = 1000, 1024  # cmapPy write_gctx defaults
MISSING = "-666"


def gctx_name(n: int, n_genes: int = 12328) -> str:
    return f"GSE92742_Broad_LINCS_Level5_COMPZ.MODZ_n{n}x{n_genes}.gctx"


def chunks_for(n: int, n_genes: int) -> tuple[int, int]:
    """cmapPy's set_data_matrix_chunk_size for float32 (256 elements per KB)."""
    rows = min(n, ROW_CHUNK)
    return rows, min(MAX_CHUNK_KB * 256 // rows, n_genes)


def set_folder(cache: Path, n: int) -> Path:
    return cache / ("lincs-l1000-gse92742" if n == FULL_SIGNATURES else f"lincs-l1000-gse92742-n{n}")


def small_folder(cache: Path, n: int) -> Path:
    return cache / f"small-{n}"


# --------------------------------------------------------------------------- sig_info
CORE_CELLS = {"MCF7": 0.13, "VCAP": 0.11, "PC3": 0.095, "A375": 0.075, "A549": 0.07, "HA1E": 0.068,
              "HCC515": 0.055, "HEPG2": 0.047, "HT29": 0.045}
TAIL_CELLS = (
    "NPC ASC SKB NEU PHH HEK293T HUVEC SHSY5Y MCF10A HCT116 SKBR3 BT20 HS578T MDAMB231 LNCAP NCIH716 SW480 "
    "SW620 LOVO DLD1 RKO HUH7 HUES3 CD34 A673 SKNSH U2OS HELA JURKAT HL60 THP1 U937 NKDBA K562 NOMO1 PL21 "
    "SKM1 MOLM13 MINO OCILY3 OCILY10 OCILY19 HBL1 TMD8 WSUDLCL2 DV90 H1299 NCIH2073 NCIH1694 NCIH1836 "
    "NCIH2110 HCC1954 T47D CORL23 BT474 MDST8 HS27A H1975 SNGM SNU1040 EFO27 RMGI RMUGS HEC108 SNUC4 "
    "JHUEM2 NCIH508"
).split()
PERT_TYPE_FREQ = {"trt_cp": 0.43, "trt_sh": 0.25, "trt_sh.cgs": 0.08, "ctl_vehicle": 0.06, "trt_oe": 0.05,
                  "ctl_vector": 0.03, "ctl_untrt": 0.02, "trt_sh.css": 0.02, "ctl_vehicle.cns": 0.015,
                  "trt_lig": 0.01, "trt_oe.mut": 0.01, "trt_xpr": 0.01, "ctl_vector.cns": 0.01,
                  "ctl_untrt.cns": 0.005}
PLATE_PREFIX = {"trt_cp": "CPC", "ctl_vehicle": "CPC", "ctl_untrt": "CPC", "ctl_vehicle.cns": "CPC",
                "ctl_untrt.cns": "CPC", "trt_sh": "KDB", "trt_sh.cgs": "KDC", "trt_sh.css": "KDC",
                "ctl_vector": "KDB", "ctl_vector.cns": "KDC", "trt_oe": "OEB", "trt_oe.mut": "OEB",
                "trt_xpr": "XPR", "trt_lig": "LIG"}
DOSES_UM = (("0.04", 0.05), ("0.12", 0.05), ("0.37", 0.07), ("1.11", 0.10), ("3.33", 0.13), ("10.0", 0.60))
LIGANDS = "EGF IFNG TNF IL1A IL6 HGF FGF1 IGF1 INS TGFB1 BMP2 IL4 IL17A IFNA1 TGFA VEGFA".split()
VECTORS = "EMPTY_VECTOR GFP RFP LUCIFERASE LACZ BFP".split()
SYLLABLES = "ab al an ar ba be ca ci co da de di do fa fe ga ge ka li lo ma me mi mo na ne ni no pa pe " \
            "ra re ri ro sa se ta te ti to va ve xa za zo".split()
SUFFIXES = "mab nib zole pril stat vir mycin cillin olol pine tide ine ide one".split()
N_COMPOUNDS = 20_000


def _cell_lines() -> tuple[list[str], np.ndarray]:
    names = list(CORE_CELLS) + TAIL_CELLS
    assert len(names) == 76 and len(set(names)) == 76, (len(names), len(set(names)))
    tail = 1.0 / (np.arange(len(TAIL_CELLS)) + 3.0) ** 1.1
    tail *= (1.0 - sum(CORE_CELLS.values())) / tail.sum()
    return names, np.r_[list(CORE_CELLS.values()), tail]


def make_sig_info(n: int, genes, seed: int):
    """The sig_info table (strings, GSE92742 columns), rows in matrix-column order."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    types = np.array(list(PERT_TYPE_FREQ), dtype=object)
    p = np.array(list(PERT_TYPE_FREQ.values()))
    pert_type = rng.choice(types, size=n, p=p / p.sum())
    names, cw = _cell_lines()
    cell = rng.choice(np.array(names, dtype=object), size=n, p=cw)
    pert_id = np.empty(n, dtype=object)
    iname = np.empty(n, dtype=object)
    dose = np.full(n, MISSING, dtype=object)
    unit = np.full(n, MISSING, dtype=object)
    t_h = np.empty(n, dtype=object)

    symbols = genes["pr_gene_symbol"].to_numpy(dtype=object)
    entrez = genes["pr_gene_id"].to_numpy(dtype=object)

    def pick(mask, values, weights=None):
        k = int(mask.sum())
        if weights is not None:
            weights = weights / weights.sum()
        return rng.choice(values, size=k, p=weights)

    # compounds: BRD-K ids, Zipf-like use; a third keep the BRD id as name (as in the real table)
    cp_ids = np.array([f"BRD-K{x:08d}" for x in rng.choice(10 ** 8, size=N_COMPOUNDS, replace=False)], dtype=object)
    words = [rng.choice(SYLLABLES) + rng.choice(SYLLABLES) + rng.choice(SUFFIXES) for _ in range(N_COMPOUNDS)]
    cp_names = np.where(rng.random(N_COMPOUNDS) < 0.35, cp_ids, np.array(words, dtype=object))
    cp_w = 1.0 / (np.arange(N_COMPOUNDS) + 5.0) ** 0.9
    m = pert_type == "trt_cp"
    k = pick(m, np.arange(N_COMPOUNDS), cp_w)
    pert_id[m], iname[m] = cp_ids[k], cp_names[k]
    dose[m] = pick(m, np.array([d for d, _ in DOSES_UM], dtype=object), np.array([w for _, w in DOSES_UM]))
    unit[m] = "µM"
    t_h[m] = pick(m, np.array(["6", "24"], dtype=object), np.array([0.4, 0.6]))

    # genetic perturbagens: a few thousand target genes, several reagents each
    targets = rng.choice(len(entrez), size=4000, replace=False)
    for kind, make_id, n_reagents in (
        ("trt_sh", lambda j, r: f"TRCN{1_000_000 + 5 * j + r:010d}", 5),
        ("trt_sh.cgs", lambda j, r: f"CGS001-{entrez[j]}", 1),
        ("trt_sh.css", lambda j, r: f"CSS001-{entrez[j]}", 1),
        ("trt_oe", lambda j, r: f"ccsbBroad304_{j:05d}", 1),
        ("trt_oe.mut", lambda j, r: f"ccsbBroad304_{j:05d}_mut{r}", 3),
        ("trt_xpr", lambda j, r: f"BRDN{10 ** 9 + 4 * j + r:010d}", 4),
    ):
        m = pert_type == kind
        ids = np.array([make_id(j, r) for j in targets for r in range(n_reagents)], dtype=object)
        syms = np.repeat(symbols[targets], n_reagents)
        k = pick(m, np.arange(len(ids)))
        pert_id[m], iname[m] = ids[k], syms[k]
        t_h[m] = pick(m, np.array(["96", "144"], dtype=object), np.array([0.8, 0.2]))

    for kind, values, weights, times in (
        ("ctl_vehicle", ["DMSO", "PBS", "H2O"], [0.9, 0.06, 0.04], ["6", "24"]),
        ("ctl_vehicle.cns", ["DMSO"], [1.0], ["6", "24"]),
        ("ctl_untrt", ["UnTrt"], [1.0], ["6", "24", "96"]),
        ("ctl_untrt.cns", ["UnTrt"], [1.0], ["6", "24", "96"]),
        ("ctl_vector", VECTORS, None, ["96", "144"]),
        ("ctl_vector.cns", VECTORS, None, ["96", "144"]),
        ("trt_lig", LIGANDS, None, ["6", "24"]),
    ):
        m = pert_type == kind
        v = pick(m, np.array(values, dtype=object), None if weights is None else np.array(weights))
        pert_id[m], iname[m] = v, v
        t_h[m] = pick(m, np.array(times, dtype=object))
    m = pert_type == "trt_lig"
    dose[m] = pick(m, np.array(["10.0", "100.0"], dtype=object))
    unit[m] = "ng/mL"

    df = pd.DataFrame({"pert_id": pert_id, "pert_iname": iname, "pert_type": pert_type, "cell_id": cell,
                       "pert_dose": dose, "pert_dose_unit": unit, "pert_time": t_h})
    df["pert_idose"] = np.where(dose == MISSING, MISSING, df["pert_dose"] + " " + df["pert_dose_unit"])
    df["pert_time_unit"] = "h"
    df["pert_itime"] = df["pert_time"] + " h"

    # plates of 384 wells per (prefix, cell, time); sig_id "<plate>_<cell>_<t>H:<well>" is unique by construction
    prefix = df["pert_type"].map(PLATE_PREFIX)
    order = np.lexsort((df["pert_time"].to_numpy(), df["cell_id"].to_numpy(), prefix.to_numpy()))
    df, prefix = df.iloc[order].reset_index(drop=True), prefix.iloc[order].reset_index(drop=True)
    pos = df.groupby([prefix, df["cell_id"], df["pert_time"]], sort=False).cumcount().to_numpy()
    plate_no = pd.Series(pos // 384 + 1).map("{:03d}".format)
    wells = np.array([f"{r}{c:02d}" for r in "ABCDEFGHIJKLMNOP" for c in range(1, 25)], dtype=object)
    well = pd.Series(wells[pos % 384])
    plate = prefix + plate_no + "_" + df["cell_id"] + "_" + df["pert_time"] + "H"
    df["sig_id"] = plate + ":" + well
    batch = pd.Series(rng.integers(1, 30, size=len(df)).astype(str))
    reps = [plate + f"_X{r}_B" + batch + ":" + well for r in (1, 2, 3)]
    two = rng.random(len(df)) < 0.2
    df["distil_id"] = np.where(two, reps[0] + "|" + reps[1], reps[0] + "|" + reps[1] + "|" + reps[2])

    df = df.iloc[rng.permutation(len(df))].reset_index(drop=True)  # random positions in the matrix
    assert df["sig_id"].is_unique
    return df[list(SIG_COLUMNS)]


# --------------------------------------------------------------------------- writing
def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _gzip_to(final: Path, member_name: str, write) -> None:
    """Write a .gz through ``write(text_stream)`` to final.part, then rename."""
    part = final.with_name(final.name + ".part")
    with open(part, "wb") as raw, gzip.GzipFile(filename=member_name, mode="wb", fileobj=raw, compresslevel=6,
                                                mtime=0) as gz:
        with io.TextIOWrapper(gz, encoding="utf-8", newline="") as text:
            write(text)
    _fsync(part)
    os.replace(part, final)


class _Progress:
    """A rich bar on a terminal; otherwise a line every ~5 % (for nohup logs)."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.t0, self.next_pct = label, total, 0, time.perf_counter(), 5
        self.bar = None
        if sys.stderr.isatty():
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), TimeRemainingColumn())
            self.task = self.bar.add_task(label, total=total)

    def __enter__(self):
        if self.bar:
            self.bar.__enter__()
        return self

    def advance(self, k: int) -> None:
        self.done += k
        if self.bar:
            self.bar.advance(self.task, k)
            return
        pct = 100 * self.done / self.total
        if pct >= self.next_pct or self.done == self.total:
            dt = time.perf_counter() - self.t0
            eta = dt / self.done * (self.total - self.done)
            print(f"  {self.label}: {self.done}/{self.total} rows ({pct:.0f} %), {dt:.0f} s, ETA {eta:.0f} s",
                  flush=True)
            while self.next_pct <= pct:
                self.next_pct += 5

    def __exit__(self, *exc):
        if self.bar:
            self.bar.__exit__(*exc)


def write_gctx(final: Path, sig_ids, gene_ids, seed: int) -> None:
    """Chunk-aligned slabs of (base block + slab index * 1e-3) into final.part, then rename."""
    import h5py

    n, g = len(sig_ids), len(gene_ids)
    part = final.with_name(final.name + ".part")
    part.unlink(missing_ok=True)
    rows, cols = chunks_for(n, g)
    base = np.random.default_rng(seed + 1).standard_normal((ROW_CHUNK, g), dtype=np.float32)
    base *= np.float32(2.0)
    buf = np.empty_like(base)
    with h5py.File(part, "w") as h5:
        h5.create_dataset("0/META/ROW/id", data=np.asarray(gene_ids, dtype=object), dtype=h5py.string_dtype())
        h5.create_dataset("0/META/COL/id", data=np.asarray(sig_ids, dtype=object), dtype=h5py.string_dtype())
        mat = h5.create_dataset("0/DATA/0/matrix", shape=(n, g), dtype="float32", chunks=(rows, cols))
        with _Progress(final.name, n) as bar:
            for k, start in enumerate(range(0, n, ROW_CHUNK)):
                stop = min(n, start + ROW_CHUNK)
                np.add(base, np.float32(k * 1e-3), out=buf)
                mat[start:stop] = buf[: stop - start]
                bar.advance(stop - start)
    _fsync(part)
    os.replace(part, final)


def read_gene_table():
    import pandas as pd

    return pd.read_csv(GENE_TABLE, sep="\t", dtype=str, keep_default_na=False)


def ensure_set(folder: Path, n: int, seed: int) -> dict:
    """Write whatever of the set is absent; return what was done and how long it took."""
    folder.mkdir(parents=True, exist_ok=True)
    genes = read_gene_table()
    gctx, sig_path, gene_path = folder / gctx_name(n, len(genes)), folder / SIG_INFO_NAME, folder / GENE_INFO_NAME
    done = {"folder": str(folder), "written": [], "seconds": {}}
    if gctx.exists() and sig_path.exists() and gene_path.exists():
        return done
    t0 = time.perf_counter()
    sig = make_sig_info(n, genes, seed)
    done["seconds"]["make_sig_info"] = round(time.perf_counter() - t0, 1)
    if not sig_path.exists():
        t = time.perf_counter()
        _gzip_to(sig_path, sig_path.name[:-3], lambda fh: sig.to_csv(fh, sep="\t", index=False))
        done["written"].append(sig_path.name)
        done["seconds"]["sig_info"] = round(time.perf_counter() - t, 1)
    if not gene_path.exists():
        _gzip_to(gene_path, gene_path.name[:-3], lambda fh: fh.write(GENE_TABLE.read_text(encoding="utf-8")))
        done["written"].append(gene_path.name)
    if not gctx.exists():
        t = time.perf_counter()
        write_gctx(gctx, sig["sig_id"].to_numpy(dtype=object), genes["pr_gene_id"].to_numpy(dtype=object), seed)
        done["written"].append(gctx.name)
        done["seconds"]["gctx"] = round(time.perf_counter() - t, 1)
    done["seconds"]["total"] = round(time.perf_counter() - t0, 1)
    print(f"  {folder}: wrote {', '.join(done['written'])} in {done['seconds']['total']:.0f} s", flush=True)
    return done


def verify_set(folder: Path, n: int) -> dict:
    """Layout checks: shape, chunks, dtype, no compression, only the id datasets, ids = tables."""
    import h5py
    import pandas as pd

    genes = read_gene_table()
    gctx = folder / gctx_name(n, len(genes))
    sig = pd.read_csv(folder / SIG_INFO_NAME, sep="\t", dtype=str, keep_default_na=False)
    with gzip.open(folder / GENE_INFO_NAME, "rt", encoding="utf-8") as fh:
        assert fh.read() == GENE_TABLE.read_text(encoding="utf-8"), "gene_info.txt.gz differs from the gene table"
    with h5py.File(gctx, "r") as h5:
        names = []
        h5.visit(names.append)
        assert sorted(names) == ["0", "0/DATA", "0/DATA/0", "0/DATA/0/matrix", "0/META", "0/META/COL",
                                 "0/META/COL/id", "0/META/ROW", "0/META/ROW/id"], names
        mat = h5["0/DATA/0/matrix"]
        assert mat.shape == (n, len(genes)) and mat.dtype == np.float32, (mat.shape, mat.dtype)
        assert mat.chunks == chunks_for(n, len(genes)) and mat.compression is None, (mat.chunks, mat.compression)
        for name in ("0/META/ROW/id", "0/META/COL/id"):
            info = h5py.check_string_dtype(h5[name].dtype)
            assert info is not None and info.encoding == "utf-8" and info.length is None, (name, h5[name].dtype)
        rows = h5["0/META/ROW/id"].asstr()[()]
        cols = h5["0/META/COL/id"].asstr()[()]
        assert list(rows) == list(genes["pr_gene_id"]), "ROW/id is not the gene table's order"
        assert list(sig.columns) == list(SIG_COLUMNS), list(sig.columns)
        assert len(sig) == n and list(cols) == list(sig["sig_id"]), "COL/id and sig_info rows disagree"
        last = (n - 1) // ROW_CHUNK
        assert np.allclose(mat[last * ROW_CHUNK, :5] - mat[0, :5], last * 1e-3, atol=1e-5), "slab values"
    size = gctx.stat().st_size
    expected = n * len(genes) * 4
    assert expected <= size < expected * 1.02 + 50e6, (size, expected)
    mcf7 = (sig["cell_id"] == CELL_LINE).to_numpy()
    chunks_with = np.add.reduceat(mcf7, np.arange(0, n, ROW_CHUNK)) > 0
    return {"gctx": str(gctx), "file_gb": round(size / 1e9, 2), "file_bytes": size, "file_signatures": n,
            "selected_signatures": int((mcf7 & sig["pert_type"].isin(PERT_TYPES).to_numpy()).sum()),
            "mcf7_share": round(float(mcf7.mean()), 4),
            "row_chunks_with_mcf7": f"{int(chunks_with.sum())}/{len(chunks_with)}",
            "sig_info": str(folder / SIG_INFO_NAME), "gene_info": str(folder / GENE_INFO_NAME)}


# --------------------------------------------------------------------------- the readers (child processes)
def _digest(ids) -> str:
    return hashlib.sha1("\n".join(sorted(str(i) for i in ids)).encode()).hexdigest()[:16]


def _summary(values, t_load: float) -> dict:
    """Shape and checksums of a samples x genes frame, comparable between the readers."""
    genes = [str(int(float(c))) for c in values.columns]
    return {"load_s": round(t_load, 2), "shape": list(values.shape), "dtype": str(values.dtypes.iloc[0]),
            "sample_digest": _digest(values.index), "gene_digest": _digest(genes),
            "checksum": float(np.asarray(values.to_numpy(), dtype=np.float64).sum(dtype=np.float64))}


def child_new(cache: Path, gctx: Path) -> dict:
    """The expression step of ``kgexpr load`` through the new reader: discover, pick the set, load_expression."""
    from kgexpr.sources.expression_sets import Selection, discover, load_expression

    t0 = time.perf_counter()
    sets = discover(cache)
    es = next((s for s in sets if s.release == RELEASE and Path(s.path).resolve() == gctx.resolve()), None)
    if es is None:
        es = next((s for s in sets if s.release == RELEASE and Path(s.path).name == gctx.name), None)
    if es is None:
        raise SystemExit(f"discover({cache}) found no {RELEASE} set for {gctx.name}; found: "
                         + "; ".join(f"{s.name} {s.release} {s.path}" for s in sets))
    t_discover = time.perf_counter() - t0
    loaded = load_expression(es, Selection(cell_line=CELL_LINE, pert_types=PERT_TYPES), progress=True)
    profiles = getattr(loaded, "profiles", loaded)  # a LoadedExpression wrapping Profiles, or Profiles itself
    out = _summary(profiles.values, time.perf_counter() - t0)
    out.update({"discover_s": round(t_discover, 2), "n_sets_discovered": len(sets), "set_name": es.name,
                "set_kind": str(es.kind), "set_n_signatures": es.n_signatures, "n_sample_rows": len(profiles.samples)})
    return out


def _decode(values: np.ndarray) -> np.ndarray:
    """kgexpr 2c7b6d1 lincs._decode, unchanged since and now in kgexpr.sources.gct."""
    from kgexpr.sources.gct import _decode as decode

    return decode(values)


def _old_meta(h5, group: str, n: int):
    """kgexpr 2c7b6d1 lincs._meta: every 1-D dataset of a META group but ``id`` (none here)."""
    import h5py
    import pandas as pd

    grp = h5.get(group)
    cols = {}
    if grp is not None:
        for name in sorted(grp.keys()):
            obj = grp[name]
            if name == "id" or not isinstance(obj, h5py.Dataset) or obj.ndim != 1:
                continue
            cols[name] = _decode(obj[()])
    return pd.DataFrame(cols, index=pd.RangeIndex(n))


def child_old(gctx: Path, sig_info: Path, gene_info: Path) -> dict:
    """kgexpr <= 2c7b6d1: read_gctx (whole matrix, float64, genes x samples), then select."""
    import h5py
    import pandas as pd

    t0 = time.perf_counter()
    with h5py.File(gctx, "r") as h5:
        rows = _decode(h5["0/META/ROW/id"][()])
        cols = _decode(h5["0/META/COL/id"][()])
        mat = h5["0/DATA/0/matrix"]
        assert mat.shape == (len(cols), len(rows))
        matrix = np.asarray(mat[()], dtype="float64").T
        row_meta = _old_meta(h5, "0/META/ROW", len(rows))
        col_meta = _old_meta(h5, "0/META/COL", len(cols))
    rows, cols = [str(r) for r in rows], [str(c) for c in cols]
    for ids in (rows, cols):
        assert not pd.Series(ids).duplicated().any()
    row_meta.index, col_meta.index = pd.Index(rows, name="id"), pd.Index(cols, name="id")
    data = pd.DataFrame(matrix, index=pd.Index(rows, name="id"), columns=pd.Index(cols, name="id"))
    sig = pd.read_csv(sig_info, sep="\t", dtype=str, keep_default_na=False)
    genes = pd.read_csv(gene_info, sep="\t", dtype=str, keep_default_na=False)
    chosen = sig.loc[(sig["cell_id"] == CELL_LINE) & sig["pert_type"].isin(PERT_TYPES), "sig_id"]
    landmarks = genes.loc[genes["pr_is_lm"] == "1", "pr_gene_id"]
    values = data.loc[landmarks.to_numpy(), chosen.to_numpy()].T
    return _summary(values, time.perf_counter() - t0)


# --------------------------------------------------------------------------- measuring
_LAUNCHER = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.run(sys.argv[2:]).returncode
wall = time.perf_counter() - t
with open(sys.argv[1], "w") as fh:
    json.dump({"rc": rc, "wall_s": wall, "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, fh)
"""


def evict(path: Path) -> None:
    """Drop the file's pages from the page cache (clean pages; no root needed)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def measure(kind: str, info: dict, args) -> dict:
    """One reader in a fresh process (via the launcher): wall, peak RSS (RUSAGE_CHILDREN) and its summary."""
    if not args.warm:
        evict(Path(info["gctx"]))
    with tempfile.TemporaryDirectory() as tmp:
        usage, result = Path(tmp) / "usage.json", Path(tmp) / "result.json"
        cmd = [sys.executable, "-c", _LAUNCHER, str(usage), sys.executable, __file__, "--child", kind,
               "--child-gctx", info["gctx"], "--child-out", str(result), "--cache-dir", str(args.cache_dir)]
        subprocess.run(cmd, check=True, cwd=ROOT)
        u = json.loads(usage.read_text())
        if u["rc"] != 0:
            raise SystemExit(f"{kind} reader failed (exit {u['rc']}) on {info['gctx']}")
        out = json.loads(result.read_text())
    out.update({"file": Path(info["gctx"]).name, "file_gb": info["file_gb"], "file_signatures": info["file_signatures"],
                "selected_signatures": out["shape"][0], "expected_selected": info["selected_signatures"],
                "wall_s": round(u["wall_s"], 2), "peak_rss_mb": round(u["maxrss_kib"] / 1024, 1),
                "page_cache": "warm" if args.warm else "evicted"})
    if out["selected_signatures"] != info["selected_signatures"]:
        print(f"  WARNING: {kind} selected {out['selected_signatures']} signatures, sig_info has "
              f"{info['selected_signatures']} {CELL_LINE} {'/'.join(PERT_TYPES)}", flush=True)
    return out


def machine() -> dict:
    """bench/features.py's machine description, plus what matters for reading HDF5."""
    import h5py

    bench = str(Path(__file__).resolve().parent)
    if bench not in sys.path:
        sys.path.insert(0, bench)
    from features import machine_info

    info = machine_info()
    info.update({"h5py": h5py.__version__, "hdf5": h5py.version.hdf5_version,
                 "disk_free_gb": round(shutil.disk_usage(Path.home()).free / 1e9, 1), "date": time.strftime("%Y-%m-%d")})
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "kgexpr" / "bench" / "load")
    ap.add_argument("--signatures", type=int, default=FULL_SIGNATURES, help="signatures of the big file")
    ap.add_argument("--small-signatures", type=int, default=SMALL_SIGNATURES, help="of the old/new comparison file")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-old", action="store_true", help="no old-reader run (c)")
    ap.add_argument("--only-generate", action="store_true", help="write and verify the files, time nothing")
    ap.add_argument("--warm", action="store_true", help="keep the files in the page cache between runs")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.json")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--child-gctx", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--child-out", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.cache_dir = args.cache_dir.expanduser().resolve()

    if args.child:
        g = args.child_gctx
        res = child_new(args.cache_dir, g) if args.child == "new" else \
            child_old(g, g.parent / SIG_INFO_NAME, g.parent / GENE_INFO_NAME)
        args.child_out.write_text(json.dumps(res))
        return 0

    print(f"== files under {args.cache_dir}", flush=True)
    generation, infos = {}, {}
    for label, folder, n in (("full", set_folder(args.cache_dir, args.signatures), args.signatures),
                             ("small", small_folder(args.cache_dir, args.small_signatures), args.small_signatures)):
        generation[label] = ensure_set(folder, n, args.seed)
        infos[label] = verify_set(folder, n)
        i = infos[label]
        print(f"  {label}: {i['gctx']} ({i['file_gb']:.2f} GB, {n} signatures, {i['selected_signatures']} "
              f"{CELL_LINE} trt_cp, MCF7 in {i['row_chunks_with_mcf7']} row chunks): layout OK", flush=True)
    if args.only_generate:
        return 0

    import importlib.util

    if importlib.util.find_spec("kgexpr.sources.expression_sets") is None:
        raise SystemExit("kgexpr.sources.expression_sets does not exist yet: nothing to time "
                         "(--only-generate writes the files)")
    runs = {}
    print(f"== (a) new reader, {infos['full']['file_signatures']} signatures", flush=True)
    runs["new_full"] = measure("new", infos["full"], args)
    print(f"== (b) new reader, {infos['small']['file_signatures']} signatures", flush=True)
    runs["new_small"] = measure("new", infos["small"], args)
    if not args.skip_old:
        print(f"== (c) {OLD_LABEL}, {infos['small']['file_signatures']} signatures", flush=True)
        runs["old_small"] = measure("old", infos["small"], args)

    labels = {"new_full": "new reader", "new_small": "new reader", "old_small": OLD_LABEL}
    head = f"{'reader':<46} {'file':<58} {'GB':>6} {'file sigs':>9} {'selected':>8} {'wall s':>8} {'peak RSS MB':>11}"
    lines = [head]
    for key, r in runs.items():
        lines.append(f"{labels[key]:<46} {r['file']:<58} {r['file_gb']:>6.2f} {r['file_signatures']:>9} "
                     f"{r['selected_signatures']:>8} {r['wall_s']:>8.1f} {r['peak_rss_mb']:>11.0f}")
    new, full = runs["new_small"], runs["new_full"]
    small = {"file": new["file"], "file_gb": new["file_gb"], "file_signatures": new["file_signatures"],
             "selected_signatures": new["selected_signatures"], "new": new, "old": runs.get("old_small")}
    if "old_small" in runs:
        old = runs["old_small"]
        small["ratio_wall_old_over_new"] = round(old["wall_s"] / new["wall_s"], 2)
        small["ratio_rss_old_over_new"] = round(old["peak_rss_mb"] / new["peak_rss_mb"], 2)
        small["same_output"] = bool(old["sample_digest"] == new["sample_digest"]
                                    and old["gene_digest"] == new["gene_digest"]
                                    and math.isclose(old["checksum"], new["checksum"], rel_tol=1e-6, abs_tol=1e-3))
        lines.append(f"old/new at {new['file_signatures']} signatures: wall {small['ratio_wall_old_over_new']:.1f}x, "
                     f"peak RSS {small['ratio_rss_old_over_new']:.1f}x; same output: {small['same_output']}")
    meets = bool(full["wall_s"] <= TARGETS["wall_s"] and full["peak_rss_mb"] <= TARGETS["peak_rss_mb"])
    lines.append(f"targets (new reader, {full['file_signatures']} signatures): wall <= {TARGETS['wall_s']} s, "
                 f"peak RSS <= {TARGETS['peak_rss_mb']} MB: {'met' if meets else 'NOT met'}"
                 f" (page cache {full['page_cache']})")
    print("\n".join(lines))

    payload = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "file": full["file"], "file_gb": full["file_gb"], "file_signatures": full["file_signatures"],
        "selected_signatures": full["selected_signatures"], "wall_s": full["wall_s"],
        "peak_rss_mb": full["peak_rss_mb"], "full": full, "small": small,
        "targets": TARGETS, "meets_targets": meets,
        "selection": {"cell_line": CELL_LINE, "pert_types": list(PERT_TYPES), "genes": "landmark (978)"},
        "peak_rss": "resource.getrusage(RUSAGE_CHILDREN).ru_maxrss of a launcher's single child",
        "files": infos, "generation": generation,
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
                     if not k.startswith("child")},
        "machine": machine(), "printed": lines,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(args.out)
    print(f"wrote {args.out}")
    return 0 if meets else 1


if __name__ == "__main__":
    raise SystemExit(main())
