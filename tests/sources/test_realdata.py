"""Smoke-parse the real provider files; skipped unless KGEXPR_DATA points at the shared data folder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from kgexpr.sources.catalog import DataCatalog
from kgexpr.sources.cell_lines import read_gdsc_alterations, read_gdsc_cell_lines
from kgexpr.sources.drug_targets import match_perturbagens, read_drugbank, read_repurposing_hub
from kgexpr.sources.gene_ids import GeneIdMap
from kgexpr.sources.kgml import read_kgml_dir
from kgexpr.sources.lincs import (
    formula_descriptors,
    read_expression,
    read_gct,
    read_gctx,
    read_pert_info,
    select,
    to_profiles,
)


def need(folder: str) -> Path:
    """The folder under $KGEXPR_DATA, or skip saying why."""
    root = os.environ.get("KGEXPR_DATA", "").strip()
    if not root:
        pytest.skip("real-data smoke test: set KGEXPR_DATA to the shared data folder to run it")
    path = Path(root) / folder
    if not path.is_dir():
        pytest.skip(f"real-data smoke test: {folder}/ not found under KGEXPR_DATA={root}")
    return path


@pytest.fixture(scope="module")
def gene_map() -> GeneIdMap:
    d = need("gene-ids")
    return GeneIdMap.from_ncbi(d / "Homo_sapiens.gene_info.gz").merge(
        GeneIdMap.from_lincs(d / "GSE92742_Broad_LINCS_gene_info.txt")
    )


def test_kgml_all_human_maps():
    k = read_kgml_dir(need("kegg-kgml-hsa-all"))
    assert len(k.pathway) == 338
    assert len(k.genes) == 8126
    assert len(k.interactions) > 20_000  # 20,184 relations before multi-gene/group expansion
    assert len(k.drugs) > 0 and set(k.drug_targets["source"]) == {"kegg-kgml"}
    assert k.pathway.set_index("kegg_id").loc["hsa04110", "name"] == "Cell cycle"


def test_kgml_2008_maps():
    k = read_kgml_dir(need("kegg-kgml"))
    assert len(k.pathway) == 13
    assert {7157, 2065, 1019} <= set(k.genes["entrez_id"])  # TP53, ERBB3, CDK4


def test_cmapr_level5_gct_equals_gctx():
    d = need("lincs-l1000-level5-cmapr")
    text, h5 = read_gct(d / "modzs_n272x978.gct"), read_gctx(d / "modzs_n272x978.gctx")
    assert text.data.shape == h5.data.shape == (978, 272)
    assert "id.1" in text.row_meta.columns  # the repeated "id" row-meta field is kept
    assert list(text.data.index) == list(h5.data.index) and list(text.data.columns) == list(h5.data.columns)
    np.testing.assert_allclose(text.data.to_numpy(), h5.data.to_numpy(), atol=1e-4)
    pt, ph = to_profiles(text), to_profiles(h5)
    assert pt.samples.equals(ph.samples)
    assert pt.samples["dose_um"].notna().all()  # "10 <b5>M" / "10 \xb5M" both parse
    assert set(pt.samples["dose_um"]) == {10.0, 3.0, 1.0, 0.5, 0.1}
    assert len(select(pt, "MCF7").values) == 25


def test_ljp005_plate():
    d = need("lincs-l1000-ljp005")
    gct = read_gct(d / "test_l1000.gct")
    other = read_expression(d / "test_l1000.gctx")
    assert gct.data.shape == other.data.shape == (978, 377)
    assert list(gct.data.index) == list(other.data.index)
    assert list(gct.data.columns) == list(other.data.columns)
    if (d / "test_l1000.gctx").read_bytes()[:4] == b"\x89HDF":
        np.testing.assert_allclose(gct.data.to_numpy(), other.data.to_numpy(), atol=1e-4)
    p = to_profiles(gct)
    assert set(p.samples["cell_id"]) == {"A375"}
    assert p.samples["pert_type"].value_counts().to_dict() == {"trt_cp": 328, "ctl_vehicle": 26, "trt_poscon": 23}
    assert select(p, "A375").values.shape == (328, 978)


def test_gene_ids(gene_map):
    assert len(gene_map) == 56_425
    assert len(gene_map.landmarks) == 978
    probes = GeneIdMap.from_lincs(need("lincs-metadata") / "geneinfo.tsv.gz")
    assert probes.landmarks == gene_map.landmarks
    assert gene_map.lookup("ERO1L") == gene_map.lookup("ERO1A") == 30001


def test_drug_targets(gene_map):
    drugs, targets, report = read_repurposing_hub(
        need("drug-targets-repurposing-hub") / "repurposing_hub_export.tsv", gene_map
    )
    assert report["compounds"] == 6798 and report["with_targets"] > 4300
    d = need("drugbank-targets")
    db, db_targets = read_drugbank(d / "proteins.tsv", d / "drugbank-slim.tsv", gene_map)
    # the 1,552 drugs of the slim table plus every drug with a human target that it does not list (named by id)
    listed = db["name"] != ""
    assert listed.sum() == 1552 and len(db) > 4000 and len(db_targets) > 10000
    assert set(db.loc[~listed, "drug_id"]) <= set(db_targets["drug_id"]) | set(
        read_drugbank(d / "proteins.tsv", d / "drugbank-slim.tsv")[1]["drug_id"])
    perts = read_pert_info(need("lincs-metadata") / "pertinfo.tsv.gz")
    compounds = perts[perts["pert_type"] == "trt_cp"]
    _, rep = match_perturbagens(compounds, drugs)
    assert rep["n_matched"] > 2000
    for f in compounds["molecular_formula"][compounds["molecular_formula"] != ""]:
        formula_descriptors(f)


def test_gdsc(gene_map):
    d = need("cell-line-alterations-gdsc")
    lines, muts = read_gdsc_alterations(d / "omnibem_genomic_alterations.csv.gz", gene_map)
    assert len(lines) == 1001
    assert (muts["cell_line"] == "MCF7").sum() == 19
    assert {"PC3", "A375", "HT29", "VCAP"} <= set(lines["name"])
    assert len(read_gdsc_cell_lines(d / "cancer_cell_lines.csv")) == 707


def test_catalog_real():
    root = need("gene-ids").parent
    assert DataCatalog(root).missing_for_run() == []
