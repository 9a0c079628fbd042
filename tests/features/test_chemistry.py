"""Structure descriptors with real RDKit: known molecules, configurable fingerprints, and never a NaN."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from kgexpr.errors import KgexprError
from kgexpr.features.chemistry import DESCRIPTOR_SETS, PHYSCHEM, compute_descriptors, describe, formula_table
from kgexpr.features.design import standard_features

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
ASPIRIN_INCHI = "InChI=1S/C9H8O4/c1-6(10)13-8-5-3-2-4-7(8)9(11)12/h2-5H,1H3,(H,11,12)"


def structures(**rows) -> pd.DataFrame:
    """pert_id -> (smiles, inchi)."""
    return pd.DataFrame([{"pert_id": k, "smiles": s, "inchi": i, "source": "test"} for k, (s, i) in rows.items()])


def test_aspirin_from_smiles():
    X, report = compute_descriptors(structures(asp=(ASPIRIN, "")))
    row = X.loc["asp"]
    assert row["pc_mol_wt"] == pytest.approx(180.16, abs=0.01)
    assert row["pc_hbd"] == 1 and row["pc_hba"] == 3 and row["pc_aromatic_rings"] == 1 and row["pc_rings"] == 1
    assert row["pc_heavy_atoms"] == 13 and row["pc_formal_charge"] == 0
    assert row.filter(like="ecfp_").sum() > 0 and row["structure_missing"] == 0
    assert X.index.name == "pert_id" and (X.dtypes == np.float64).all()
    assert report == {**report, "kind": "structure", "compounds": 1, "parsed": 1, "missing": 0,
                      "by_source": {"test": 1}, "n_columns": 1024 + len(PHYSCHEM) + 1}
    assert describe(report) == "RDKit ECFP4 1024 bits + 11 descriptors"


def test_the_same_molecule_from_its_inchi_has_the_same_row():
    X, report = compute_descriptors(structures(a=(ASPIRIN, ""), b=("", ASPIRIN_INCHI)))
    bits = X.filter(like="ecfp_")
    np.testing.assert_array_equal(bits.loc["a"], bits.loc["b"])
    np.testing.assert_allclose(X.loc["a"], X.loc["b"])
    assert report["parsed_from"] == {"smiles": 1, "inchi": 1}


def test_inchi_is_the_fallback_for_a_smiles_that_does_not_parse():
    X, _ = compute_descriptors(structures(a=("C1CC", ASPIRIN_INCHI)))
    assert X.loc["a", "structure_missing"] == 0 and X.loc["a", "pc_mol_wt"] == pytest.approx(180.16, abs=0.01)


def test_unparseable_empty_and_unknown_compounds_get_zeros_and_the_flag():
    table = structures(bad=("not a smiles((", ""), empty=("", ""), badinchi=("", "InChI=1S/garbage"),
                       asp=(ASPIRIN, ""))
    X, report = compute_descriptors(table, pert_ids=["asp", "bad", "empty", "badinchi", "unknown"])
    assert list(X.index) == ["asp", "bad", "empty", "badinchi", "unknown"]
    assert not X.isna().any().any()
    for pid in ("bad", "empty", "badinchi", "unknown"):
        assert X.loc[pid, "structure_missing"] == 1 and (X.loc[pid].drop("structure_missing") == 0).all()
    assert (report["parsed"], report["missing"], report["unparseable"]) == (1, 4, 2)


def test_no_structures_at_all_still_gives_a_row_per_compound():
    for table in (None, pd.DataFrame(columns=["pert_id", "smiles", "inchi"])):
        X, report = compute_descriptors(table, pert_ids=["p1", "p2"])
        assert X.shape == (2, 1024 + len(PHYSCHEM) + 1) and (X["structure_missing"] == 1).all()
        assert report["parsed"] == 0 and report["by_source"] == {}


def test_radius_and_bits_are_configurable():
    table = structures(asp=(ASPIRIN, ""))
    X64, _ = compute_descriptors(table, radius=1, n_bits=64)
    X2048, _ = compute_descriptors(table, radius=3, n_bits=2048)
    assert X64.filter(like="ecfp_").shape[1] == 64 and X2048.filter(like="ecfp_").shape[1] == 2048
    assert X64.columns[0] == "ecfp_0000" and X2048.columns[2047] == "ecfp_2047"
    r1, _ = compute_descriptors(table, radius=1, n_bits=2048)
    assert r1.filter(like="ecfp_").sum(axis=1).iloc[0] < X2048.filter(like="ecfp_").sum(axis=1).iloc[0]


def test_a_salt_is_described_by_its_largest_fragment():
    X, _ = compute_descriptors(structures(salt=(ASPIRIN + ".[Na+].[Cl-]", ""), asp=(ASPIRIN, "")))
    np.testing.assert_allclose(X.loc["salt"], X.loc["asp"])


def test_the_formula_set():
    table = pd.DataFrame({"pert_id": ["p1", "p2", "p3"], "molecular_formula": ["C2H6O", "not a formula!", ""],
                          "molecular_wt": [46.07, np.nan, 12.0], "source": ["x", "x", "x"]})
    X, report = compute_descriptors(table, "formula", pert_ids=["p1", "p2", "p3", "p4"])
    assert X.loc["p1", "C"] == 2 and X.loc["p1", "O"] == 1 and X.loc["p1", "molecular_wt"] == pytest.approx(46.07)
    assert X.loc["p1", "structure_missing"] == 0
    for pid in ("p2", "p3", "p4"):
        assert X.loc[pid, "structure_missing"] == 1 and (X.loc[pid].drop("structure_missing") == 0).all()
    assert not X.isna().any().any() and report["parsed"] == 1 and report["missing"] == 3
    assert formula_table(table).loc["p2"].isna().all()  # the raw counts keep "unknown" as NaN


def test_an_unknown_descriptor_set_is_an_error():
    with pytest.raises(KgexprError, match="fingerprint"):
        compute_descriptors(None, "fingerprint")
    assert set(DESCRIPTOR_SETS) == {"structure", "formula"}


def test_the_design_joins_descriptors_per_sample_and_flags_unknown_drugs():
    X_desc, _ = compute_descriptors(structures(asp=(ASPIRIN, ""), bad=("((", "")), n_bits=32)
    samples = pd.DataFrame({"pert_id": ["asp", "asp", "bad", "gone"], "dose_um": [1.0, 10.0, 1.0, 1.0],
                            "time_h": [24.0] * 4, "cell_id": ["MCF7"] * 4})
    X = standard_features(samples, X_desc)
    assert "descriptors_missing" not in X.columns and not X.isna().any().any()
    np.testing.assert_array_equal(X["drug_structure_missing"], [0, 0, 1, 1])
    assert X.loc[0, "drug_pc_mol_wt"] == pytest.approx(180.16, abs=0.01) and X.loc[3, "drug_pc_mol_wt"] == 0


def test_a_thousand_compounds_take_seconds():
    rng = np.random.default_rng(0)
    frags = ["C", "CC", "c1ccccc1", "C(=O)", "N", "c1ccncc1", "O", "C(F)", "C(Cl)"]
    smiles = ["".join(rng.choice(frags, size=int(rng.integers(3, 12)))) for _ in range(1000)]
    table = pd.DataFrame({"pert_id": [f"p{i}" for i in range(1000)], "smiles": smiles})
    start = time.perf_counter()
    X, report = compute_descriptors(table)
    assert time.perf_counter() - start < 10 and report["parsed"] == 1000 and X.shape[0] == 1000
