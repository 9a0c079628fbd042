"""kgexpr.demo: simulated data in the real formats (read here with plain xml / h5py / pandas only)."""

from __future__ import annotations

import gzip
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from rdkit import Chem
from rdkit.Chem import Descriptors, rdMolDescriptors

from kgexpr import demo
from kgexpr.demo import DEMO_BANNER, is_demo_dir, write_demo_data
from kgexpr.errors import KgexprError
from kgexpr.sources import gct
from kgexpr.sources.expression_sets import CONSENSUS, LEVEL5, discover, load_expression

EXPECTED_FILES = [
    "DEMO.txt",
    "cell-line-alterations-gdsc/cancer_cell_lines.csv",
    "cell-line-alterations-gdsc/omnibem_genomic_alterations.csv.gz",
    "demo-truth/truth.json",
    "drug-targets-repurposing-hub/repurposing_hub_export.tsv",
    "gene-ids/GSE92742_Broad_LINCS_gene_info.txt",
    "gene-ids/Homo_sapiens.gene_info.gz",
    "lincs-consensi-demo/SOURCE.txt",
    "lincs-consensi-demo/consensi-demo.tsv.gz",
    "lincs-consensi-demo/landmark_genes_entrez_symbol.tsv",
    "lincs-l1000-demo/demo_level5.gct",
    "lincs-l1000-demo/demo_level5.gctx",
    "lincs-metadata/pertinfo.tsv.gz",
]
REAL = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    return write_demo_data(tmp_path_factory.mktemp("demo") / "data", seed=0)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _read_gct(path: Path):
    with open(path, encoding="utf-8") as fh:
        assert fh.readline().rstrip("\n") == "#1.3"
        nr, nc, nrm, ncm = (int(x) for x in fh.readline().split("\t"))
    raw = pd.read_csv(path, sep="\t", skiprows=2, header=None, dtype=str, keep_default_na=False)
    header = raw.iloc[0].tolist()
    col_ids = header[1 + nrm:]
    col_meta = {raw.iloc[1 + k, 0]: raw.iloc[1 + k, 1 + nrm:].tolist() for k in range(ncm)}
    body = raw.iloc[1 + ncm:]
    row_ids = body.iloc[:, 0].tolist()
    row_meta = {header[1 + k]: body.iloc[:, 1 + k].tolist() for k in range(nrm)}
    values = body.iloc[:, 1 + nrm:].astype(float).to_numpy()
    assert values.shape == (nr, nc) and len(col_ids) == nc
    return row_ids, row_meta, col_ids, col_meta, values


def _read_gctx(path: Path):
    with h5py.File(path, "r") as f:
        version = f.attrs["version"]
        matrix = f["0/DATA/0/matrix"][()]
        row = {k: f[f"0/META/ROW/{k}"][()] for k in f["0/META/ROW"]}
        col = {k: f[f"0/META/COL/{k}"][()] for k in f["0/META/COL"]}
    return version, matrix, row, col


# --------------------------------------------------------------------------- layout and labelling

def test_writes_expected_files_and_kgml(demo_dir):
    files = sorted(_files(demo_dir))
    kgml = [f for f in files if f.startswith("kegg-kgml/")]
    assert [f for f in files if not f.startswith("kegg-kgml/")] == EXPECTED_FILES
    assert kgml == [f"kegg-kgml/hsa{90000 + i}.xml" for i in range(1, 26)]
    assert not list(demo_dir.parent.glob(".data.*"))  # no temp siblings left behind


def test_demo_is_labelled(demo_dir):
    text = (demo_dir / "DEMO.txt").read_text(encoding="utf-8")
    assert "SIMULATED" in text and "not biology" in text
    assert "seed: 0" in text and '"noise": 0.3' in text and '"n_drugs": 300' in text and '"n_level5_drugs": 60' in text
    assert "consensus signatures of all 300 drugs" in text and "first 60 drugs x 6 doses" in text
    assert is_demo_dir(demo_dir)
    assert "not biology" in DEMO_BANNER
    truth = json.loads((demo_dir / "demo-truth" / "truth.json").read_text())
    assert truth["simulated"] is True and truth["seed"] == 0 and len(truth["drugs"]) == 300
    source = (demo_dir / "lincs-consensi-demo/SOURCE.txt").read_text(encoding="utf-8")
    assert source.startswith("SIMULATED") and "not biology" in source
    with gzip.open(demo_dir / "lincs-consensi-demo/consensi-demo.tsv.gz", "rt") as fh:
        assert fh.readline().startswith("perturbagen\t9000")


def test_same_seed_byte_identical_and_other_seed_differs(tmp_path, demo_dir):
    a = write_demo_data(tmp_path / "a", seed=0)
    time.sleep(1.1)  # any timestamp in a file would now differ
    b = write_demo_data(tmp_path / "b", seed=0)
    fa, fb = _files(a), _files(b)
    assert fa.keys() == fb.keys() == _files(demo_dir).keys()
    for k in fa:
        assert fa[k] == fb[k], k
        assert (a / k).stat().st_mtime == (b / k).stat().st_mtime, k
    # gctx arrays as well (the bytes already match; this is the content-level contract)
    va, ma, ra, ca = _read_gctx(a / "lincs-l1000-demo/demo_level5.gctx")
    vb, mb, rb, cb = _read_gctx(b / "lincs-l1000-demo/demo_level5.gctx")
    assert np.array_equal(ma, mb) and all(np.array_equal(ra[k], rb[k]) for k in ra)
    c = write_demo_data(tmp_path / "c", seed=1)
    fc = _files(c)
    assert fc["lincs-l1000-demo/demo_level5.gct"] != fa["lincs-l1000-demo/demo_level5.gct"]
    assert fc["lincs-consensi-demo/consensi-demo.tsv.gz"] != fa["lincs-consensi-demo/consensi-demo.tsv.gz"]
    assert fc["kegg-kgml/hsa90001.xml"] != fa["kegg-kgml/hsa90001.xml"]


def test_small_demo_is_the_plate_alone(tmp_path):
    """When the level-5 plate holds every drug there is no consensus set: runs use the per-dose plate."""
    out = write_demo_data(tmp_path / "s", seed=0, n_genes=60, n_pathways=5, n_drugs=8, n_landmarks=30)
    assert not (out / "lincs-consensi-demo").exists()
    sets = discover(out)
    assert [(s.name, s.kind) for s in sets] == [("lincs-l1000-demo", LEVEL5)]
    truth = json.loads((out / "demo-truth/truth.json").read_text())
    assert truth["sizes"]["consensus_compounds"] == 0 and "consensus" not in truth["files"]
    assert truth["sizes"]["level5_drugs"] == 8 and all(d["in_level5"] for d in truth["drugs"])
    assert truth["parameters"]["n_level5_drugs"] == 8
    _, matrix, _, _ = _read_gctx(out / "lincs-l1000-demo/demo_level5.gctx")
    assert matrix.shape == (8 * 6 + 12, 30)
    text = (out / "DEMO.txt").read_text()
    assert "lincs-consensi-demo" not in text and "what a run uses" in text


def test_rewrite_replaces_demo_but_refuses_other_dirs(tmp_path):
    out = write_demo_data(tmp_path / "d", seed=0, n_genes=60, n_pathways=5, n_drugs=8, n_landmarks=30)
    (out / "stale.txt").write_text("x")
    write_demo_data(out, seed=0, n_genes=60, n_pathways=5, n_drugs=8, n_landmarks=30)
    assert not (out / "stale.txt").exists() and is_demo_dir(out)
    real = tmp_path / "real"
    real.mkdir()
    (real / "keep.txt").write_text("real data")
    with pytest.raises(KgexprError, match="not a kgexpr demo directory"):
        write_demo_data(real)
    assert (real / "keep.txt").read_text() == "real data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "real"]


def test_atomic_write_leaves_nothing_on_failure(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(gct, "write_gctx", boom)  # fails after KGML, gene ids, hub, ... were written
    out = tmp_path / "data"
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_demo_data(out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_keeps_previous_demo_on_failure(tmp_path, monkeypatch):
    small = dict(n_genes=60, n_pathways=5, n_drugs=8, n_landmarks=30)
    out = write_demo_data(tmp_path / "data", seed=3, **small)
    before = _files(out)
    monkeypatch.setattr(gct, "write_gctx", lambda *a, **k: (_ for _ in ()).throw(OSError("no space")))
    with pytest.raises(OSError):
        write_demo_data(out, seed=4, **small)
    assert _files(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


@pytest.mark.parametrize("kwargs", [dict(n_landmarks=500), dict(n_genes=5), dict(doses=(0.1, -1.0)),
                                    dict(noise=-0.1), dict(n_pathways=200), dict(cell_line="MC F7"),
                                    dict(n_level5_drugs=0), dict(n_drugs=0)])
def test_bad_parameters(tmp_path, kwargs):
    with pytest.raises(KgexprError):
        write_demo_data(tmp_path / "x", **kwargs)
    assert not (tmp_path / "x").exists()


# --------------------------------------------------------------------------- formats

def test_kgml_parses_like_kegg(demo_dir):
    gene_ids = set(pd.read_csv(demo_dir / "gene-ids/GSE92742_Broad_LINCS_gene_info.txt", sep="\t").pr_gene_id)
    seen = set()
    for path in sorted((demo_dir / "kegg-kgml").glob("*.xml")):
        root = ET.parse(path).getroot()
        num = path.stem[3:]
        assert root.tag == "pathway" and root.get("name") == f"path:hsa{num}"
        assert root.get("org") == "hsa" and root.get("number") == num
        assert root.get("title").startswith("Simulated pathway")
        entries = {e.get("id"): e for e in root.findall("entry")}
        genes = {i: e for i, e in entries.items() if e.get("type") == "gene"}
        assert len(genes) >= 3
        for e in genes.values():
            ids = [int(n.split(":")[1]) for n in e.get("name").split()]
            assert all(n.startswith("hsa:") for n in e.get("name").split())
            assert set(ids) <= gene_ids
            seen.update(ids)
            assert e.find("graphics").get("name").startswith("SIMG")
        rels = root.findall("relation")
        assert rels
        adj: dict[str, set] = {i: set() for i in genes}
        for r in rels:
            assert r.get("type") in {"PPrel", "GErel"}
            a, b = r.get("entry1"), r.get("entry2")
            assert a in genes and b in genes
            adj[a].add(b)
            adj[b].add(a)
            subs = [(s.get("name"), s.get("value")) for s in r.findall("subtype")]
            assert subs and subs[0][0] in {"activation", "inhibition", "expression", "repression",
                                           "indirect effect", "binding/association"}
            if subs[0][0] == "activation":
                assert subs[0][1] == "-->"
        # each simulated pathway is one connected component
        start = next(iter(adj))
        stack, comp = [start], {start}
        while stack:
            for n in adj[stack.pop()] - comp:
                comp.add(n)
                stack.append(n)
        assert comp == set(adj), path.name
    assert len(seen) > 0.7 * len(gene_ids)
    raw = (demo_dir / "kegg-kgml/hsa90001.xml").read_text()
    assert 'value="--&gt;"' in raw and "SIMULATED" in raw


def test_gene_tables(demo_dir):
    lincs = pd.read_csv(demo_dir / "gene-ids/GSE92742_Broad_LINCS_gene_info.txt", sep="\t")
    assert list(lincs.columns) == ["pr_gene_id", "pr_gene_symbol", "pr_gene_title", "pr_is_lm", "pr_is_bing"]
    assert len(lincs) == 400 and lincs.pr_is_lm.sum() == 200
    assert lincs.pr_gene_id.min() == 900001 and lincs.pr_gene_symbol.iloc[0] == "SIMG001"
    with gzip.open(demo_dir / "gene-ids/Homo_sapiens.gene_info.gz", "rt") as fh:
        first = fh.readline()
    assert first.startswith("#Format: tax_id GeneID Symbol LocusTag Synonyms dbXrefs chromosome map_location")
    if (REAL / "gene-ids/Homo_sapiens.gene_info.gz").exists():
        with gzip.open(REAL / "gene-ids/Homo_sapiens.gene_info.gz", "rt") as fh:
            assert fh.readline() == first
    ncbi = pd.read_csv(demo_dir / "gene-ids/Homo_sapiens.gene_info.gz", sep="\t", skiprows=1, header=None,
                       dtype=str)
    assert ncbi.shape == (400, 15) and (ncbi[0] == "9606").all()
    assert list(ncbi[1].astype(int)) == list(lincs.pr_gene_id)


def test_hub_and_pertinfo(demo_dir):
    hub = pd.read_csv(demo_dir / "drug-targets-repurposing-hub/repurposing_hub_export.tsv", sep="\t",
                      dtype=str, keep_default_na=False)
    assert list(hub.columns) == ["Name", "MOA", "Target", "Disease Area", "Indication", "Vendor", "Purity", "Id",
                                 "SMILES", "InChIKey", "Phase", "Deprecated ID"]
    assert len(hub) == 300
    pert_ids = hub.Id.str.split(", ").map(lambda ids: {i[:13] for i in ids})
    assert all(len(p) == 1 for p in pert_ids)
    pert_ids = pert_ids.map(lambda s: next(iter(s)))
    assert pert_ids.str.fullmatch(r"BRD-K\d{8}").all() and pert_ids.is_unique
    n_targets = hub.Target.map(lambda t: len(t.split(", ")) if t else 0)
    assert n_targets.max() <= 4 and (n_targets == 0).sum() >= 1 and (n_targets >= 1).sum() >= 280
    moa = hub.MOA.map(lambda m: [w.rsplit(" ", 1) for w in m.split(", ")] if m else [])
    assert all([t for t, _ in m] == (d.split(", ") if d else []) for m, d in zip(moa, hub.Target))
    assert {w for m in moa for _, w in m} == {"inhibitor", "agonist"}
    if (REAL / "drug-targets-repurposing-hub/repurposing_hub_export.tsv").exists():
        real = pd.read_csv(REAL / "drug-targets-repurposing-hub/repurposing_hub_export.tsv", sep="\t", nrows=2)
        assert list(real.columns) == list(hub.columns)
    pert = pd.read_csv(demo_dir / "lincs-metadata/pertinfo.tsv.gz", sep="\t", dtype=str, keep_default_na=False)
    if (REAL / "lincs-metadata/pertinfo.tsv.gz").exists():
        real = pd.read_csv(REAL / "lincs-metadata/pertinfo.tsv.gz", sep="\t", nrows=2)
        assert list(real.columns) == list(pert.columns)
    cp = pert[pert.pert_type == "trt_cp"]
    assert set(cp.pert_id) == set(pert_ids) and "DMSO" in set(pert.pert_id)
    assert cp.inchi_key.str.startswith("InChIKey=").all() and cp.inchi_key.is_unique
    assert (cp.molecular_wt.astype(float) > 0).all()
    assert set(cp.loc[cp.num_sig.astype(int) > 0, "pert_id"]) == {f"BRD-K{90000000 + i:08d}" for i in range(1, 61)}


def test_every_smiles_parses_with_rdkit_and_matches_formula_and_weight(demo_dir):
    pert = pd.read_csv(demo_dir / "lincs-metadata/pertinfo.tsv.gz", sep="\t", dtype=str, keep_default_na=False)
    cp = pert[pert.pert_type == "trt_cp"]
    assert len(cp) == 300
    canonical = set()
    for row in cp.itertuples():
        mol = Chem.MolFromSmiles(row.canonical_smiles)
        assert mol is not None, row.canonical_smiles
        assert rdMolDescriptors.CalcMolFormula(mol) == row.molecular_formula, row.pert_id
        assert abs(Descriptors.MolWt(mol) - float(row.molecular_wt)) < 1e-3, row.pert_id
        canonical.add(Chem.MolToSmiles(mol))
    assert len(canonical) == len(cp)  # no two simulated drugs share a structure
    hub = pd.read_csv(demo_dir / "drug-targets-repurposing-hub/repurposing_hub_export.tsv", sep="\t", dtype=str,
                      keep_default_na=False)
    smiles_of = dict(zip(cp.pert_id, cp.canonical_smiles))
    for row in hub.itertuples():
        for pid, smi in zip(row.Id.split(", "), row.SMILES.split(", ")):
            assert smi == smiles_of[pid[:13]] and Chem.MolFromSmiles(smi) is not None


def test_cell_line_tables(demo_dir):
    alt = pd.read_csv(demo_dir / "cell-line-alterations-gdsc/omnibem_genomic_alterations.csv.gz", dtype=str,
                      keep_default_na=False)
    assert list(alt.columns) == ["COSMIC.ID", "IDENTIFIER", "GENE", "SAMPLE", "TISSUE.TYPE", "TYPE"]
    mcf7 = alt[alt.SAMPLE == "MCF7"]
    assert (mcf7.TYPE == "Point.mutation").sum() >= 3 and alt.SAMPLE.nunique() >= 3
    raw = gzip.open(demo_dir / "cell-line-alterations-gdsc/omnibem_genomic_alterations.csv.gz").read()
    assert raw.startswith(b'"COSMIC.ID","IDENTIFIER","GENE","SAMPLE","TISSUE.TYPE","TYPE"\r\n')
    lines = pd.read_csv(demo_dir / "cell-line-alterations-gdsc/cancer_cell_lines.csv", dtype=str)
    assert list(lines.columns) == ["NAME", "COSMIC", "TISSUE", "TISSUE_SUB_TYPE"]
    assert set(alt.SAMPLE) == set(lines.NAME) and "MCF7" in set(lines.NAME)


def test_gctx_layout_and_gct_same_values(demo_dir):
    version, matrix, row, col = _read_gctx(demo_dir / "lincs-l1000-demo/demo_level5.gctx")
    assert version == b"GCTX1.0"
    assert matrix.dtype == np.float32 and matrix.shape == (372, 200)  # samples x genes, as in GCTX
    assert {"id", "pr_gene_id", "pr_gene_symbol", "pr_is_lm"} == set(row)
    assert {"id", "cell_id", "pert_id", "pert_iname", "pert_type", "pert_dose", "pert_dose_unit", "pert_idose",
            "pert_time", "pert_itime"} <= set(col)
    with h5py.File(demo_dir / "lincs-l1000-demo/demo_level5.gctx") as f:
        assert f["0/META/COL/id"].dtype.kind == "S"
    row_ids, row_meta, col_ids, col_meta, values = _read_gct(demo_dir / "lincs-l1000-demo/demo_level5.gct")
    assert row_ids == [x.decode() for x in row["id"]]
    assert col_ids == [x.decode() for x in col["id"]] and len(set(col_ids)) == len(col_ids)
    assert np.array_equal(values.astype(np.float32), matrix.T)
    for k in ("cell_id", "pert_id", "pert_type", "pert_idose", "pert_itime", "pert_dose_unit"):
        assert col_meta[k] == [x.decode() for x in col[k]], k
    assert np.array_equal(np.array(col_meta["pert_dose"], float), col["pert_dose"])
    assert row_meta["pr_gene_symbol"] == [x.decode() for x in row["pr_gene_symbol"]]
    # only landmark genes, metadata values as in LINCS
    lincs = pd.read_csv(demo_dir / "gene-ids/GSE92742_Broad_LINCS_gene_info.txt", sep="\t")
    lm = set(lincs.loc[lincs.pr_is_lm == 1, "pr_gene_id"].astype(str))
    assert set(row_ids) == lm and set(row_meta["pr_is_lm"]) == {"1"}
    assert set(col_meta["cell_id"]) == {"MCF7"} and set(col_meta["pert_itime"]) == {"24 h"}
    assert set(col_meta["pert_type"]) == {"trt_cp", "ctl_vehicle"}
    trt = [i for i, t in enumerate(col_meta["pert_type"]) if t == "trt_cp"]
    assert {col_meta["pert_idose"][i] for i in trt} == {f"{d!r} um" for d in (0.04, 0.12, 0.37, 1.11, 3.33, 10.0)}
    assert {col_meta["pert_dose_unit"][i] for i in trt} == {"um"}
    assert set(col_meta["pert_id"][i] for i, t in enumerate(col_meta["pert_type"]) if t == "ctl_vehicle") == {"DMSO"}
    assert np.isfinite(matrix).all() and 0.2 < matrix.std() < 3 and abs(matrix.mean()) < 0.5


# --------------------------------------------------------------------------- the simulated signal

def _level5(demo_dir: Path):
    _, matrix, row, col = _read_gctx(demo_dir / "lincs-l1000-demo/demo_level5.gctx")
    genes = pd.Index([x.decode() for x in row["pr_gene_symbol"]])
    meta = pd.DataFrame({"pert_id": col["pert_id"].astype(str), "dose": col["pert_dose"]})
    return matrix, genes, meta


def _hub(demo_dir: Path) -> pd.DataFrame:
    hub = pd.read_csv(demo_dir / "drug-targets-repurposing-hub/repurposing_hub_export.tsv", sep="\t", dtype=str,
                      keep_default_na=False)
    hub["pert_id"] = hub.Id.str[:13]
    return hub


def _modes(hub_row) -> list[tuple[str, float]]:
    """(listed target, -1 inhibitor / +1 agonist) from the Hub export's MOA column."""
    out = []
    for part in filter(None, hub_row.MOA.split(", ")):
        name, word = part.rsplit(" ", 1)
        out.append((name, -1.0 if word == "inhibitor" else 1.0))
    return out


def test_target_expression_follows_dose(demo_dir):
    """For a drug's landmark target, expression moves with dose in the direction of the MOA."""
    matrix, genes, meta = _level5(demo_dir)
    rhos = []
    for _, d in _hub(demo_dir).iterrows():
        rows = (meta.pert_id == d.pert_id).to_numpy()
        if not rows.any():  # only the first drugs are on the level-5 plate
            continue
        for t, sign in _modes(d):
            if t in genes:
                expr = pd.Series(matrix[rows, genes.get_loc(t)])
                rhos.append(sign * expr.corr(pd.Series(meta.dose[rows].to_numpy()), method="spearman"))
    assert len(rhos) >= 20
    assert max(rhos) > 0.5  # "one target gene of a drug"
    assert np.mean(np.array(rhos) > 0.5) >= 0.75 and np.median(rhos) > 0.7


def test_graph_neighbours_carry_signal(demo_dir):
    """Landmark genes downstream of a drug's targets in the KGML respond more than unrelated genes."""
    matrix, genes, meta = _level5(demo_dir)
    downstream = _downstream(demo_dir)
    near, far = [], []
    vehicle = matrix[(meta.pert_id == "DMSO").to_numpy()].mean(0)
    for _, d in _hub(demo_dir).iterrows():
        targets = set(filter(None, d.Target.split(", ")))
        rows = ((meta.pert_id == d.pert_id) & (meta.dose == meta.dose.max())).to_numpy()
        if not targets or not rows.any():
            continue
        delta = np.abs(matrix[rows].mean(0) - vehicle)
        nbrs = set().union(*(downstream.get(t, set()) for t in targets)) - targets
        for g, v in zip(genes, delta):
            if g not in targets:
                (near if g in nbrs else far).append(v)
    assert len(near) >= 30
    assert np.mean(near) > 1.5 * np.mean(far)


def _downstream(demo_dir: Path) -> dict[str, set]:
    lincs = pd.read_csv(demo_dir / "gene-ids/GSE92742_Broad_LINCS_gene_info.txt", sep="\t")
    sym_of = dict(zip(lincs.pr_gene_id, lincs.pr_gene_symbol))
    downstream: dict[str, set] = {}
    for path in (demo_dir / "kegg-kgml").glob("*.xml"):
        root = ET.parse(path).getroot()
        ent = {e.get("id"): [sym_of[int(n.split(":")[1])] for n in e.get("name").split()]
               for e in root.findall("entry") if e.get("type") == "gene"}
        for r in root.findall("relation"):
            if r.find("subtype").get("name") == "binding/association":
                continue
            for a in ent[r.get("entry1")]:
                downstream.setdefault(a, set()).update(ent[r.get("entry2")])
    return downstream


# --------------------------------------------------------------------------- the consensus set

def _consensus(demo_dir: Path) -> pd.DataFrame:
    return pd.read_csv(demo_dir / "lincs-consensi-demo/consensi-demo.tsv.gz", sep="\t", index_col=0)


def test_consensus_layout_like_dhimmel(demo_dir):
    raw = gzip.open(demo_dir / "lincs-consensi-demo/consensi-demo.tsv.gz", "rt").read().splitlines()
    header = raw[0].split("\t")
    assert header[0] == "perturbagen" and header[1:] == sorted(header[1:])  # Entrez ids in text order
    assert len(raw) == 301 and all(len(line.split("\t")) == 201 for line in raw)
    cells = [v for line in raw[1:] for v in line.split("\t")[1:]]
    assert all(len(v.split(".")[1]) == 3 for v in cells) and "-0.000" not in cells
    ids = [line.split("\t", 1)[0] for line in raw[1:]]
    assert ids == sorted(ids) == [f"BRD-K{90000000 + i:08d}" for i in range(1, 301)]
    genes = pd.read_csv(demo_dir / "lincs-consensi-demo/landmark_genes_entrez_symbol.tsv", sep="\t", dtype=str)
    assert list(genes.columns) == ["entrez_gene_id", "symbol"] and genes.symbol.tolist() == sorted(genes.symbol)
    assert set(genes.entrez_gene_id) == set(header[1:])
    real = REAL / "lincs-consensi-drugbank"
    if (real / "landmark_genes_entrez_symbol.tsv").exists():
        assert list(pd.read_csv(real / "landmark_genes_entrez_symbol.tsv", sep="\t", nrows=1).columns) == list(genes.columns)
        with gzip.open(real / "consensi-drugbank.tsv.gz", "rt") as fh:
            assert fh.readline().split("\t")[0] == "perturbagen"
    values = _consensus(demo_dir).to_numpy()
    assert np.isfinite(values).all() and 0.2 < values.std() < 3 and abs(values.mean()) < 0.5


def test_consensus_set_is_discovered_and_loads(demo_dir):
    sets = discover(demo_dir, gene_info=demo_dir / "gene-ids/GSE92742_Broad_LINCS_gene_info.txt")
    assert [(s.name, s.kind) for s in sets] == [("lincs-consensi-demo", CONSENSUS), ("lincs-l1000-demo", LEVEL5)]
    cons, level5 = sets
    assert cons.path.name == "consensi-demo.tsv.gz" and [p.name for p in cons.extra] == ["landmark_genes_entrez_symbol.tsv"]
    assert level5.path.name == "demo_level5.gctx"
    # a run without --expression takes the set with the most compounds: the consensus set
    assert cons.summary()["compounds"] == 300 > level5.summary()["compounds"] == 60
    loaded = load_expression(cons, progress=False)
    prof = loaded.profiles
    assert prof.values.shape == (300, 200) and loaded.notes == ()
    assert set(prof.samples["pert_id"]) == set(_hub(demo_dir).pert_id)
    lincs = pd.read_csv(demo_dir / "gene-ids/GSE92742_Broad_LINCS_gene_info.txt", sep="\t")
    lm = lincs[lincs.pr_is_lm == 1]
    assert set(prof.values.columns) == set(lm.pr_gene_id)
    assert dict(zip(prof.genes.entrez_id, prof.genes.symbol)) == dict(zip(lm.pr_gene_id, lm.pr_gene_symbol))
    assert np.allclose(prof.values.loc[_consensus(demo_dir).index].to_numpy(), _consensus(demo_dir).to_numpy(),
                       atol=1e-6)
    plate = load_expression(level5, progress=False).profiles  # the per-dose set still loads (compounds only)
    assert plate.values.shape == (360, 200) and plate.samples["pert_id"].nunique() == 60


def test_truth_agrees_with_files(demo_dir):
    truth = json.loads((demo_dir / "demo-truth/truth.json").read_text())
    sizes = truth["sizes"]
    lincs = pd.read_csv(demo_dir / "gene-ids/GSE92742_Broad_LINCS_gene_info.txt", sep="\t")
    assert sizes["genes"] == len(lincs) and sizes["landmarks"] == int(lincs.pr_is_lm.sum()) == len(truth["landmarks"])
    assert {g["entrez_id"] for g in truth["landmarks"]} == set(lincs.loc[lincs.pr_is_lm == 1, "pr_gene_id"])
    assert sizes["pathways"] == len(list((demo_dir / "kegg-kgml").glob("*.xml")))
    assert sizes["relations"] == sum(len(ET.parse(p).getroot().findall("relation"))
                                     for p in (demo_dir / "kegg-kgml").glob("*.xml"))
    cons = _consensus(demo_dir)
    assert sizes["drugs"] == sizes["consensus_compounds"] == len(cons) == len(truth["drugs"]) == 300
    assert sorted(d["pert_id"] for d in truth["drugs"]) == cons.index.tolist()
    _, matrix, row, col = _read_gctx(demo_dir / truth["files"]["level5"])
    plate = {x.decode() for x in col["pert_id"]} - {"DMSO"}
    assert {d["pert_id"] for d in truth["drugs"] if d["in_level5"]} == plate
    assert sizes["level5_drugs"] == len(plate) == 60 and sizes["level5_samples"] == matrix.shape[0] == 372
    assert truth["model"]["consensus_noise_sd"] == pytest.approx(0.3 / np.sqrt(truth["model"]["consensus_replicates"]))
    # listed targets and their modes are exactly what the Hub export says (symbols or NCBI synonyms)
    ncbi = pd.read_csv(demo_dir / "gene-ids/Homo_sapiens.gene_info.gz", sep="\t", skiprows=1, header=None, dtype=str)
    alias = {**dict(zip(ncbi[2], ncbi[2])), **{s: sym for s, sym in zip(ncbi[4], ncbi[2]) if s != "-"}}
    hub = _hub(demo_dir).set_index("pert_id")
    druggable = {g["symbol"] for g in truth["druggable"]}
    assert sizes["druggable_genes"] == len(druggable) >= 25  # at least one per pathway
    for d in truth["drugs"]:
        listed = [(t["symbol"], float(t["sign"])) for t in d["targets"] if t["listed"]]
        assert [(alias[n], s) for n, s in _modes(hub.loc[d["pert_id"]])] == listed
        assert d["targets"][0]["symbol"] in druggable  # primary target
    with_hidden = [d for d in truth["drugs"] if not all(t["listed"] for t in d["targets"])]
    assert 0.05 * len(truth["drugs"]) < len(with_hidden) < 0.3 * len(truth["drugs"])  # they exist but are few


def test_consensus_responds_around_the_targets(demo_dir):
    """At a drug's listed landmark targets the consensus value has the MOA's sign; KGML neighbours of the
    targets move far more than other genes (the signal the graph features must find)."""
    cons = _consensus(demo_dir)
    sym = pd.read_csv(demo_dir / "lincs-consensi-demo/landmark_genes_entrez_symbol.tsv", sep="\t")
    cons.columns = cons.columns.astype(int).map(dict(zip(sym.entrez_gene_id, sym.symbol)))
    downstream = _downstream(demo_dir)
    upstream: dict[str, set] = {}
    for a, bs in downstream.items():
        for b in bs:
            upstream.setdefault(b, set()).add(a)
    agree, near, far = [], [], []
    for _, d in _hub(demo_dir).iterrows():
        modes = _modes(d)
        targets = {t for t, _ in modes}
        if not targets:
            continue
        row = cons.loc[d.pert_id]
        agree += [np.sign(row[t]) == s for t, s in modes if t in row.index]
        nbrs = set().union(*(downstream.get(t, set()) | upstream.get(t, set()) for t in targets)) - targets
        for g, v in row.items():
            if g not in targets:
                (near if g in nbrs else far).append(abs(v))
    assert len(agree) >= 100 and np.mean(agree) > 0.85
    assert len(near) >= 500 and np.mean(near) > 2.5 * np.mean(far)
