"""Structures per perturbagen: source precedence, Hub sample ids -> pert_ids, placeholders as missing."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from kgexpr.sources.catalog import DataCatalog
from kgexpr.sources.structures import COLUMNS, gather_structures, read_hub_structures

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
ETHANOL_INCHI = "InChI=1S/C2H6O/c1-2-3/h3H,2H2,1H3"


def write(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join("\t".join(r) + "\n" for r in rows))
    return path


@pytest.fixture
def data(tmp_path) -> tuple[DataCatalog, SimpleNamespace]:
    root = tmp_path / "data"
    own = write(root / "release" / "compoundinfo_beta.txt", [
        ["pert_id", "cmap_name", "canonical_smiles", "inchi_key", "target"],
        ["BRD-K00000001", "own-one", "CCO", "KEY-OWN-1", "T1"],
        ["BRD-K00000001", "own-one", "CCO", "KEY-OWN-1", "T2"],  # CLUE lists a compound once per target
        ["BRD-K00000002", "own-two", "-666", "-666", ""],
    ])
    write(root / "lincs-metadata" / "pertinfo.tsv", [
        ["pert_id", "pert_iname", "pert_type", "molecular_formula", "molecular_wt", "canonical_smiles", "inchi_key",
         "inchi_string"],
        ["BRD-K00000001", "lincs-one", "trt_cp", "C6H6", "78.11", "c1ccccc1", "InChIKey=KEY-L-1", "-666"],
        ["BRD-K00000002", "lincs-two", "trt_cp", "-666", "-666", "restricted", "-666", "-666"],
        ["BRD-K00000003", "lincs-three", "trt_cp", "C2H6O", "46.07", "-666", "KEY-L-3", ETHANOL_INCHI],
        ["BRD-K00000009", "not-asked", "trt_cp", "C", "12", "C", "", ""],
    ])
    write(root / "drug-targets-repurposing-hub" / "repurposing_hub_export.tsv", [
        ["Name", "Target", "Id", "SMILES", "InChIKey"],
        ["hub-two", "EGFR", "BRD-K00000002-001-01-1, BRD-K00000002-003-02-2", f"{ASPIRIN}, {ASPIRIN}", "K2, K2"],
        ["hub-mixed", "", "BRD-K00000004-001-01-1, BRD-K00000005-001-02-2", "CCN, CCCN", "K4, K5"],
        ["hub-late", "", "BRD-K00000006-001-01-1, BRD-K00000006-001-02-9", ", CCCC", ", K6"],
    ])
    write(root / "drugbank-targets" / "proteins.tsv", [
        ["drugbank_id", "category", "entrez_gene_id", "organism"], ["DB00001", "target", "1956", "Human"]])
    write(root / "drugbank-targets" / "drugbank-slim.tsv", [
        ["drugbank_id", "name", "inchikey", "inchi"],
        ["DB00001", "Ethanol", "InChIKey=LFQSCWFLJHTTHZ-UHFFFAOYSA-N", ETHANOL_INCHI],
        ["DB00002", "Biologic", "", ""],
        ["BRD-K00000003", "db-three", "", "InChI=1S/CH4/h1H4"],  # a later source never overrides
    ])
    return DataCatalog(root), SimpleNamespace(pert_info=own)


def test_first_source_with_a_structure_wins(data):
    catalog, es = data
    ids = ["BRD-K00000001", "BRD-K00000002", "BRD-K00000003", "BRD-K00000004", "BRD-K00000005",
           "BRD-K00000006", "DB00001", "DB00002", "nowhere"]
    st = gather_structures(catalog, es, ids).set_index("pert_id")
    assert list(st.reset_index().columns) == COLUMNS
    assert sorted(st.index) == sorted(set(ids) - {"nowhere"})  # not-asked and unknown ids are left out
    one = st.loc["BRD-K00000001"]
    assert (one["smiles"], one["source"], one["pert_iname"], one["inchi_key"]) == ("CCO", "expression_set",
                                                                                    "own-one", "KEY-OWN-1")
    assert one["molecular_formula"] == "C6H6" and one["molecular_wt"] == pytest.approx(78.11)  # filled from pertinfo
    two = st.loc["BRD-K00000002"]  # -666 / "restricted" are no structure: the Hub's
    assert (two["smiles"], two["source"], two["pert_iname"], two["inchi_key"]) == (ASPIRIN, "repurposing_hub",
                                                                                    "own-two", "K2")
    assert two["molecular_formula"] == ""
    three = st.loc["BRD-K00000003"]  # pertinfo's InChI, not DrugBank's
    assert (three["smiles"], three["inchi"], three["source"]) == ("", ETHANOL_INCHI, "lincs_pertinfo")
    db = st.loc["DB00001"]
    assert (db["inchi"], db["inchi_key"], db["molecular_formula"], db["source"]) == (
        ETHANOL_INCHI, "LFQSCWFLJHTTHZ-UHFFFAOYSA-N", "C2H6O", "drugbank")
    assert np.isnan(db["molecular_wt"])
    bio = st.loc["DB00002"]
    assert (bio["smiles"], bio["inchi"], bio["source"], bio["pert_iname"]) == ("", "", "", "Biologic")


def test_hub_sample_ids_give_pert_ids_with_their_own_smiles(data):
    catalog, _ = data
    hub = read_hub_structures(catalog.repurposing_hub).set_index("pert_id")
    assert hub.loc["BRD-K00000004", "smiles"] == "CCN" and hub.loc["BRD-K00000005", "smiles"] == "CCCN"
    assert hub.loc["BRD-K00000005", "inchi_key"] == "K5" and hub.loc["BRD-K00000005", "pert_iname"] == "hub-mixed"
    assert hub.loc["BRD-K00000006", "smiles"] == "CCCC"  # the first sample with a SMILES
    assert hub.index.is_unique and len(hub) == 4


def test_no_sources_give_an_empty_table(tmp_path):
    st = gather_structures(DataCatalog(tmp_path), SimpleNamespace(pert_info=None), ["BRD-K00000001"])
    assert list(st.columns) == COLUMNS and len(st) == 0


def real_data() -> Path:
    root = Path(os.environ.get("KGEXPR_DATA", "").strip() or Path(__file__).resolve().parents[3] / "shared" / "data")
    if not (root / "drugbank-targets").is_dir():
        pytest.skip(f"real-data test: no drugbank-targets/ under {root}")
    return root


def test_most_drugbank_consensus_compounds_get_a_structure():
    from kgexpr.features.chemistry import compute_descriptors
    from kgexpr.sources.expression_sets import find_set

    catalog = DataCatalog(real_data())
    try:
        es = find_set(catalog.expression_sets, "lincs-consensi-drugbank", catalog.data_dir)
    except Exception:  # noqa: BLE001
        pytest.skip("real-data test: no lincs-consensi-drugbank set")
    ids = list(es.samples()["pert_id"].unique())
    st = gather_structures(catalog, es, ids)
    X, report = compute_descriptors(st, pert_ids=ids)
    assert len(ids) == 936 and len(X) == 936 and not X.isna().any().any()
    assert report["parsed"] >= 0.7 * len(ids) and report["by_source"].get("drugbank", 0) >= 0.7 * len(ids)
    assert report["unparseable"] <= 5
