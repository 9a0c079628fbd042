"""DataCatalog: role → best file under the shared data layout; data dir resolution."""

from __future__ import annotations

from pathlib import Path

from kgexpr.sources.catalog import DataCatalog, resolve_data_dir


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def make_layout(root: Path) -> Path:
    touch(root / "kegg-kgml" / "hsa04110.xml")
    touch(root / "kegg-kgml-hsa-all" / "hsa00010.xml")
    touch(root / "lincs-l1000-ljp005" / "test_l1000.gct")
    touch(root / "lincs-l1000-ljp005" / "test_l1000.gctx")
    touch(root / "lincs-l1000-level5-cmapr" / "modzs.gct")
    touch(root / "lincs-l1000-level5-cmapr" / "SOURCE.txt")
    touch(root / "lincs-metadata" / "pertinfo.tsv.gz")
    touch(root / "lincs-metadata" / "geneinfo.tsv.gz")
    touch(root / "gene-ids" / "Homo_sapiens.gene_info.gz")
    touch(root / "gene-ids" / "GSE92742_Broad_LINCS_gene_info.txt")
    touch(root / "drug-targets-repurposing-hub" / "repurposing_hub_export.tsv")
    touch(root / "drugbank-targets" / "proteins.tsv")
    touch(root / "drugbank-targets" / "drugbank-slim.tsv")
    touch(root / "cell-line-alterations-gdsc" / "omnibem_genomic_alterations.csv.gz")
    touch(root / "cell-line-alterations-gdsc" / "cancer_cell_lines.csv")
    return root


def test_catalog_full_layout(tmp_path):
    c = DataCatalog(make_layout(tmp_path))
    assert c.kgml_dir == tmp_path / "kegg-kgml-hsa-all"
    assert c.expression_files == [  # one per set, sets sorted by name
        tmp_path / "lincs-l1000-level5-cmapr" / "modzs.gct",
        tmp_path / "lincs-l1000-ljp005" / "test_l1000.gctx",  # gctx preferred over the same-stem gct
    ]
    assert c.gene_info_ncbi == tmp_path / "gene-ids" / "Homo_sapiens.gene_info.gz"
    assert c.gene_info_lincs == tmp_path / "gene-ids" / "GSE92742_Broad_LINCS_gene_info.txt"
    assert c.pert_info == tmp_path / "lincs-metadata" / "pertinfo.tsv.gz"
    assert c.sig_info is None
    assert c.repurposing_hub == tmp_path / "drug-targets-repurposing-hub" / "repurposing_hub_export.tsv"
    assert c.drugbank == (tmp_path / "drugbank-targets" / "proteins.tsv",
                          tmp_path / "drugbank-targets" / "drugbank-slim.tsv")
    assert c.gdsc_alterations.name == "omnibem_genomic_alterations.csv.gz"
    assert c.cell_line_table.name == "cancer_cell_lines.csv"
    assert not c.is_demo
    assert c.missing_for_run() == []
    lines = c.describe()
    assert f"kgml_dir: {tmp_path / 'kegg-kgml-hsa-all'}" in lines
    assert "sig_info: missing" in lines


def test_catalog_fallbacks_and_missing(tmp_path):
    touch(tmp_path / "kegg-kgml" / "hsa04110.xml")
    touch(tmp_path / "lincs-metadata" / "geneinfo.tsv.gz")
    touch(tmp_path / "DEMO.txt")
    c = DataCatalog(tmp_path)
    assert c.kgml_dir == tmp_path / "kegg-kgml"
    assert c.gene_info_lincs == tmp_path / "lincs-metadata" / "geneinfo.tsv.gz"
    assert c.gene_info_ncbi is None and c.drugbank is None and c.repurposing_hub is None
    assert c.is_demo
    assert c.missing_for_run() == ["expression"]
    assert "expression: missing" in c.describe()
    assert any("DEMO" in line for line in c.describe())


def test_catalog_without_dir(tmp_path):
    for c in (DataCatalog(None), DataCatalog(tmp_path / "nope")):
        assert c.kgml_dir is None and c.expression_files == [] and not c.is_demo
        assert c.missing_for_run() == ["kgml_dir", "expression", "gene ids"]
        assert c.describe()[0] == "data_dir: missing"


def test_resolve_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("KGEXPR_DATA", raising=False)
    assert resolve_data_dir(tmp_path / "given") == tmp_path / "given"
    monkeypatch.setenv("KGEXPR_DATA", str(tmp_path / "env"))
    assert resolve_data_dir() == tmp_path / "env"
    monkeypatch.delenv("KGEXPR_DATA")
    work = tmp_path / "work" / "main"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    assert resolve_data_dir() is None
    (tmp_path / "work" / "shared" / "data").mkdir(parents=True)
    assert resolve_data_dir() == (tmp_path / "work" / "shared" / "data").resolve()
