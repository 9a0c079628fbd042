"""LINCS readers: GCT 1.2/1.3 text, GCTX (official HDF5 layout), metadata, profile selection."""

from __future__ import annotations

import math
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from kgexpr.errors import InputError
from kgexpr.sources.lincs import (
    GctData,
    attach_sig_info,
    formula_descriptors,
    parse_dose_um,
    parse_time_h,
    read_expression,
    read_gct,
    read_gctx,
    read_gene_info,
    read_pert_info,
    read_sig_info,
    scale_unit,
    select,
    to_profiles,
)

SAMPLES = ["S1", "S2", "S3", "S4", "S5"]
ROWS = [
    # id, pr_gene_id, symbol, is_lm, values
    ("200814_at", "5720", "PSME1", "1", ["1.5", "2", "3.25", "4", "-0.5"]),
    ("218597_s_at", "55847", "CISD1", "1", ["10", "NaN", "12", "13", "14"]),
    ("probe_x", "-666", "-666", "0", ["0", "0", "0", "0", "0"]),
    ("222103_at", "466", "ATF1", "0", ["7", "8", "", "na", "9.5"]),
]
COL_META = [
    ("cell_id", ["MCF7", "MCF-7", "MCF7", "MCF7", "PC3"]),
    ("pert_id", ["BRD-K76908866-001-06-8", "BRD-K76908866", "DMSO", "BRD-K00000001", "BRD-K76908866"]),
    ("pert_iname", ["neratinib", "neratinib", "DMSO", "foo", "neratinib"]),
    ("pert_type", ["trt_cp", "trt_cp", "ctl_vehicle", "trt_cp", "trt_cp"]),
    ("pert_idose", ["10 \xb5M", "100 nM", "-666", "10.0 um", "500 nM"]),
    ("pert_itime", ["24 h", "6 h", "24 h", "24 h", "24 h"]),
    ("id", SAMPLES),
]


def gct13_text(rows=ROWS, col_meta=COL_META, samples=SAMPLES) -> str:
    """GCT 1.3 in the cmapR style: the row metadata repeats a field literally named "id"."""
    rmeta = ["id", "pr_gene_id", "pr_gene_symbol", "pr_is_lm"]
    out = ["#1.3", f"{len(rows)}\t{len(samples)}\t{len(rmeta)}\t{len(col_meta)}"]
    out.append("\t".join(["id", *rmeta, *samples]))
    for name, vals in col_meta:
        out.append("\t".join([name, *["na"] * len(rmeta), *vals]))
    for rid, gid, sym, lm, vals in rows:
        out.append("\t".join([rid, rid, gid, sym, lm, *vals]))
    return "\n".join(out) + "\n"


def write_gct(path: Path, text: str | None = None) -> Path:
    # latin-1 like the real cmapR file: the micro sign is the single byte 0xB5
    path.write_bytes((text if text is not None else gct13_text()).encode("latin-1"))
    return path


def write_gctx(path: Path, *, col_meta: bool = True, skip: str | None = None, transpose: bool = False) -> Path:
    """Official GCTX layout: 0/DATA/0/matrix stored samples x genes, ids in 0/META/{ROW,COL}/id."""
    values = np.array([[np.nan if v in ("", "na", "NaN") else float(v) for v in r[4]] for r in ROWS])
    with h5py.File(path, "w") as h:
        h.attrs["version"] = np.bytes_("GCTX1.0")
        mat = values if transpose else values.T
        if skip != "0/DATA/0/matrix":
            h.create_dataset("0/DATA/0/matrix", data=mat.astype("float32"))
        if skip != "0/META/ROW/id":
            h.create_dataset("0/META/ROW/id", data=np.array([r[0].encode() for r in ROWS]))
        h.create_dataset("0/META/ROW/pr_gene_id", data=np.array([r[1].encode() for r in ROWS]))
        h.create_dataset("0/META/ROW/pr_gene_symbol", data=np.array([r[2].encode() for r in ROWS]))
        h.create_dataset("0/META/ROW/is_lm", data=np.array([float(r[3]) for r in ROWS], dtype="float32"))
        h.create_dataset("0/META/COL/id", data=np.array([s.encode() for s in SAMPLES]))
        if col_meta:
            for name, vals in COL_META:
                if name != "id":
                    h.create_dataset(f"0/META/COL/{name}", data=np.array([v.encode("latin-1") for v in vals]))
    return path


# ----------------------------------------------------------------------------- GCT / GCTX
def test_read_gct13(tmp_path):
    g = read_gct(write_gct(tmp_path / "x.gct"))
    assert list(g.data.index) == [r[0] for r in ROWS]
    assert list(g.data.columns) == SAMPLES
    assert g.data.dtypes.unique().tolist() == [np.dtype("float32")]  # stored as published
    assert g.data.loc["200814_at"].tolist() == [1.5, 2.0, 3.25, 4.0, -0.5]
    assert math.isnan(g.data.loc["218597_s_at", "S2"])  # "NaN"
    assert g.data.loc["222103_at"].isna().tolist() == [False, False, True, True, False]  # "" and "na"
    assert list(g.row_meta.columns) == ["id.1", "pr_gene_id", "pr_gene_symbol", "pr_is_lm"]
    assert g.row_meta.loc["probe_x", "pr_gene_id"] == "-666"
    assert list(g.col_meta.columns) == ["cell_id", "pert_id", "pert_iname", "pert_type", "pert_idose",
                                        "pert_itime", "id.1"]
    assert g.col_meta.loc["S1", "pert_idose"] == "10 \u00b5M"  # latin-1 byte decoded
    assert g.source.endswith("x.gct")


def test_read_gct12(tmp_path):
    text = "#1.2\n2\t3\nName\tDescription\tA\tB\tC\ng1\tdesc one\t1\t2\t3\ng2\tdesc two\t4\tna\t6\n"
    (tmp_path / "v12.gct").write_text(text)
    g = read_gct(tmp_path / "v12.gct")
    assert g.data.shape == (2, 3)
    assert g.data.loc["g2"].tolist()[0] == 4.0 and math.isnan(g.data.loc["g2", "B"])
    assert g.row_meta.loc["g1", "Description"] == "desc one"
    assert g.col_meta.shape == (3, 0)


def test_read_gctx_matches_gct(tmp_path):
    text = read_gct(write_gct(tmp_path / "x.gct"))
    h5 = read_gctx(write_gctx(tmp_path / "x.gctx"))
    assert list(h5.data.index) == list(text.data.index)
    assert list(h5.data.columns) == SAMPLES
    np.testing.assert_allclose(h5.data.to_numpy(), text.data.to_numpy(), rtol=1e-6, equal_nan=True)
    assert h5.col_meta.loc["S1", "pert_idose"] == "10 \u00b5M"
    assert h5.row_meta["is_lm"].tolist() == [1.0, 1.0, 0.0, 0.0]  # numeric metadata kept numeric
    assert h5.row_meta.loc["200814_at", "pr_gene_symbol"] == "PSME1"
    pt, ph = to_profiles(text), to_profiles(h5)
    pd.testing.assert_frame_equal(pt.samples, ph.samples)
    pd.testing.assert_frame_equal(pt.genes, ph.genes)
    np.testing.assert_allclose(pt.values.to_numpy(), ph.values.to_numpy(), rtol=1e-6, equal_nan=True)


def test_read_expression_sniffs_content(tmp_path):
    # a ".gctx" that is really GCT text (as in the real LJP005 copy) is read as text
    fake = write_gct(tmp_path / "text.gctx")
    assert read_expression(fake).data.shape == (4, 5)
    assert read_expression(write_gctx(tmp_path / "real.gctx")).data.shape == (4, 5)
    assert read_expression(write_gct(tmp_path / "y.gct")).data.shape == (4, 5)
    with pytest.raises(InputError, match="GCT text"):
        read_gctx(fake)


# ----------------------------------------------------------------------------- profiles
def test_to_profiles(tmp_path):
    p = to_profiles(read_gct(write_gct(tmp_path / "x.gct")))
    assert list(p.values.columns) == [5720, 55847, 466]  # probe without Entrez id dropped
    assert list(p.values.index) == SAMPLES
    assert p.values.loc["S1", 5720] == 1.5
    assert p.genes.to_dict("list") == {
        "entrez_id": [5720, 55847, 466], "symbol": ["PSME1", "CISD1", "ATF1"],
        "is_landmark": [True, True, False],
    }
    s = p.samples
    assert list(s.columns) == ["cell_id", "pert_id", "pert_iname", "pert_type", "dose_um", "time_h"]
    assert s["pert_id"].tolist() == ["BRD-K76908866", "BRD-K76908866", "DMSO", "BRD-K00000001", "BRD-K76908866"]
    np.testing.assert_allclose(s["dose_um"], [10.0, 0.1, np.nan, 10.0, 0.5])
    assert s["time_h"].tolist() == [24.0, 6.0, 24.0, 24.0, 24.0]


def test_to_profiles_pert_dose_with_unit(tmp_path):
    meta = [m for m in COL_META if m[0] != "pert_idose"] + [
        ("pert_dose", ["10", "-666", "1", "250", "3.33"]),
        ("pert_dose_unit", ["um", "-666", "mM", "nM", "\ufffdM"]),
        ("pert_time", ["24", "6", "1", "48", "30"]),
        ("pert_time_unit", ["h", "h", "d", "h", "m"]),
    ]
    meta = [m for m in meta if m[0] != "pert_itime"]
    p = to_profiles(read_gct(write_gct(tmp_path / "d.gct", gct13_text(col_meta=meta).replace("\ufffd", "?"))))
    np.testing.assert_allclose(p.samples["dose_um"], [10.0, np.nan, 1000.0, 0.25, 3.33])
    np.testing.assert_allclose(p.samples["time_h"], [24.0, 6.0, 24.0, 48.0, 0.5])


@pytest.mark.parametrize(
    "text, um",
    [("10 \u00b5M", 10.0), ("10 \ufffdM", 10.0), ("10 <b5>M", 10.0), ("10 \u03bcM", 10.0), ("100 nM", 0.1),
     ("10.0 um", 10.0), ("0.04 um", 0.04), ("2 mM", 2000.0), ("-666", math.nan), ("", math.nan),
     (None, math.nan), ("10 mg/ml", math.nan), (5, 5.0)],
)
def test_parse_dose_um(text, um):
    got = parse_dose_um(text)
    assert (math.isnan(got) and math.isnan(um)) or got == pytest.approx(um)


def test_parse_time_h():
    assert parse_time_h("24 h") == 24.0
    assert parse_time_h("6 h & 4 h") == 6.0
    assert parse_time_h("30", "m") == 0.5
    assert math.isnan(parse_time_h("-666"))


def test_select_filters_and_dedupes(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][4] = ["1", "2", "3", "1", "5"]
    rows[1][4] = ["1", "2", "3", "1", "5"]
    rows[3][4] = ["1", "2", "3", "1", "5"]
    meta = [list(m) for m in COL_META]
    meta[1][1] = ["BRD-K1", "BRD-K2", "DMSO", "BRD-K1", "BRD-K2"]
    meta[4][1] = ["10 um", "10 um", "-666", "10 um", "10 um"]
    p = to_profiles(read_gct(write_gct(tmp_path / "s.gct", gct13_text(rows=[tuple(r) for r in rows],
                                                                      col_meta=[tuple(m) for m in meta]))))
    out = select(p, "mcf 7")
    # S3 is a vehicle, S5 is PC3, S4 repeats S1 (same pert, dose, time and values)
    assert list(out.values.index) == ["S1", "S2"]
    assert list(out.values.columns) == [5720, 55847]  # landmarks only
    assert list(out.samples.index) == ["S1", "S2"]
    assert out.genes["entrez_id"].tolist() == [5720, 55847]
    everything = select(p, None, pert_types=None, landmark_only=False)
    assert len(everything.values) == 4 and 466 in everything.values.columns


def test_select_drops_incomplete_and_reports_when_empty(tmp_path):
    p = to_profiles(read_gct(write_gct(tmp_path / "x.gct")))
    out = select(p, "MCF7", landmark_only=False)
    # S2 lacks CISD1, S3 is a vehicle; S4 lacks ATF1 -> only S1 remains once every gene must be present
    assert list(out.values.index) == ["S1"]
    with pytest.raises(InputError) as err:
        select(p, "HEPG2")
    msg = str(err.value)
    assert msg.startswith("expression") and "MCF7 (3)" in msg and "PC3 (1)" in msg and "trt_cp (4)" in msg


def test_scale_unit():
    v = pd.DataFrame({1: [0.0, 5.0, 10.0], 2: [3.0, 3.0, 3.0], 3: [-1.0, np.nan, 1.0]})
    scaled, mins, maxs = scale_unit(v)
    assert scaled[1].tolist() == [0.0, 0.5, 1.0]
    assert scaled[2].tolist() == [0.0, 0.0, 0.0]
    assert scaled[3].iloc[0] == 0.0 and np.isnan(scaled[3].iloc[1]) and scaled[3].iloc[2] == 1.0
    assert mins.tolist() == [0.0, 3.0, -1.0] and maxs.tolist() == [10.0, 3.0, 1.0]


def test_formula_descriptors():
    assert formula_descriptors("C21H23ClFN3O") == {
        "C": 21, "H": 23, "N": 3, "O": 1, "S": 0, "P": 0, "F": 1, "Cl": 1, "Br": 0, "I": 0, "other": 0,
    }
    assert formula_descriptors("C10H14N2O4.H2O")["H"] == 16
    d = formula_descriptors("Ca(OH)2")
    assert (d["O"], d["H"], d["other"]) == (2, 2, 1)
    assert formula_descriptors("C2H6O.2HCl")["Cl"] == 2
    for garbage in ("", "hello", "C2H6O)", "Xx2", "-666"):
        with pytest.raises(ValueError):
            formula_descriptors(garbage)
    with pytest.raises(InputError):
        formula_descriptors("C12(H")


# ----------------------------------------------------------------------------- metadata tables
def test_sig_info_attach(tmp_path):
    ids_only = read_gctx(write_gctx(tmp_path / "ids.gctx", col_meta=False))
    with pytest.raises(InputError) as err:
        to_profiles(ids_only)
    assert err.value.field == "cell_id" and "ids.gctx" in str(err.value)

    lines = ["sig_id\tpert_id\tpert_iname\tpert_type\tcell_id\tpert_idose\tpert_itime"]
    for i, sid in enumerate(SAMPLES):
        lines.append("\t".join([sid, *(m[1][i] for m in COL_META[1:4]), COL_META[0][1][i], COL_META[4][1][i],
                                COL_META[5][1][i]]))
    path = tmp_path / "sig_info.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    info = read_sig_info(path)
    assert list(info["sig_id"]) == SAMPLES

    full = to_profiles(read_gct(write_gct(tmp_path / "x.gct")))
    via_arg = to_profiles(ids_only, info)
    pd.testing.assert_frame_equal(via_arg.samples, full.samples)
    attached = to_profiles(attach_sig_info(ids_only, info))
    pd.testing.assert_frame_equal(attached.samples, full.samples)
    partial = to_profiles(ids_only, require_meta=False)
    assert set(partial.samples["cell_id"]) == {""}
    pd.testing.assert_frame_equal(attach_sig_info(partial, info).samples, full.samples)


def test_sig_info_duplicate_id(tmp_path):
    path = tmp_path / "sig.txt"
    path.write_text("sig_id\tpert_id\tcell_id\tpert_type\na\tp\tc\tt\nb\tp\tc\tt\na\tp\tc\tt\n")
    with pytest.raises(InputError) as err:
        read_sig_info(path)
    assert "sig.txt:4" in str(err.value) and err.value.field == "sig_id" and "line 2" in str(err.value)


def test_pert_info(tmp_path):
    path = tmp_path / "pertinfo.tsv"
    path.write_text(
        "pert_id\tpert_iname\tpert_type\tmolecular_formula\tmolecular_wt\tcanonical_smiles\tinchi_key\n"
        "BRD-K1\tneratinib\ttrt_cp\tC30H29ClN6O3\t557.04\tCC\tInChIKey=JWNPDZNEKVCWMY-VQHVLOKHSA-N\n"
        "CMAP-1\tDMSO\tctl_vehicle\t-666\t\t\t\n"
    )
    p = read_pert_info(path)
    assert p["inchi_key"].tolist() == ["JWNPDZNEKVCWMY-VQHVLOKHSA-N", ""]
    assert p["molecular_wt"].iloc[0] == 557.04 and np.isnan(p["molecular_wt"].iloc[1])
    assert p["molecular_formula"].tolist() == ["C30H29ClN6O3", ""]
    path.write_text("pert_id\tpert_iname\tmolecular_wt\nBRD-K1\tx\t12.5\nBRD-K2\ty\theavy\n")
    with pytest.raises(InputError) as err:
        read_pert_info(path)
    assert "pertinfo.tsv:3" in str(err.value) and err.value.field == "molecular_wt"


def test_read_gene_info(tmp_path):
    path = tmp_path / "gene_info.txt"
    path.write_text("pr_gene_id\tpr_gene_symbol\tpr_gene_title\tpr_is_lm\tpr_is_bing\n"
                    "780\tDDR1\tdiscoidin\t1\t1\n7849\tPAX8\tpaired box 8\t0\t1\n")
    g = read_gene_info(path)
    assert g.to_dict("list") == {"entrez_id": [780, 7849], "symbol": ["DDR1", "PAX8"],
                                 "name": ["discoidin", "paired box 8"], "is_landmark": [True, False]}


# ----------------------------------------------------------------------------- bad input
def test_gct_non_numeric_value(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[1][4] = ["10", "11", "twelve", "13", "14"]
    path = write_gct(tmp_path / "bad.gct", gct13_text(rows=[tuple(r) for r in rows]))
    with pytest.raises(InputError) as err:
        read_gct(path)
    # 3 header lines + 7 column-metadata lines, then the 2nd data row
    assert err.value.line == 12 and err.value.field == "S3"
    assert "bad.gct:12" in str(err.value) and "'twelve'" in str(err.value)


def test_gct_missing_metadata_column(tmp_path):
    meta = [m for m in COL_META if m[0] != "pert_type"]
    path = write_gct(tmp_path / "nometa.gct", gct13_text(col_meta=meta))
    with pytest.raises(InputError) as err:
        to_profiles(read_gct(path))
    assert err.value.field == "pert_type" and "nometa.gct" in str(err.value)


def test_gct_duplicate_ids(tmp_path):
    dup_sample = gct13_text().replace("\tS5", "\tS1", 1)
    with pytest.raises(InputError) as err:
        read_gct(write_gct(tmp_path / "dups.gct", dup_sample))
    assert "dups.gct:3" in str(err.value) and "duplicate id 'S1'" in str(err.value)
    rows = [ROWS[0], ROWS[1], ROWS[2], ("200814_at",) + ROWS[3][1:]]
    with pytest.raises(InputError) as err:
        read_gct(write_gct(tmp_path / "dupr.gct", gct13_text(rows=rows)))
    assert "dupr.gct:14" in str(err.value) and err.value.field == "id"


def test_gct_empty_and_truncated(tmp_path):
    with pytest.raises(InputError) as err:
        read_gct(write_gct(tmp_path / "empty.gct", ""))
    assert "empty.gct:1" in str(err.value) and "empty file" in str(err.value)
    with pytest.raises(InputError, match="expected #1.2 or #1.3"):
        read_gct(write_gct(tmp_path / "nothdr.gct", "hello\n"))
    short = "\n".join(gct13_text().splitlines()[:-1]) + "\n"
    with pytest.raises(InputError, match=r"expected 4 data rows \(as line 2 declares\), found 3"):
        read_gct(write_gct(tmp_path / "short.gct", short))
    ragged = gct13_text().replace("\t-0.5\n", "\n")
    with pytest.raises(InputError) as err:
        read_gct(write_gct(tmp_path / "ragged.gct", ragged))
    assert "ragged.gct:11" in str(err.value) and "columns" in str(err.value)
    lines = gct13_text().splitlines(keepends=True)
    dims = lines[1].split("\t")
    dims[1] = str(int(dims[1]) + 1)  # line 2 claims one sample more than the header holds
    with pytest.raises(InputError) as err:
        read_gct(write_gct(tmp_path / "lying.gct", lines[0] + "\t".join(dims) + "".join(lines[2:])))
    assert "lying.gct:2" in str(err.value) and err.value.field == "dimensions"


def test_gctx_bad_files(tmp_path):
    with pytest.raises(InputError) as err:
        read_gctx(write_gctx(tmp_path / "nomatrix.gctx", skip="0/DATA/0/matrix"))
    assert err.value.field == "0/DATA/0/matrix" and "nomatrix.gctx" in str(err.value)
    with pytest.raises(InputError) as err:
        read_gctx(write_gctx(tmp_path / "norow.gctx", skip="0/META/ROW/id"))
    assert "missing dataset 0/META/ROW/id" in str(err.value)
    with pytest.raises(InputError, match="does not match"):
        read_gctx(write_gctx(tmp_path / "transposed.gctx", transpose=True))
    junk = tmp_path / "junk.gctx"
    junk.write_bytes(b"\x00\x01garbage")
    with pytest.raises(InputError, match="not a readable HDF5"):
        read_gctx(junk)
    (tmp_path / "empty.gctx").write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        read_gctx(tmp_path / "empty.gctx")


def test_gctdata_is_plain_dataclass():
    g = GctData(pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    assert g.source == ""
