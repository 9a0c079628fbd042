"""Gene id maps (NCBI / LINCS), drug-target tables and LINCS perturbagen matching."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from kgexpr.errors import InputError
from kgexpr.sources.drug_targets import (
    match_perturbagens,
    normalise_name,
    normalise_pert_id,
    read_drugbank,
    read_repurposing_hub,
)
from kgexpr.sources.gene_ids import GeneIdMap

NCBI_HEADER = (
    "#Format: tax_id GeneID Symbol LocusTag Synonyms dbXrefs chromosome map_location description "
    "type_of_gene Symbol_from_nomenclature_authority Full_name_from_nomenclature_authority "
    "Nomenclature_status Other_designations Modification_date (tab is used as a separator, pound sign - "
    "start of a comment)\n"
)
NCBI_ROWS = [
    # GeneID, Symbol, Synonyms, description
    ("7157", "TP53", "BCC7|LFS1|P53|TRP53", "tumor protein p53"),
    ("1956", "EGFR", "ERBB|ERBB1|HER1|mENA", "epidermal growth factor receptor"),
    ("2064", "ERBB2", "CD340|HER-2|HER2|NEU", "erb-b2 receptor tyrosine kinase 2"),
    ("8085", "KMT2D", "AAD10|ALR|MLL2|MLL4", "lysine methyltransferase 2D"),
    ("9757", "KMT2B", "MLL2|MLL4|TRX2", "lysine methyltransferase 2B"),
    ("4893", "NRAS", "ALPS4|N-ras|HER1", "NRAS proto-oncogene"),  # HER1 made ambiguous on purpose
    ("5290", "PIK3CA", "-", "phosphatidylinositol-4,5-bisphosphate 3-kinase"),
    ("30001", "ERO1A", "ERO1L", "endoplasmic reticulum oxidoreductase 1 alpha"),
]


def ncbi_text(rows=NCBI_ROWS) -> str:
    lines = [
        "\t".join(["9606", gid, sym, "-", syn, "HGNC:1", "17", "17p13.1", desc, "protein-coding", sym, desc, "O",
                   "-", "20160101"])
        for gid, sym, syn, desc in rows
    ]
    return NCBI_HEADER + "\n".join(lines) + "\n"


def write_ncbi(tmp_path: Path, rows=NCBI_ROWS, name="Homo_sapiens.gene_info.gz") -> Path:
    path = tmp_path / name
    data = ncbi_text(rows).encode()
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


LINCS_GENE_INFO = (
    "pr_gene_id\tpr_gene_symbol\tpr_gene_title\tpr_is_lm\tpr_is_bing\n"
    "7157\tTP53\ttumor protein p53\t1\t1\n"
    "30001\tERO1L\tERO1-like\t1\t1\n"
    "1956\tEGFR\tepidermal growth factor receptor\t0\t1\n"
)
LINCS_GENEINFO_API = (
    "pr_id\tpr_gene_id\tpr_gene_symbol\tpr_gene_title\tis_lm\tis_l1000\tis_bing\tpr_pool_id\n"
    "202938_x_at\t100510314///27341\t\t\tFalse\tTrue\tFalse\tinferred\n"
    "201746_at\t7157\tTP53\ttumor protein p53\tTrue\tTrue\tTrue\tepsilon\n"
    "211300_s_at\t7157\tTP53\ttumor protein p53\tFalse\tTrue\tTrue\tinferred\n"
    "209460_at\t18\tABAT\t4-aminobutyrate aminotransferase\tTrue\tTrue\tTrue\tdeltap\n"
    "1007_s_at\t780\tDDR1\tdiscoidin\t\t\t\t\n"
)


@pytest.fixture
def genes(tmp_path) -> GeneIdMap:
    return GeneIdMap.from_ncbi(write_ncbi(tmp_path))


# ----------------------------------------------------------------------------- GeneIdMap
def test_gene_map_from_ncbi(genes):
    assert len(genes) == len(NCBI_ROWS)
    got = genes.to_entrez(["tp53", "P53", "her2", "EGFR", "HER1", "MLL2", "pik3ca", "nope", "", None])
    assert got.dtype == "Int64"
    # HER1 and MLL2 are synonyms of two genes each -> NA
    assert got.astype(object).where(got.notna(), None).tolist() == [
        7157, 7157, 2064, 1956, None, None, 5290, None, None, None
    ]
    assert genes.lookup("ALPS4") == 4893
    assert genes.symbol(7157) == "TP53" and genes.symbol(1) is None
    assert genes.symbol([2064, 8085]).tolist() == ["ERBB2", "KMT2D"]
    assert genes.genes.loc[0].to_dict() == {"entrez_id": 7157, "symbol": "TP53", "name": "tumor protein p53"}
    assert genes.landmarks == set() and not genes.has_landmarks
    s = pd.Series(["TP53", "ERBB2"], index=["a", "b"])
    assert genes.to_entrez(s).index.tolist() == ["a", "b"]


def test_gene_map_ambiguous_synonym(tmp_path):
    rows = NCBI_ROWS + [("9999", "FAKE1", "P53", "fake")]
    g = GeneIdMap.from_ncbi(write_ncbi(tmp_path, rows, name="plain.gene_info"))
    assert g.lookup("P53") is None  # synonym of two genes
    assert g.lookup("TP53") == 7157  # official symbol still resolves
    rows = NCBI_ROWS + [("9998", "P53", "-", "official P53")]
    g = GeneIdMap.from_ncbi(write_ncbi(tmp_path, rows, name="plain2.gene_info"))
    assert g.lookup("p53") == 9998  # official symbol beats TP53's synonym


def test_gene_map_lincs_and_merge(tmp_path, genes):
    (tmp_path / "gi.txt").write_text(LINCS_GENE_INFO)
    lincs = GeneIdMap.from_lincs(tmp_path / "gi.txt")
    assert lincs.landmarks == {7157, 30001} and lincs.has_landmarks
    merged = genes.merge(lincs)
    assert len(merged) == len(NCBI_ROWS)
    assert merged.landmarks == {7157, 30001}
    assert merged.symbol(30001) == "ERO1A"  # NCBI symbol wins
    assert merged.lookup("ero1l") == 30001
    assert merged.genes["entrez_id"].tolist() == [int(r[0]) for r in NCBI_ROWS]
    other_way = lincs.merge(genes)
    assert other_way.symbol(30001) == "ERO1L" and other_way.lookup("ERO1A") == 30001


def test_gene_map_lincs_probe_table(tmp_path):
    path = tmp_path / "geneinfo.tsv.gz"
    path.write_bytes(gzip.compress(LINCS_GENEINFO_API.encode()))
    g = GeneIdMap.from_lincs(path)
    assert sorted(g.genes["entrez_id"]) == [18, 780, 7157]  # "a///b" skipped, TP53 once
    assert g.landmarks == {7157}  # deltap-only probe is not an L1000 landmark
    assert pd.isna(g.table.set_index("entrez_id").loc[780, "is_lm"])


def test_gene_map_bad_inputs(tmp_path):
    bad = [r if r[0] != "2064" else ("20x4",) + r[1:] for r in NCBI_ROWS]
    with pytest.raises(InputError) as err:
        GeneIdMap.from_ncbi(write_ncbi(tmp_path, bad, name="a.gene_info"))
    assert "a.gene_info:4" in str(err.value) and err.value.field == "GeneID"
    dup = NCBI_ROWS + [NCBI_ROWS[0]]
    with pytest.raises(InputError) as err:
        GeneIdMap.from_ncbi(write_ncbi(tmp_path, dup, name="b.gene_info"))
    assert "b.gene_info:10" in str(err.value) and "duplicate id" in str(err.value)
    (tmp_path / "c.txt").write_text("pr_gene_symbol\tpr_is_lm\nTP53\t1\n")
    with pytest.raises(InputError) as err:
        GeneIdMap.from_lincs(tmp_path / "c.txt")
    assert "c.txt:1" in str(err.value) and err.value.field == "pr_gene_id"
    (tmp_path / "d.txt").write_text("pr_gene_id\tpr_gene_symbol\tpr_is_lm\n7157\tTP53\tmaybe\n")
    with pytest.raises(InputError) as err:
        GeneIdMap.from_lincs(tmp_path / "d.txt")
    assert "d.txt:2" in str(err.value) and err.value.field == "pr_is_lm"
    (tmp_path / "e.gene_info").write_text("")
    with pytest.raises(InputError, match="empty file"):
        GeneIdMap.from_ncbi(tmp_path / "e.gene_info")


# ----------------------------------------------------------------------------- Repurposing Hub
HUB_HEADER = "Name\tMOA\tTarget\tDisease Area\tIndication\tVendor\tPurity\tId\tSMILES\tInChIKey\tPhase\tDeprecated ID\n"


def hub_row(name, moa, target, ids, key):
    return "\t".join([name, moa, target, "", "", "Selleck", "99", ids, "C", key, "Launched", ""]) + "\n"


def write_hub(tmp_path: Path, rows: list[str], name="hub.tsv") -> Path:
    path = tmp_path / name
    path.write_text(HUB_HEADER + "".join(rows))
    return path


def test_read_repurposing_hub(tmp_path, genes):
    path = write_hub(tmp_path, [
        hub_row("neratinib", "EGFR inhibitor", "EGFR, ERBB2, MADEUP1",
                "BRD-K85606544-001-08-3, BRD-K85606544-001-01-7, BRD-K11111111-001-01-1",
                "JWNPDZNEKVCWMY-VQHVLOKHSA-N, JWNPDZNEKVCWMY-VQHVLOKHSA-N"),
        hub_row("water", "", "", "BRD-K22222222-001-01-1", ""),
        hub_row("p53 thing", "", "p53", "BRD-K33333333-001-01-1", "AAAAAAAAAAAAAA-BBBBBBBBBB-N"),
    ])
    drugs, targets, report = read_repurposing_hub(path, genes)
    assert drugs.to_dict("records")[0] == {
        "drug_id": "BRD-K85606544", "name": "neratinib", "pert_ids": "BRD-K85606544;BRD-K11111111",
        "moa": "EGFR inhibitor", "inchikey": "JWNPDZNEKVCWMY-VQHVLOKHSA-N",
    }
    assert list(drugs.columns) == ["drug_id", "name", "pert_ids", "moa", "inchikey"]
    assert targets.to_dict("records") == [
        {"drug_id": "BRD-K85606544", "entrez_id": 1956, "source": "repurposing-hub"},
        {"drug_id": "BRD-K85606544", "entrez_id": 2064, "source": "repurposing-hub"},
        {"drug_id": "BRD-K33333333", "entrez_id": 7157, "source": "repurposing-hub"},
    ]
    assert str(targets["entrez_id"].dtype) == "int64"
    assert report == {"compounds": 3, "with_targets": 2, "targets_unmapped": 1, "unmapped_symbols": ["MADEUP1"]}


def test_repurposing_hub_bad_inputs(tmp_path, genes):
    dup = write_hub(tmp_path, [hub_row("a", "", "EGFR", "BRD-K12345678-001-01-1", ""),
                               hub_row("b", "", "EGFR", "BRD-K12345678-001-02-1", "")], "dup.tsv")
    with pytest.raises(InputError) as err:
        read_repurposing_hub(dup, genes)
    assert "dup.tsv:3" in str(err.value) and "duplicate id" in str(err.value) and err.value.field == "Id"
    (tmp_path / "nocol.tsv").write_text("Name\tMOA\tId\nx\ty\tBRD-K1\n")
    with pytest.raises(InputError) as err:
        read_repurposing_hub(tmp_path / "nocol.tsv", genes)
    assert "nocol.tsv:1" in str(err.value) and err.value.field == "Target"
    (tmp_path / "empty.tsv").write_text("")
    with pytest.raises(InputError, match="empty.tsv:1: empty file"):
        read_repurposing_hub(tmp_path / "empty.tsv", genes)
    noid = write_hub(tmp_path, [hub_row("a", "", "EGFR", "", "")], "noid.tsv")
    with pytest.raises(InputError, match="noid.tsv:2"):
        read_repurposing_hub(noid, genes)


# ----------------------------------------------------------------------------- DrugBank
PROTEINS = (
    "drugbank_id\tcategory\tuniprot_id\tentrez_gene_id\torganism\tknown_action\tactions\tpubmed_ids\n"
    "DB00001\ttarget\tP00734\t2147\tHuman\tyes\tinhibitor\t1\n"
    "DB00002\ttarget\tP00533\t1956\tHuman\tyes\tinhibitor\t\n"
    "DB00002\tenzyme\tP08684\t1576\tHuman\tunknown\tsubstrate\t\n"
    "DB00002\ttarget\tP0A6F5\t948655\tEscherichia coli (strain K12)\tno\t\t\n"
    "DB00002\ttarget\tP00533\t1956\tHuman\tyes\tinhibitor\t\n"
    "DB09999\ttarget\tP04637\t7157\tHuman\tyes\t\t\n"
)
SLIM = (
    "drugbank_id\tname\ttype\tgroups\tatc_codes\tcategories\tinchikey\tinchi\tdescription\n"
    "DB00001\tLepirudin\tbiotech\tapproved\t\t\t\t\t\"Lepirudin is\nidentical to hirudin\"\n"
    "DB00002\tCetuximab\tbiotech\tapproved\t\t\tInChIKey=AAAAAAAAAAAAAA-BBBBBBBBBB-N\t\tplain\n"
)


def test_read_drugbank(tmp_path, genes):
    (tmp_path / "proteins.tsv").write_text(PROTEINS)
    (tmp_path / "drugbank-slim.tsv").write_text(SLIM)
    drugs, targets = read_drugbank(tmp_path / "proteins.tsv", tmp_path / "drugbank-slim.tsv")
    assert drugs.to_dict("records") == [
        {"drug_id": "DB00001", "name": "Lepirudin", "pert_ids": "", "inchikey": ""},
        {"drug_id": "DB00002", "name": "Cetuximab", "pert_ids": "", "inchikey": "AAAAAAAAAAAAAA-BBBBBBBBBB-N"},
        # human targets but no slim row: still a drug, named by its id downstream
        {"drug_id": "DB09999", "name": "", "pert_ids": "", "inchikey": ""},
    ]
    assert targets.to_dict("records") == [
        {"drug_id": "DB00001", "entrez_id": 2147, "category": "target", "actions": "inhibitor", "source": "drugbank"},
        {"drug_id": "DB00002", "entrez_id": 1956, "category": "target", "actions": "inhibitor", "source": "drugbank"},
        {"drug_id": "DB09999", "entrez_id": 7157, "category": "target", "actions": "", "source": "drugbank"},
    ]
    _, known = read_drugbank(tmp_path / "proteins.tsv", tmp_path / "drugbank-slim.tsv", genes)
    assert 2147 not in known["entrez_id"].tolist() and 1956 in known["entrez_id"].tolist()  # 2147: not in the map


def test_drugbank_categories_are_selectable(tmp_path):
    (tmp_path / "proteins.tsv").write_text(PROTEINS)
    (tmp_path / "drugbank-slim.tsv").write_text(SLIM)
    _, both = read_drugbank(tmp_path / "proteins.tsv", tmp_path / "drugbank-slim.tsv", categories=("target", "enzyme"))
    enzyme = both[both["category"] == "enzyme"]
    assert enzyme[["drug_id", "entrez_id", "actions"]].to_dict("records") == [
        {"drug_id": "DB00002", "entrez_id": 1576, "actions": "substrate"}]
    _, only = read_drugbank(tmp_path / "proteins.tsv", tmp_path / "drugbank-slim.tsv", categories=("enzyme",))
    assert only["entrez_id"].tolist() == [1576]
    with pytest.raises(ValueError, match="carrier"):
        read_drugbank(tmp_path / "proteins.tsv", tmp_path / "drugbank-slim.tsv", categories=("ligand",))


def test_drugbank_bad_inputs(tmp_path):
    (tmp_path / "slim.tsv").write_text(SLIM)
    (tmp_path / "p.tsv").write_text(PROTEINS.replace("\t2147\t", "\tF2\t"))
    with pytest.raises(InputError) as err:
        read_drugbank(tmp_path / "p.tsv", tmp_path / "slim.tsv")
    assert "p.tsv:2" in str(err.value) and err.value.field == "entrez_gene_id"
    (tmp_path / "p2.tsv").write_text(PROTEINS.replace("organism", "species"))
    with pytest.raises(InputError) as err:
        read_drugbank(tmp_path / "p2.tsv", tmp_path / "slim.tsv")
    assert err.value.field == "organism"


# ----------------------------------------------------------------------------- matching
def test_normalisers():
    assert normalise_name("CP-724,714") == "cp724714" == normalise_name("cp 724714")
    assert normalise_name(None) == "" and normalise_name("-666") == ""
    assert normalise_pert_id("BRD-K76908866-001-06-8") == "BRD-K76908866"
    assert normalise_pert_id("DMSO") == "DMSO"


def test_match_perturbagens():
    drugs = pd.DataFrame({
        "drug_id": ["BRD-K85606544", "DB00002", "DB00003", "DB00004"],
        "name": ["neratinib", "Cetuximab", "Imatinib Mesylate", "imatinib-mesylate"],
        "pert_ids": ["BRD-K85606544;BRD-K11111111", "", "", ""],
        "inchikey": ["", "AAAAAAAAAAAAAA-BBBBBBBBBB-N", "", ""],
    })
    perts = pd.DataFrame({
        "pert_id": ["BRD-K11111111-001-01-1", "BRD-K2", "BRD-K3", "BRD-K4", "BRD-K2", "BRD-K85606544"],
        "pert_iname": ["other name", "cetuximab", "IMATINIB MESYLATE", "unknown", "dup", "neratinib"],
        "inchi_key": ["", "InChIKey=AAAAAAAAAAAAAA-BBBBBBBBBB-N", "", "", "", ""],
    })
    mapping, report = match_perturbagens(perts, drugs)
    assert mapping.to_dict("records") == [
        {"pert_id": "BRD-K11111111", "drug_id": "BRD-K85606544", "matched_by": "pert_id"},
        {"pert_id": "BRD-K2", "drug_id": "DB00002", "matched_by": "inchikey"},
        {"pert_id": "BRD-K3", "drug_id": "DB00003", "matched_by": "name"},
        {"pert_id": "BRD-K85606544", "drug_id": "BRD-K85606544", "matched_by": "pert_id"},
    ]
    assert report == {"n_matched": 4, "n_total": 5, "by_drug_id": 0, "by_pert_id": 2, "by_inchikey": 1, "by_name": 1}
    with pytest.raises(InputError, match="pert_iname"):
        match_perturbagens(perts[["pert_id"]], drugs)
