"""Small files in each official LINCS release's layout, written by the tests (never the real releases)."""

from __future__ import annotations

import gzip
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

#: 12 genes, landmarks interleaved as in the published gene tables
GENES = pd.DataFrame({
    "entrez": [780, 7849, 2978, 2049, 2101, 8800, 3005, 5720, 466, 6009, 2309, 387],
    "symbol": ["DDR1", "PAX8", "GUCA1A", "EPHB3", "ESRRA", "VPS72", "H1F0", "PSME1", "ATF1", "RHEB", "FOXO3", "RHOA"],
    "lm": [1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1],
})
LANDMARKS = [int(e) for e, lm in zip(GENES["entrez"], GENES["lm"]) if lm]


def signatures(n: int, seed: int = 0) -> pd.DataFrame:
    """n signatures: cell lines MCF7 / A375 / PC3, compounds and shRNAs, two doses, two times."""
    rng = np.random.default_rng(seed)
    cells = rng.choice(["MCF7", "A375", "PC3"], size=n, p=[0.5, 0.3, 0.2])
    kinds = rng.choice(["trt_cp", "trt_sh", "ctl_vehicle"], size=n, p=[0.7, 0.2, 0.1])
    doses = rng.choice([1.11, 10.0], size=n)
    times = rng.choice([6, 24], size=n)
    perts = [f"BRD-K{1000000 + int(i):08d}" for i in rng.integers(0, max(2, n // 3), size=n)]
    ids = [f"CPC{i:03d}_{c}_{t}H:{p}:{d}" for i, (c, t, p, d) in enumerate(zip(cells, times, perts, doses))]
    return pd.DataFrame({"sig_id": ids, "pert_id": perts, "pert_iname": [p.lower() for p in perts],
                         "pert_type": kinds, "cell_id": cells, "dose_um": doses, "time_h": times})


def write_gctx(path: Path, values: np.ndarray, sig_ids, gene_ids, *, chunks=(4, 5), fixed_strings: bool = False,
               compression=None, row_meta: dict | None = None) -> Path:
    """values: samples x genes, stored as published (0/DATA/0/matrix samples x genes, float32, ids only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as h5:
        h5.attrs["version"] = np.bytes_("GCTX1.0")
        h5.create_dataset("0/DATA/0/matrix", data=values.astype(np.float32), chunks=chunks, compression=compression)
        for name, ids in (("0/META/COL/id", sig_ids), ("0/META/ROW/id", gene_ids)):
            ids = [str(i) for i in ids]
            if fixed_strings:
                h5.create_dataset(name, data=np.array([i.encode() for i in ids], dtype=f"S{max(map(len, ids))}"))
            else:
                h5.create_dataset(name, data=ids, dtype=h5py.string_dtype("utf-8"))
        for name, col in (row_meta or {}).items():
            h5.create_dataset(f"0/META/ROW/{name}", data=[str(v) for v in col], dtype=h5py.string_dtype("utf-8"))
    return path


def _gz(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode(encoding)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def write_gse92742(folder: Path, sigs: pd.DataFrame, values: np.ndarray, **kw) -> dict[str, Path]:
    """GEO GSE92742: ids-only GCTX, sig_info with pert_dose + unit (micro sign in latin-1), gene_info."""
    n = len(sigs)
    gctx = write_gctx(folder / f"GSE92742_Broad_LINCS_Level5_COMPZ.MODZ_n{n}x{len(GENES)}.gctx", values,
                      sigs["sig_id"], GENES["entrez"], **kw)
    rows = ["sig_id\tpert_id\tpert_iname\tpert_type\tcell_id\tpert_dose\tpert_dose_unit\tpert_idose\tpert_time\t"
            "pert_time_unit\tpert_itime\tdistil_id"]
    for r in sigs.itertuples():
        genetic = r.pert_type != "trt_cp"
        dose = "-666" if genetic else f"{r.dose_um:.1f}"
        unit = "-666" if genetic else "µM"
        rows.append(f"{r.sig_id}\t{r.pert_id}\t{r.pert_iname}\t{r.pert_type}\t{r.cell_id}\t{dose}\t{unit}\t"
                    f"{'-666' if genetic else dose + ' µM'}\t{r.time_h}\th\t{r.time_h} h\t{r.sig_id}_X1")
    sig = _gz(folder / "GSE92742_Broad_LINCS_sig_info.txt.gz", "\n".join(rows) + "\n", "latin-1")
    genes = ["pr_gene_id\tpr_gene_symbol\tpr_gene_title\tpr_is_lm\tpr_is_bing"]
    genes += [f"{e}\t{s}\t{s} title\t{lm}\t1" for e, s, lm in zip(GENES["entrez"], GENES["symbol"], GENES["lm"])]
    gene = _gz(folder / "GSE92742_Broad_LINCS_gene_info.txt.gz", "\n".join(genes) + "\n")
    return {"matrix": gctx, "sig_info": sig, "gene_info": gene}


def write_gse70138(folder: Path, sigs: pd.DataFrame, values: np.ndarray, **kw) -> dict[str, Path]:
    """GEO GSE70138: sig_info has only pert_idose ("10.0 um") and pert_itime ("24 h")."""
    n = len(sigs)
    gctx = write_gctx(folder / f"GSE70138_Broad_LINCS_Level5_COMPZ_n{n}x{len(GENES)}_2017-03-06.gctx", values,
                      sigs["sig_id"], GENES["entrez"], **kw)
    rows = ["sig_id\tpert_id\tpert_iname\tpert_type\tcell_id\tpert_idose\tpert_itime\tdistil_id"]
    for r in sigs.itertuples():
        dose = "-666" if r.pert_type != "trt_cp" else f"{r.dose_um:.2f} um"
        rows.append(f"{r.sig_id}\t{r.pert_id}\t{r.pert_iname}\t{r.pert_type}\t{r.cell_id}\t{dose}\t{r.time_h} h\t"
                    f"{r.sig_id}_X1|{r.sig_id}_X2")
    sig = _gz(folder / "GSE70138_Broad_LINCS_sig_info_2017-03-06.txt.gz", "\n".join(rows) + "\n")
    genes = ["pr_gene_id\tpr_gene_symbol\tpr_gene_title\tpr_is_lm\tpr_is_bing"]
    genes += [f"{e}\t{s}\t{s} title\t{lm}\t1" for e, s, lm in zip(GENES["entrez"], GENES["symbol"], GENES["lm"])]
    gene = _gz(folder / "GSE70138_Broad_LINCS_gene_info_2017-03-06.txt.gz", "\n".join(genes) + "\n")
    return {"matrix": gctx, "sig_info": sig, "gene_info": gene}


def write_clue2020(folder: Path, sigs: pd.DataFrame, values: np.ndarray, **kw) -> dict[str, Path]:
    """CMap LINCS 2020: siginfo_beta (cmap_name, cell_iname, numeric pert_dose + unit), geneinfo_beta feature_space."""
    n = len(sigs)
    gctx = write_gctx(folder / f"level5_beta_trt_cp_n{n}x{len(GENES)}.gctx", values, sigs["sig_id"],
                      GENES["entrez"], **kw)
    rows = ["bead_batch\tpert_dose\tpert_dose_unit\tpert_idose\tpert_itime\tpert_time\tpert_time_unit\tpert_id\t"
            "sig_id\tpert_type\tcell_iname\tqc_pass\tcmap_name"]
    for r in sigs.itertuples():
        rows.append(f"b1\t{r.dose_um}\tuM\t{r.dose_um} uM\t{r.time_h} h\t{r.time_h}\th\t{r.pert_id}\t{r.sig_id}\t"
                    f"{r.pert_type}\t{r.cell_id}\t1\t{r.pert_iname}")
    sig = _gz(folder / "siginfo_beta.txt", "\n".join(rows) + "\n")
    space = {1: "landmark", 0: "best inferred"}
    genes = ["gene_id\tgene_symbol\tensembl_id\tgene_title\tgene_type\tsrc\tfeature_space"]
    genes += [f"{e}\t{s}\tENSG0\t{s} title\tprotein-coding\tNCBI\t{space[lm]}"
              for e, s, lm in zip(GENES["entrez"], GENES["symbol"], GENES["lm"])]
    gene = _gz(folder / "geneinfo_beta.txt", "\n".join(genes) + "\n")
    compounds = ["pert_id\tcmap_name\ttarget\tmoa\tcanonical_smiles\tinchi_key\tcompound_aliases"]
    for p in sorted(set(sigs["pert_id"])):
        compounds += [f"{p}\t{p.lower()}\tEGFR\tinhibitor\tCCO\tLFQSCWFLJHTTHZ-UHFFFAOYSA-N\t",
                      f"{p}\t{p.lower()}\tERBB2\tinhibitor\tCCO\tLFQSCWFLJHTTHZ-UHFFFAOYSA-N\t"]
    comp = _gz(folder / "compoundinfo_beta.txt", "\n".join(compounds) + "\n")
    return {"matrix": gctx, "sig_info": sig, "gene_info": gene, "pert_info": comp}


def write_gct_text(path: Path, sigs: pd.DataFrame, values: np.ndarray) -> Path:
    """The same matrix as GCT 1.3 text with row metadata (pr_gene_id, pr_is_lm) and column metadata."""
    meta_cols = ["pert_id", "pert_iname", "pert_type", "cell_id", "pert_dose", "pert_time"]
    head = ["#1.3", f"{len(GENES)}\t{len(sigs)}\t2\t{len(meta_cols)}",
            "\t".join(["id", "pr_gene_id", "pr_is_lm"] + list(sigs["sig_id"]))]
    for c in meta_cols:
        src = {"pert_dose": "dose_um", "pert_time": "time_h"}.get(c, c)
        head.append("\t".join([c, "na", "na"] + [str(v) for v in sigs[src]]))
    body = [f"{e}_at\t{e}\t{lm}\t" + "\t".join(f"{v:.6g}" for v in values[:, j])
            for j, (e, lm) in enumerate(zip(GENES["entrez"], GENES["lm"]))]
    return _gz(path, "\n".join(head + body) + "\n")
