"""One Drug node per compound, one symbol per gene: the reconciliation rules on small tables and the real data."""

import pandas as pd
import pytest

from kgexpr.graph.reconcile import reconcile_drugs, reconcile_genes

IMATINIB = "KTUFNOKKBVMGRW-UHFFFAOYSA-N"


def drugs(*rows):
    return pd.DataFrame(rows, columns=["drug_id", "name", "source", "pert_ids", "inchikey"])


def test_an_inchikey_joins_sources_and_drugbank_gives_the_key():
    merged, id_map, table, report = reconcile_drugs(drugs(
        ("BRD-K92723993", "imatinib", "repurposing-hub", "BRD-K92723993", IMATINIB),
        ("DB00619", "Imatinib", "drugbank", "", f"InChIKey={IMATINIB.lower()}"),
        ("BRD-K00000001", "aspirin", "repurposing-hub", "BRD-K00000001", "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"),
    ))
    assert len(merged) == 2 and report["merged_drugs"] == 1 and report["joined_by_inchikey"] == 1
    row = merged.set_index("drug_id").loc["DB00619"]
    assert row["pert_ids"] == "BRD-K92723993" and row["drugbank_ids"] == "DB00619"
    assert row["source"] == "drugbank;repurposing-hub" and row["inchikey"] == IMATINIB
    assert id_map["BRD-K92723993"] == "DB00619" and id_map["BRD-K00000001"] == "BRD-K00000001"
    folded = table[table["kind"] == "merged"]
    assert folded[["drug_id", "member_id", "matched_by"]].values.tolist() == [["DB00619", "BRD-K92723993", "inchikey"]]


def test_a_name_joins_unless_the_molecules_differ():
    merged, id_map, table, report = reconcile_drugs(drugs(
        ("BRD-K1", "CP-724,714", "repurposing-hub", "BRD-K1", ""),
        ("DB1", "cp724714", "drugbank", "", ""),  # same normalised name, no key: joined
        ("BRD-K2", "asenapine", "repurposing-hub", "BRD-K2", "GMDCDXMAFMEDAG-UHFFFAOYSA-N"),
        ("DB2", "Asenapine", "drugbank", "", "VSWBSWWIRNCQIJ-UHFFFAOYSA-N"),  # another molecule: ambiguous
    ))
    assert set(merged["drug_id"]) == {"DB1", "BRD-K2", "DB2"}
    assert id_map["BRD-K1"] == "DB1" and report["joined_by_name"] == 1
    assert report["ambiguous_names"] == 1 and report["ambiguous_examples"][0]["drug_ids"] == ["BRD-K2", "DB2"]
    assert table[table["kind"] == "ambiguous"]["member_id"].tolist() == ["BRD-K2;DB2"]


def test_names_that_are_ids_join_nothing_and_a_drug_keeps_its_own():
    merged, id_map, _, report = reconcile_drugs(drugs(
        ("D02271", "D00842", "kegg-kgml", "", ""),
        ("D08233", "D00842", "kegg-kgml", "", ""),
        ("D00842", "D00842", "kegg-kgml", "", ""),
    ))
    assert len(merged) == 3 and report["merged_drugs"] == 0
    assert dict(zip(merged["drug_id"], merged["name"])) == {"D00842": "D00842", "D02271": "D02271", "D08233": "D08233"}
    assert {r["drug_id"] for r in report["renamed_id_like_names"]} == {"D02271", "D08233"}


def test_genes_keep_source_symbols_and_ncbi_settles_the_rest():
    genes = pd.DataFrame({"entrez_id": [875, 102724560, 4594, 7, 8], "symbol": ["CBS", "CBS", "MMUT", "", ""],
                          "name": ["", "", "", "", ""]})
    ncbi = pd.DataFrame({"entrez_id": [875, 102724560, 4594, 7], "symbol": ["CBS", "LOC102724560", "MUT", "SEVEN"],
                         "name": ["cystathionine-beta-synthase", "cystathionine beta-synthase", "methylmalonyl", "seven"]})
    g, report = reconcile_genes(genes, ncbi)
    sym = dict(zip(g["entrez_id"], g["symbol"]))
    assert sym == {875: "CBS", 102724560: "LOC102724560", 4594: "MMUT", 7: "SEVEN", 8: "LOC8"}
    assert (g["name"].str.len() > 0).all() and not g["symbol"].duplicated().any()
    assert report["named_loc"] == 1 and report["symbols_from_ncbi"] == 1


@pytest.mark.slow
def test_the_real_graph_has_one_node_per_compound_and_named_genes():
    """On the shared data: imatinib is one node, no gene symbol is empty or shared, merges are reported."""
    from kgexpr.graph.build import assemble, load_gene_ids
    from kgexpr.sources.catalog import DataCatalog, resolve_data_dir

    root = resolve_data_dir(None)
    if root is None or not (root / "drugbank-targets").is_dir():
        pytest.skip("no real data directory ($KGEXPR_DATA or ../shared/data)")
    catalog = DataCatalog(root)
    ids = load_gene_ids(catalog)
    perts = pd.DataFrame({"pert_id": ["DB00619", "BRD-K92723993"], "pert_iname": ["imatinib", "imatinib"]})
    kg = assemble(catalog, ids, perts, pd.DataFrame({"entrez_id": [25], "symbol": ["ABL1"]}))
    assert kg.pert_to_drug["DB00619"] == kg.pert_to_drug["BRD-K92723993"] == "DB00619"
    assert (kg.drugs["inchikey"] == IMATINIB).sum() == 1
    assert kg.genes["symbol"].str.strip().ne("").all() and not kg.genes["symbol"].duplicated().any()
    rec = kg.report["drug_reconciliation"]
    assert rec["merged_drugs"] > 100 and rec["drugs"] == rec["rows"] - rec["rows_folded"]
    assert len(kg.drug_merges[kg.drug_merges["kind"] == "merged"]) == rec["rows_folded"]
    abl1 = kg.drug_targets[kg.drug_targets["entrez_id"] == 25]
    assert "DB00619" in set(abl1["drug_id"])
