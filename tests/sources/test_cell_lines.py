"""Cell-line mutation parsers (GDSC omnibem CSV, COSMIC CLP export, DepMap) and name keys."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from kgexpr.errors import InputError
from kgexpr.sources.cell_lines import (
    normalise_cell_line,
    read_cosmic_cell_lines_export,
    read_depmap_mutations,
    read_gdsc_alterations,
    read_gdsc_cell_lines,
)
from kgexpr.sources.gene_ids import GeneIdMap

GENE_INFO = (
    "#Format: tax_id GeneID Symbol LocusTag Synonyms dbXrefs chromosome map_location description type_of_gene "
    "(tab is used as a separator, pound sign - start of a comment)\n"
    "9606\t7157\tTP53\t-\tP53\t-\t17\t17p13.1\ttumor protein p53\tprotein-coding\n"
    "9606\t5290\tPIK3CA\t-\t-\t-\t3\t3q26.32\tPI3K alpha\tprotein-coding\n"
    "9606\t673\tBRAF\t-\tBRAF1\t-\t7\t7q34\tB-Raf\tprotein-coding\n"
    "9606\t3845\tKRAS\t-\tKRAS2\t-\t12\t12p12.1\tKRAS\tprotein-coding\n"
    "9606\t2625\tGATA3\t-\tHDR\t-\t10\t10p14\tGATA3\tprotein-coding\n"
    "9606\t7849\tPAX8\t-\t-\t-\t2\t2q13\tPAX8\tprotein-coding\n"
)

OMNIBEM = (
    '"COSMIC.ID","IDENTIFIER","GENE","SAMPLE","TISSUE.TYPE","TYPE"\n'
    '"905946","PIK3CA","PIK3CA","MCF7","BRCA","Point.mutation"\n'
    '"905946","GATA3","GATA3","MCF7","BRCA","Point.mutation"\n'
    '"905946","GATA3","GATA3","MCF7","BRCA","Point.mutation"\n'
    '"905946","ZNF217","PAX8","MCF7","BRCA","Amplification"\n'
    '"905934","TP53","p53","PC-3","PRAD","Point.mutation"\n'
    '"905934","NOTAGENE1","NOTAGENE1","PC-3","PRAD","Point.mutation"\n'
    '"687561","cnaGBM19 (FAT1",NA,"42-MG-BA","GBM","Deletion"\n'
    '"909976","BRAF","BRAF","KM-H2","","Point.mutation"\n'
    '"1298167","KRAS","KRAS","KMH-2","THCA","Point.mutation"\n'
)


@pytest.fixture
def genes(tmp_path) -> GeneIdMap:
    (tmp_path / "gene_info").write_text(GENE_INFO)
    return GeneIdMap.from_ncbi(tmp_path / "gene_info")


def write_gz(path: Path, text: str) -> Path:
    path.write_bytes(gzip.compress(text.encode()))
    return path


@pytest.mark.parametrize("name", ["MCF-7", "MCF7", "mcf 7", "Mcf.7"])
def test_normalise_cell_line(name):
    assert normalise_cell_line(name) == "MCF7"


def test_normalise_cell_line_lincs_vs_gdsc():
    assert normalise_cell_line("PC3") == normalise_cell_line("PC-3") == "PC3"
    assert normalise_cell_line("VCaP") == "VCAP" and normalise_cell_line("HT-29") == "HT29"
    assert normalise_cell_line(None) == ""


def test_read_gdsc_alterations(tmp_path, genes):
    lines, muts = read_gdsc_alterations(write_gz(tmp_path / "omnibem.csv.gz", OMNIBEM), genes)
    assert lines.to_dict("records") == [
        {"name": "MCF7", "tissue": "BRCA", "cosmic_id": "905946", "label": "MCF7"},
        {"name": "PC3", "tissue": "PRAD", "cosmic_id": "905934", "label": "PC-3"},
        {"name": "42MGBA", "tissue": "GBM", "cosmic_id": "687561", "label": "42-MG-BA"},
        # two different lines normalise to KMH2: keep them apart with the COSMIC id
        {"name": "KMH2_909976", "tissue": "", "cosmic_id": "909976", "label": "KM-H2"},
        {"name": "KMH2_1298167", "tissue": "THCA", "cosmic_id": "1298167", "label": "KMH-2"},
    ]
    assert muts.to_dict("records") == [
        {"cell_line": "MCF7", "entrez_id": 5290, "type": "Point.mutation"},
        {"cell_line": "MCF7", "entrez_id": 2625, "type": "Point.mutation"},  # duplicate row dropped
        {"cell_line": "PC3", "entrez_id": 7157, "type": "Point.mutation"},  # via synonym
        {"cell_line": "KMH2_909976", "entrez_id": 673, "type": "Point.mutation"},
        {"cell_line": "KMH2_1298167", "entrez_id": 3845, "type": "Point.mutation"},
    ]
    assert str(muts["entrez_id"].dtype) == "int64"
    assert muts.attrs["unmapped_genes"] == 1
    _, every = read_gdsc_alterations(tmp_path / "omnibem.csv.gz", genes, types=None)
    assert ("MCF7", 7849, "Amplification") in set(every.itertuples(index=False, name=None))
    assert len(every) == 6  # the NA-gene deletion is skipped


def test_gdsc_bad_inputs(tmp_path, genes):
    no_type = OMNIBEM.replace(',"TYPE"', ',"KIND"')
    with pytest.raises(InputError) as err:
        read_gdsc_alterations(write_gz(tmp_path / "a.csv.gz", no_type), genes)
    assert "a.csv.gz:1" in str(err.value) and err.value.field == "TYPE"
    bad_id = OMNIBEM.replace('"905934","TP53"', '"PC3","TP53"')
    with pytest.raises(InputError) as err:
        read_gdsc_alterations(write_gz(tmp_path / "b.csv.gz", bad_id), genes)
    assert "b.csv.gz:6" in str(err.value) and err.value.field == "COSMIC.ID"
    (tmp_path / "c.csv").write_text("")
    with pytest.raises(InputError, match="c.csv:1: empty file"):
        read_gdsc_alterations(tmp_path / "c.csv", genes)


def test_read_gdsc_cell_lines(tmp_path):
    (tmp_path / "cancer_cell_lines.csv").write_text(
        "NAME,COSMIC,TISSUE,TISSUE_SUB_TYPE\n22RV1,924100,urogenital_system,prostate\n"
        "MCF7,905946,breast,breast\n"
    )
    lines = read_gdsc_cell_lines(tmp_path / "cancer_cell_lines.csv")
    assert lines[["name", "cosmic_id", "tissue"]].values.tolist() == [
        ["22RV1", "924100", "urogenital_system"], ["MCF7", "905946", "breast"]
    ]
    (tmp_path / "dup.csv").write_text("NAME,COSMIC,TISSUE\nA,1,x\nB,1,y\n")
    with pytest.raises(InputError) as err:
        read_gdsc_cell_lines(tmp_path / "dup.csv")
    assert "dup.csv:3" in str(err.value) and "duplicate id" in str(err.value)


COSMIC_EXPORT = (
    "Gene name\tAccession Number\tGene CDS length\tHGNC ID\tSample name\tID_sample\tID_tumour\tPrimary site\t"
    "Mutation CDS\tMutation AA\tMutation Description\n"
    "PIK3CA_ENST00000263967\tENST00000263967\t3207\t8975\tMCF7\t905946\t1\tbreast\tc.1633G>A\tp.E545K\t"
    "Substitution - Missense\n"
    "TP53\tENST00000269305\t1182\t11998\tPC-3\t905934\t2\tprostate\tc.414delC\tp.K139fs*31\t"
    "Deletion - Frameshift\n"
    "GATA3\tENST00000346208\t1332\t4172\tMCF7\t905946\t1\tbreast\tc.1006_1007insG\tp.D336fs*17\t\n"
)


def test_read_cosmic_export(tmp_path, genes):
    (tmp_path / "CosmicCLP_MutantExport.tsv").write_text(COSMIC_EXPORT)
    lines, muts = read_cosmic_cell_lines_export(tmp_path / "CosmicCLP_MutantExport.tsv", genes)
    assert lines[["name", "tissue", "cosmic_id"]].values.tolist() == [
        ["MCF7", "breast", "905946"], ["PC3", "prostate", "905934"]
    ]
    assert muts.values.tolist() == [
        ["MCF7", 5290, "Substitution - Missense"],
        ["PC3", 7157, "Deletion - Frameshift"],
        ["MCF7", 2625, "mutation"],
    ]
    (tmp_path / "bad.tsv").write_text(COSMIC_EXPORT.replace("Sample name", "Sample"))
    with pytest.raises(InputError) as err:
        read_cosmic_cell_lines_export(tmp_path / "bad.tsv", genes)
    assert err.value.field == "Sample name" and "bad.tsv:1" in str(err.value)


def test_read_depmap(tmp_path, genes):
    (tmp_path / "CCLE_mutations.csv").write_text(
        "Hugo_Symbol,Entrez_Gene_Id,Variant_Classification,DepMap_ID,CCLE_Name\n"
        "BRAF,673,Missense_Mutation,ACH-000219,A375_SKIN\n"
        "BRAF,673,Missense_Mutation,ACH-000219,A375_SKIN\n"
        "TP53,0,Nonsense_Mutation,ACH-000090,PC3_PROSTATE\n"
        "MYSTERY,0,Silent,ACH-000090,PC3_PROSTATE\n"
    )
    lines, muts = read_depmap_mutations(tmp_path / "CCLE_mutations.csv", genes)
    assert lines[["name", "tissue"]].values.tolist() == [["A375", "SKIN"], ["PC3", "PROSTATE"]]
    assert muts.values.tolist() == [["A375", 673, "Missense_Mutation"], ["PC3", 7157, "Nonsense_Mutation"]]
    _, no_map = read_depmap_mutations(tmp_path / "CCLE_mutations.csv")
    assert no_map.values.tolist() == [["A375", 673, "Missense_Mutation"]]

    (tmp_path / "Omics.tsv").write_text("HugoSymbol\tEntrezGeneID\tVariantInfo\tModelID\nKRAS\t3845\tMISSENSE\tACH-1\n")
    lines, muts = read_depmap_mutations(tmp_path / "Omics.tsv")
    assert lines["name"].tolist() == ["ACH1"] and lines["label"].tolist() == ["ACH-1"]
    assert muts.values.tolist() == [["ACH1", 3845, "MISSENSE"]]

    (tmp_path / "bad.csv").write_text("Hugo_Symbol,Entrez_Gene_Id,Variant_Classification,DepMap_ID\nX,7x,M,A\n")
    with pytest.raises(InputError) as err:
        read_depmap_mutations(tmp_path / "bad.csv")
    assert "bad.csv:2" in str(err.value) and err.value.field == "Entrez_Gene_Id"
    (tmp_path / "noid.csv").write_text("Hugo_Symbol,Entrez_Gene_Id,Variant_Classification\nX,7,M\n")
    with pytest.raises(InputError) as err:
        read_depmap_mutations(tmp_path / "noid.csv")
    assert err.value.field == "DepMap_ID"
