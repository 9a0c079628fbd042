"""KGML and KEGG REST parsers on tiny files written in the official formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgexpr.errors import InputError
from kgexpr.sources.kegg_rest import read_link_drug_target, read_link_pathway, read_list_pathway
from kgexpr.sources.kgml import read_kgml, read_kgml_dir

KGML = """<?xml version="1.0"?>
<!DOCTYPE pathway SYSTEM "https://www.kegg.jp/kegg/xml/KGML_v0.7.2_.dtd">
<!-- Creation date: Aug 20, 2021 16:15:34 +0900 (GMT+9) -->
<pathway name="path:hsa04110" org="hsa" number="04110"
         title="Cell cycle"
         image="https://www.kegg.jp/kegg/pathway/hsa/hsa04110.png">
    <entry id="1" name="hsa:1029" type="gene">
        <graphics name="CDKN2A, ARF, CDK4I" type="rectangle" x="1" y="1" width="46" height="17"/>
    </entry>
    <entry id="2" name="hsa:1019 hsa:1021" type="gene">
        <graphics name="CDK4, CMM3..." type="rectangle" x="1" y="1" width="46" height="17"/>
    </entry>
    <entry id="3" name="hsa:595" type="gene">
        <graphics name="CCND1, BCL1" type="rectangle" x="1" y="1" width="46" height="17"/>
    </entry>
    <entry id="4" name="undefined" type="group">
        <graphics fgcolor="#000000" type="rectangle" x="1" y="1" width="46" height="34"/>
        <component id="2"/>
        <component id="3"/>
    </entry>
    <entry id="5" name="hsa:7157" type="gene">
        <graphics name="TP53, BCC7..." type="rectangle" x="1" y="1" width="46" height="17"/>
    </entry>
    <entry id="6" name="cpd:C00076" type="compound">
        <graphics name="C00076" type="circle" x="1" y="1" width="8" height="8"/>
    </entry>
    <entry id="7" name="path:hsa04115" type="map">
        <graphics name="p53 signaling pathway" type="roundrectangle" x="1" y="1" width="1" height="1"/>
    </entry>
    <entry id="8" name="dr:D00123 cpd:C07047" type="compound">
        <graphics name="D00123..." type="circle" x="1" y="1" width="8" height="8"/>
    </entry>
    <entry id="9" name="hsa:" type="gene">
        <graphics type="rectangle" x="1" y="1" width="46" height="17"/>
    </entry>
    <relation entry1="1" entry2="4" type="PPrel">
        <subtype name="inhibition" value="--|"/>
    </relation>
    <relation entry1="5" entry2="1" type="GErel">
        <subtype name="expression" value="--&gt;"/>
    </relation>
    <relation entry1="2" entry2="5" type="PPrel">
        <subtype name="activation" value="--&gt;"/>
        <subtype name="phosphorylation" value="+p"/>
    </relation>
    <relation entry1="3" entry2="1" type="PPrel">
    </relation>
    <relation entry1="6" entry2="5" type="PCrel">
        <subtype name="activation" value="--&gt;"/>
    </relation>
    <relation entry1="7" entry2="5" type="maplink">
        <subtype name="compound" value="6"/>
    </relation>
    <relation entry1="8" entry2="4" type="PCrel">
        <subtype name="inhibition" value="--|"/>
    </relation>
</pathway>
"""

KGML_061 = """<?xml version="1.0"?>
<!DOCTYPE pathway SYSTEM "http://www.genome.jp/kegg/xml/KGML_v0.6.1_.dtd">
<!-- Creation date: Aug 30 2008 00:21:52 +0900 (JST) -->
<pathway name="path:hsa04115" org="hsa" number="04115"
         title="p53 signaling pathway"
         image="http://www.genome.jp/kegg/pathway/hsa/hsa04115.gif"
         link="http://www.genome.jp/dbget-bin/show_pathway?hsa04115">
    <entry id="1" name="hsa:7157" type="gene"
        link="http://www.genome.jp/dbget-bin/www_bget?hsa+7157">
        <graphics name="TP53" fgcolor="#000000" bgcolor="#BFFFBF"
             type="rectangle" x="918" y="257" width="45" height="28"/>
    </entry>
    <entry id="2" name="hsa:4193" type="gene"
        link="http://www.genome.jp/dbget-bin/www_bget?hsa+4193">
        <graphics name="MDM2" fgcolor="#000000" bgcolor="#BFFFBF"
             type="rectangle" x="918" y="257" width="45" height="28"/>
    </entry>
    <relation entry1="1" entry2="2" type="GErel">
        <subtype name="expression" value="--&gt;"/>
    </relation>
    <relation entry1="2" entry2="1" type="PPrel">
        <subtype name="inhibition" value="--|"/>
        <subtype name="ubiquination" value="+u"/>
    </relation>
</pathway>
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_read_kgml_frames(tmp_path):
    k = read_kgml(write(tmp_path / "hsa04110.xml", KGML))
    assert k.pathway.to_dict("records") == [{"kegg_id": "hsa04110", "name": "Cell cycle"}]
    genes = dict(zip(k.genes["entrez_id"], k.genes["symbol"]))
    # the graphics name labels only the first gene of a multi-gene entry; "..." stripped
    assert genes == {1029: "CDKN2A", 1019: "CDK4", 1021: "", 595: "CCND1", 7157: "TP53"}
    assert set(k.genes["name"]) == {""}
    assert str(k.genes["entrez_id"].dtype) == "int64"
    assert sorted(k.gene_pathway["entrez_id"]) == [595, 1019, 1021, 1029, 7157]
    assert set(k.gene_pathway["kegg_id"]) == {"hsa04110"}

    got = {(s, t, kind) for s, t, kind in k.interactions[["source", "target", "kind"]].itertuples(index=False)}
    assert got == {
        # group 4 = entries 2 (two genes) + 3 → three targets
        (1029, 1019, "inhibition"), (1029, 1021, "inhibition"), (1029, 595, "inhibition"),
        (7157, 1029, "expression"),
        (1019, 7157, "activation;phosphorylation"), (1021, 7157, "activation;phosphorylation"),
        (595, 1029, "PPrel"),  # no subtype → relation type
    }
    assert set(k.interactions["pathway"]) == {"hsa04110"}
    assert str(k.interactions["source"].dtype) == "int64"

    assert k.drugs.to_dict("records") == [{"drug_id": "D00123", "name": "D00123", "pert_ids": ""}]
    assert sorted(k.drug_targets["entrez_id"]) == [595, 1019, 1021]
    assert set(k.drug_targets["drug_id"]) == {"D00123"}
    assert set(k.drug_targets["source"]) == {"kegg-kgml"}


def test_read_kgml_v061_and_dir_concat(tmp_path):
    write(tmp_path / "hsa04110.xml", KGML)
    write(tmp_path / "hsa04115.xml", KGML_061)
    write(tmp_path / "notes.txt", "not kgml")
    k = read_kgml_dir(tmp_path)
    assert list(k.pathway["kegg_id"]) == ["hsa04110", "hsa04115"]
    assert k.pathways is k.pathway
    assert k.genes["entrez_id"].is_unique
    assert dict(zip(k.genes["entrez_id"], k.genes["symbol"]))[4193] == "MDM2"
    assert len(k.gene_pathway) == 5 + 2
    p53 = k.interactions[k.interactions["pathway"] == "hsa04115"]
    assert set(zip(p53["source"], p53["target"], p53["kind"])) == {
        (7157, 4193, "expression"), (4193, 7157, "inhibition;ubiquination")
    }
    # reading the same folder twice does not duplicate anything
    again = read_kgml_dir(tmp_path)
    assert len(again.interactions) == len(k.interactions)


def test_kgml_malformed_xml_names_line(tmp_path):
    bad = KGML.replace('<entry id="3" name="hsa:595" type="gene">', '<entry id="3" name="hsa:595" type="gene"')
    path = write(tmp_path / "hsa04110.xml", bad)
    with pytest.raises(InputError) as err:
        read_kgml(path)
    assert "hsa04110.xml" in str(err.value) and "malformed XML" in str(err.value)
    assert err.value.line is not None and 14 <= err.value.line <= 16


def test_kgml_empty_file(tmp_path):
    with pytest.raises(InputError) as err:
        read_kgml(write(tmp_path / "empty.xml", "  \n"))
    assert "empty.xml:1" in str(err.value) and "empty file" in str(err.value)


def test_kgml_duplicate_entry_id(tmp_path):
    bad = KGML.replace('<entry id="3" name="hsa:595"', '<entry id="2" name="hsa:595"')
    with pytest.raises(InputError) as err:
        read_kgml(write(tmp_path / "dup.xml", bad))
    assert err.value.field == "id" and err.value.line == 13
    assert "dup.xml:13" in str(err.value) and "duplicate entry id '2'" in str(err.value)


def test_kgml_non_numeric_gene_id(tmp_path):
    bad = KGML.replace('name="hsa:595"', 'name="hsa:CCND1"')
    with pytest.raises(InputError) as err:
        read_kgml(write(tmp_path / "nonnum.xml", bad))
    assert err.value.field == "name" and err.value.line == 13
    assert "nonnum.xml:13" in str(err.value)


def test_kgml_relation_to_unknown_entry(tmp_path):
    bad = KGML.replace('<relation entry1="5" entry2="1"', '<relation entry1="5" entry2="99"')
    with pytest.raises(InputError) as err:
        read_kgml(write(tmp_path / "rel.xml", bad))
    assert err.value.field == "entry2" and "'99'" in str(err.value) and err.value.line is not None


def test_kgml_wrong_root_and_empty_dir(tmp_path):
    with pytest.raises(InputError, match="expected <pathway>"):
        read_kgml(write(tmp_path / "x.xml", "<kgml/>"))
    empty = tmp_path / "none"
    empty.mkdir()
    with pytest.raises(InputError, match="no \\*.xml"):
        read_kgml_dir(empty)


# ----------------------------------------------------------------------------- KEGG REST
def test_kegg_rest_files(tmp_path):
    lst = write(
        tmp_path / "list.txt",
        "path:hsa00010\tGlycolysis / Gluconeogenesis - Homo sapiens (human)\n"
        "hsa04110\tCell cycle - Homo sapiens (human)\n",
    )
    assert read_list_pathway(lst).to_dict("records") == [
        {"kegg_id": "hsa00010", "name": "Glycolysis / Gluconeogenesis"},
        {"kegg_id": "hsa04110", "name": "Cell cycle"},
    ]
    link = write(tmp_path / "link.txt", "hsa:10327\tpath:hsa00010\npath:hsa00010\thsa:124\nhsa:10327\tpath:hsa00010\n")
    gp = read_link_pathway(link)
    assert gp.to_dict("records") == [
        {"entrez_id": 10327, "kegg_id": "hsa00010"},
        {"entrez_id": 124, "kegg_id": "hsa00010"},
    ]
    drug = write(tmp_path / "drug.txt", "hsa:1813\tdr:D00110\ndr:D00136\thsa:1814\n")
    dt = read_link_drug_target(drug)
    assert dt.to_dict("records") == [
        {"drug_id": "D00110", "entrez_id": 1813, "source": "kegg-rest"},
        {"drug_id": "D00136", "entrez_id": 1814, "source": "kegg-rest"},
    ]


def test_kegg_rest_bad_inputs(tmp_path):
    with pytest.raises(InputError) as err:
        read_link_pathway(write(tmp_path / "a.txt", "hsa:1\tpath:hsa00010\nhsa:X1\tpath:hsa00010\n"))
    assert "a.txt:2" in str(err.value) and err.value.field == "entrez_id"
    with pytest.raises(InputError) as err:
        read_list_pathway(write(tmp_path / "b.txt", "path:hsa00010\tA\npath:hsa00010\tB\n"))
    assert "b.txt:2" in str(err.value) and "duplicate id" in str(err.value)
    with pytest.raises(InputError) as err:
        read_link_drug_target(write(tmp_path / "c.txt", "hsa:1813 dr:D00110\n"))
    assert "c.txt:1" in str(err.value) and "2 tab-separated columns" in str(err.value)
    with pytest.raises(InputError, match="empty file"):
        read_list_pathway(write(tmp_path / "d.txt", ""))
