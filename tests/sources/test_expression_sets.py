"""The official LINCS releases as published, selection before reading, consensus tables, bad values."""

from __future__ import annotations

import gzip

import h5py
import numpy as np
import pandas as pd
import pytest

from kgexpr.errors import InputError, KgexprError
from kgexpr.sources import gct
from kgexpr.sources.expression_sets import (
    CONSENSUS,
    Selection,
    discover,
    find_set,
    load_expression,
    read_signature_table,
)
from tests.sources.lincs_layouts import (
    GENES,
    LANDMARKS,
    signatures,
    write_clue2020,
    write_gct_text,
    write_gse70138,
    write_gse92742,
)

WRITERS = {"GSE92742": write_gse92742, "GSE70138": write_gse70138, "CLUE2020": write_clue2020}


def _matrix(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, len(GENES))).astype(np.float32)


def _expected(sigs: pd.DataFrame, values: np.ndarray, mask) -> pd.DataFrame:
    cols = [int(np.flatnonzero(GENES["entrez"].to_numpy() == e)[0]) for e in LANDMARKS]
    rows = np.flatnonzero(np.asarray(mask))
    return pd.DataFrame(values[np.ix_(rows, cols)], index=sigs["sig_id"].to_numpy()[rows], columns=LANDMARKS)


@pytest.mark.parametrize("release", list(WRITERS))
@pytest.mark.parametrize("fixed_strings", [False, True])
def test_each_release_loads_as_published(tmp_path, release, fixed_strings):
    sigs, values = signatures(60), _matrix(60)
    WRITERS[release](tmp_path / f"lincs-{release}", sigs, values, fixed_strings=fixed_strings)
    (es,) = discover(tmp_path)
    assert es.release == release and es.name == f"lincs-{release}" and es.sig_info and es.gene_info
    got = load_expression(es, Selection(cell_line="MCF7"), progress=False)
    want = _expected(sigs, values, (sigs["cell_id"] == "MCF7") & (sigs["pert_type"] == "trt_cp"))
    assert got.cell_line == "MCF7" and got.file_signatures == 60
    assert list(got.profiles.values.columns) == LANDMARKS  # landmarks only, file order
    assert got.profiles.values.dtypes.unique().tolist() == [np.dtype("float32")]
    pd.testing.assert_frame_equal(got.profiles.values, want, check_names=False, check_column_type=False)
    s = got.profiles.samples
    assert set(s["cell_id"]) == {"MCF7"} and set(s["pert_type"]) == {"trt_cp"}
    np.testing.assert_allclose(s["dose_um"], sigs.set_index("sig_id").loc[s.index, "dose_um"], rtol=1e-2)
    np.testing.assert_array_equal(s["time_h"], sigs.set_index("sig_id").loc[s.index, "time_h"])
    assert (s["pert_iname"] == s["pert_id"].str.lower()).all()  # cmap_name / pert_iname both understood


def test_selection_by_time_dose_and_seeded_draw(tmp_path):
    sigs, values = signatures(200), _matrix(200)
    write_gse92742(tmp_path / "gse", sigs, values)
    (es,) = discover(tmp_path)
    at24 = load_expression(es, Selection(cell_line="A375", time_h=24), progress=False).profiles.samples
    assert len(at24) and (at24["time_h"] == 24).all() and (at24["cell_id"] == "A375").all()
    dosed = load_expression(es, Selection(cell_line="A375", dose_um=10), progress=False).profiles.samples
    assert len(dosed) and np.allclose(dosed["dose_um"], 10)
    everything = load_expression(es, Selection(cell_line="MCF7"), progress=False).profiles.samples.index
    a = load_expression(es, Selection(cell_line="MCF7", max_signatures=10, seed=3), progress=False)
    b = load_expression(es, Selection(cell_line="MCF7", max_signatures=10, seed=3), progress=False)
    c = load_expression(es, Selection(cell_line="MCF7", max_signatures=10, seed=4), progress=False)
    assert len(a.profiles.samples) == 10 and set(a.profiles.samples.index) <= set(everything)
    assert list(a.profiles.samples.index) == list(b.profiles.samples.index)
    assert list(a.profiles.samples.index) != list(c.profiles.samples.index)
    with pytest.raises(KgexprError, match="no signatures for .*time 48 h.*cell lines with such"):
        load_expression(es, Selection(cell_line="MCF7", time_h=48), progress=False)


def test_auto_cell_line_is_mcf7_when_it_has_enough(tmp_path):
    sigs, values = signatures(300), _matrix(300)
    write_gse92742(tmp_path / "gse", sigs, values)
    (es,) = discover(tmp_path)
    assert load_expression(es, Selection(), progress=False).cell_line == "MCF7"


def _corrupt_unselected_chunks(path, sample_rows: np.ndarray, gene_cols: np.ndarray) -> int:
    """Overwrite every chunk that holds no selected cell with NaN bytes; returns how many."""
    with h5py.File(path, "r") as h5:
        d = h5["0/DATA/0/matrix"]
        c0, c1 = d.chunks
        spans = []
        for i in range(d.id.get_num_chunks()):
            info = d.id.get_chunk_info(i)
            r, c = info.chunk_offset
            rows_hit = ((sample_rows >= r) & (sample_rows < r + c0)).any()
            cols_hit = ((gene_cols >= c) & (gene_cols < c + c1)).any()
            if not (rows_hit and cols_hit):
                spans.append((info.byte_offset, info.size))
    nan = np.full(1, np.nan, dtype=np.float32).tobytes()
    with open(path, "r+b") as fh:
        for off, size in spans:
            fh.seek(off)
            fh.write(nan * (size // 4))
    return len(spans)


def test_unselected_chunks_are_never_read(tmp_path):
    sigs, values = signatures(64), _matrix(64)
    files = write_gse92742(tmp_path / "gse", sigs, values, chunks=(4, 3))
    mask = ((sigs["cell_id"] == "PC3") & (sigs["pert_type"] == "trt_cp")).to_numpy()
    rows = np.flatnonzero(mask)
    cols = np.flatnonzero(GENES["lm"].to_numpy() == 1)
    assert _corrupt_unselected_chunks(files["matrix"], rows, cols) > 0
    whole = gct.read_gctx(files["matrix"])
    assert whole.data.isna().to_numpy().any()  # the corruption is real: reading everything sees it
    (es,) = discover(tmp_path)
    got = load_expression(es, Selection(cell_line="PC3"), progress=False)
    pd.testing.assert_frame_equal(got.profiles.values, _expected(sigs, values, mask), check_names=False,
                                  check_column_type=False)


def test_compressed_unselected_chunks_are_never_decompressed(tmp_path):
    sigs, values = signatures(40), _matrix(40)
    files = write_gse92742(tmp_path / "gse", sigs, values, chunks=(5, 4), compression="gzip")
    mask = ((sigs["cell_id"] == "A375") & (sigs["pert_type"] == "trt_cp")).to_numpy()
    assert _corrupt_unselected_chunks(files["matrix"], np.flatnonzero(mask),
                                      np.flatnonzero(GENES["lm"].to_numpy() == 1)) > 0
    with pytest.raises(InputError, match="corrupt GCTX"):
        gct.read_gctx(files["matrix"])
    (es,) = discover(tmp_path)
    got = load_expression(es, Selection(cell_line="A375"), progress=False)
    assert np.allclose(got.profiles.values.to_numpy(), _expected(sigs, values, mask).to_numpy())


@pytest.mark.parametrize("suffix", [".gct", ".gct.gz"])
def test_gct_text_is_streamed_with_the_same_selection(tmp_path, suffix):
    sigs, values = signatures(50), _matrix(50)
    write_gct_text(tmp_path / "lincs-l1000-text" / f"plate{suffix}", sigs, values)
    (es,) = discover(tmp_path)
    got = load_expression(es, Selection(cell_line="MCF7"), progress=False)
    want = _expected(sigs, values, (sigs["cell_id"] == "MCF7") & (sigs["pert_type"] == "trt_cp"))
    np.testing.assert_allclose(got.profiles.values.to_numpy(), want.to_numpy(), rtol=1e-5)
    assert list(got.profiles.values.index) == list(want.index)


def test_gct_selection_errors_name_the_unknown_id(tmp_path):
    sigs, values = signatures(10), _matrix(10)
    path = write_gct_text(tmp_path / "x.gct", sigs, values)
    with pytest.raises(InputError, match="1 selected sample not in the file, e.g. 'nope'"):
        gct.read_gct(path, samples=["nope"])
    sub = gct.read_gct(path, samples=list(sigs["sig_id"][:3]), genes=["780_at"])
    assert sub.data.shape == (1, 3) and sub.data.iloc[0, 0] == pytest.approx(values[0, 0], rel=1e-5)


def test_releases_side_by_side_in_one_folder(tmp_path):
    sigs, values = signatures(30), _matrix(30)
    write_gse92742(tmp_path / "lincs", sigs, values)
    write_clue2020(tmp_path / "lincs", sigs, values)
    sets = discover(tmp_path)
    assert sorted(s.release for s in sets) == ["CLUE2020", "GSE92742"]
    assert all(s.name.startswith("lincs/") for s in sets)  # named after their files
    clue = next(s for s in sets if s.release == "CLUE2020")
    assert clue.sig_info.name == "siginfo_beta.txt" and clue.gene_info.name == "geneinfo_beta.txt"
    assert find_set(sets, clue.name, tmp_path) == clue
    assert find_set(sets, str(clue.path), tmp_path) == clue
    with pytest.raises(KgexprError, match="not an expression set name or file .*lincs/"):
        find_set(sets, "lincs-phase3", tmp_path)


def test_signature_table_spellings(tmp_path):
    sigs = signatures(5)
    write_clue2020(tmp_path, sigs, _matrix(5))
    t = read_signature_table(tmp_path / "siginfo_beta.txt")
    assert {"cell_id", "pert_iname", "pert_id", "pert_type", "pert_dose"} <= set(t.columns)
    assert "cell_iname" not in t.columns and t.index.name == "sig_id"
    (tmp_path / "bad.txt").write_text("sig_id\tpert_id\npert\tx\n")
    with pytest.raises(InputError, match="missing column 'pert_type'"):
        read_signature_table(tmp_path / "bad.txt")


# --------------------------------------------------------------------------- bad values
def test_infinite_value_names_file_signature_and_gene(tmp_path):
    sigs, values = signatures(40), _matrix(40)
    mcf7 = int(np.flatnonzero((sigs["cell_id"] == "MCF7") & (sigs["pert_type"] == "trt_cp"))[2])
    col = int(np.flatnonzero(GENES["entrez"].to_numpy() == LANDMARKS[1])[0])
    values[mcf7, col] = np.inf
    write_gse92742(tmp_path / "gse", sigs, values)
    (es,) = discover(tmp_path)
    with pytest.raises(InputError) as err:
        load_expression(es, Selection(cell_line="MCF7"), progress=False)
    msg = str(err.value)
    assert "GSE92742_Broad_LINCS_Level5" in msg and sigs["sig_id"][mcf7] in msg and str(LANDMARKS[1]) in msg


def test_nan_signatures_are_dropped_with_a_count_or_rejected_when_strict(tmp_path):
    sigs, values = signatures(40), _matrix(40)
    chosen = np.flatnonzero((sigs["cell_id"] == "MCF7") & (sigs["pert_type"] == "trt_cp"))
    col = int(np.flatnonzero(GENES["entrez"].to_numpy() == LANDMARKS[0])[0])
    values[chosen[:2], col] = np.nan
    write_gse92742(tmp_path / "gse", sigs, values)
    (es,) = discover(tmp_path)
    got = load_expression(es, Selection(cell_line="MCF7"), progress=False)
    assert len(got.profiles.values) == len(chosen) - 2
    assert "2 signatures with missing values (NaN) dropped" in got.notes
    assert not got.profiles.values.isna().to_numpy().any()
    with pytest.raises(InputError, match="missing value \\(NaN\\) for signature .*2 signatures"):
        load_expression(es, Selection(cell_line="MCF7"), strict=True, progress=False)


# --------------------------------------------------------------------------- consensus
def _consensus(path, ids, genes, values):
    lines = ["perturbagen\t" + "\t".join(map(str, genes))]
    lines += [f"{i}\t" + "\t".join(f"{v:.3f}" for v in row) for i, row in zip(ids, values)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return path


def test_consensus_table_is_one_sample_per_compound(tmp_path):
    values = np.random.default_rng(0).normal(size=(6, 4))
    _consensus(tmp_path / "lincs-consensi-drugbank" / "consensi-drugbank.tsv.gz",
               [f"DB0000{i}" for i in range(6)], [16, 10058, 1001, 7849], values)
    (tmp_path / "lincs-consensi-drugbank" / "landmark_genes_entrez_symbol.tsv").write_text(
        "entrez_gene_id\tsymbol\n16\tAARS\n10058\tABCB6\n")
    (es,) = discover(tmp_path)
    assert es.kind == CONSENSUS and es.n_signatures == 6
    got = load_expression(es, Selection(cell_line="MCF7"), progress=False)  # cell line: not applicable
    s = got.profiles.samples
    assert list(s.index) == [f"DB0000{i}" for i in range(6)] and (s["pert_id"] == s.index).all()
    assert s["dose_um"].isna().all() and s["time_h"].isna().all() and (s["cell_id"] == "").all()
    assert list(got.profiles.values.columns) == [16, 10058, 1001, 7849]
    assert got.profiles.genes.set_index("entrez_id").loc[16, "symbol"] == "AARS"
    np.testing.assert_allclose(got.profiles.values.to_numpy(), values, atol=5e-4)
    assert len(load_expression(es, Selection(max_signatures=4), progress=False).profiles.values) == 4


@pytest.mark.parametrize("header, row, words", [
    ("perturbagen\t16\tABC", "DB1\t1\t2", "column 'ABC' is not an Entrez gene id"),
    ("perturbagen\t16\t17", "DB1\t1\tx", "not a number: 'x'"),
])
def test_consensus_bad_input_is_one_error(tmp_path, header, row, words):
    p = tmp_path / "consensi-x.tsv"
    p.write_text(f"{header}\n{row}\n")
    (es,) = discover(tmp_path)
    with pytest.raises(InputError, match=words):
        load_expression(es, progress=False)


def test_the_default_set_is_the_one_with_most_compounds(tmp_path):
    from kgexpr.settings import Settings
    from kgexpr.sources.catalog import DataCatalog
    from kgexpr.stages.load import pick_expression

    sigs, values = signatures(30), _matrix(30)
    write_gse92742(tmp_path / "lincs-gse", sigs, values)
    n_compounds = sigs.loc[sigs["pert_type"] == "trt_cp", "pert_id"].nunique()
    ids = [f"DB{i:05d}" for i in range(n_compounds + 1)]
    _consensus(tmp_path / "consensus" / "consensi-x.tsv.gz", ids, [16, 17], np.zeros((len(ids), 2)))
    catalog = DataCatalog(tmp_path)
    assert pick_expression(catalog, Settings()).name == "consensus"
    assert pick_expression(catalog, Settings.of(expression="lincs-gse")).release == "GSE92742"
    _consensus(tmp_path / "consensus" / "consensi-x.tsv.gz", ids[:2], [16, 17], np.zeros((2, 2)))
    assert pick_expression(catalog, Settings()).name == "lincs-gse"


def test_pooled_signatures_get_no_dose_or_time_features():
    from kgexpr.features.design import standard_features

    pooled = pd.DataFrame({"cell_id": "", "pert_id": ["DB1", "DB2"], "dose_um": np.nan, "time_h": np.nan})
    assert not {"log10_dose_um", "time_h"} & set(standard_features(pooled, None).columns)
    dosed = pooled.assign(dose_um=[1.0, np.nan], time_h=[24.0, 6.0])
    assert {"log10_dose_um", "time_h"} <= set(standard_features(dosed, None).columns)


@pytest.fixture
def data_with_broken_sets(demo_data, tmp_path):
    """The demo data plus an empty consensus table, a truncated gzip one and an empty GCT beside the real sets."""
    import shutil

    root = tmp_path / "data"
    shutil.copytree(demo_data, root)
    (root / "lincs-consensi-empty").mkdir()
    (root / "lincs-consensi-empty" / "consensi-empty.tsv.gz").write_bytes(b"")
    (root / "lincs-consensi-trunc").mkdir()
    whole = gzip.compress(("pert_id\t1\t2\n" + "".join(f"BRD-K{i:08d}\t0.1\t0.2\n" for i in range(2000))).encode())
    (root / "lincs-consensi-trunc" / "consensi-trunc.tsv.gz").write_bytes(whole[: len(whole) // 2])
    level5 = next(p for p in root.iterdir() if p.name.startswith("lincs-l1000"))
    (level5 / "empty.gct").write_text("")
    return root


def test_kgexpr_data_lists_broken_sets_as_unreadable_naming_the_file(data_with_broken_sets):
    from click.testing import CliRunner

    from kgexpr.cli import main

    res = CliRunner().invoke(main, ["data", "--data-dir", str(data_with_broken_sets)])
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
    unreadable = [x for x in res.output.splitlines() if "unreadable:" in x]
    assert len(unreadable) == 3
    assert any("consensi-empty.tsv.gz: is empty" in x for x in unreadable)
    assert any("consensi-trunc.tsv.gz: cannot be read (EOFError" in x for x in unreadable)
    assert any("empty.gct" in x for x in unreadable)


@pytest.mark.slow
def test_the_default_run_skips_unreadable_sets_and_a_chosen_one_is_one_line(data_with_broken_sets, tmp_path):
    from click.testing import CliRunner

    from kgexpr.cli import main

    res = CliRunner().invoke(main, ["load", "--data-dir", str(data_with_broken_sets), "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert res.output.count("expression: skipped: ") == 3
    res = CliRunner().invoke(main, ["load", "--data-dir", str(data_with_broken_sets), "--out", str(tmp_path / "b"),
                                    "--expression", "lincs-consensi-trunc"])
    assert res.exit_code == 2 and "Traceback" not in res.output and "Aborted" not in res.output
    errors = [x for x in res.output.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "consensi-trunc.tsv.gz" in errors[0]
    assert not (tmp_path / "b").exists()
