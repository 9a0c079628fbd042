"""Neo4jStore against a real Neo4j server: same frames as the embedded store, idempotent batched
writes, parameters only (no injection), whole-batch failures, clear connection errors.

Needs NEO4J_URI / NEO4J_PASSWORD (or testcontainers + Docker); see tests/neo4j_fixtures.py.
The connection-error and Cypher-file tests need no server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kgexpr.errors import BackendError, KgexprError
from kgexpr.graph import EmbeddedStore
from kgexpr.graph.schema import KNOWLEDGE_TYPES, NODE_KEYS, REL_TYPES

pytest_plugins = ["neo4j_fixtures"]  # the neo4j_server / neo4j_store fixtures

pytestmark = pytest.mark.neo4j
ROOT = Path(__file__).resolve().parents[2]


def small(store) -> None:
    """A small graph touching every label and relationship type."""
    store.merge_nodes("Gene", pd.DataFrame({"entrez_id": [1, 2, 3, 4], "symbol": ["A", "B", "C", "D"],
                                            "landmark": [True, False, True, False]}))
    store.merge_nodes("Pathway", pd.DataFrame({"kegg_id": ["hsa1", "hsa2"], "name": ["p1", "p2"]}))
    store.merge_nodes("Drug", pd.DataFrame({"drug_id": ["D1", "D2"], "name": ["d1", "d2"], "pert_ids": ["BRD-1", "BRD-2"]}))
    store.merge_nodes("CellLine", pd.DataFrame({"name": ["MCF7"], "tissue": ["breast"], "cosmic_id": ["905946"]}))
    store.merge_edges("IN_PATHWAY", pd.DataFrame({"source": [1, 2, 3, 4], "target": ["hsa1", "hsa1", "hsa2", "hsa2"]}))
    store.merge_edges("INTERACTS", pd.DataFrame({"source": [1, 2, 1, 3], "target": [2, 3, 2, 4],
                                                 "kind": ["activation", "binding", "inhibition", None],
                                                 "pathway": ["hsa1", "hsa1", "hsa2", "hsa2"]}))
    store.merge_edges("TARGETS", pd.DataFrame({"source": ["D1", "D2"], "target": [3, 1], "provenance": ["kegg", "hub"]}))
    store.merge_edges("HAS_MUTATION", pd.DataFrame({"source": ["MCF7", "MCF7"], "target": [1, 4],
                                                    "type": ["Point.mutation", "Point.mutation"]}))


def assoc(n: int = 3, feature_set: str = "cn") -> pd.DataFrame:
    return pd.DataFrame({"source": [1, 1, 2][:n], "target": [2, 3, 4][:n], "weight": [0.5, 0.25, 0.125][:n],
                         "rank": [1, 2, 1][:n], "feature_set": feature_set})


def _nulls_as_nan(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].astype(object).where(df[c].notna(), np.nan)
    return df


def assert_same_frame(got: pd.DataFrame, want: pd.DataFrame, keys: list[str], what: str) -> None:
    """Equal frames: same columns (compared in the embedded order), same rows in the same order,
    same values, same key dtypes. Allowed differences, both artefacts of the embedded store's
    pandas merges: a missing value read back as NaN where the embedded frame keeps None, and an
    integer property read back int64 where the embedded store's concat turned it into float64."""
    assert set(got.columns) == set(want.columns), what
    got = got[list(want.columns)]
    for c in want.columns:
        if c in keys or got[c].dtype != want[c].dtype:
            assert got[c].dtype == want[c].dtype or (c not in keys and got[c].dtype == np.int64
                                                     and want[c].dtype == np.float64), (what, c, got[c].dtype, want[c].dtype)
    pd.testing.assert_frame_equal(_nulls_as_nan(got), _nulls_as_nan(want), check_dtype=False, obj=what)


def assert_same_frames(neo, emb) -> None:
    """nodes/edges of every label/type equal, counts equal, export frames exactly equal."""
    for label, key in NODE_KEYS.items():
        assert_same_frame(neo.nodes(label), emb.nodes(label), [key], f"nodes({label})")
    for t in REL_TYPES:
        assert_same_frame(neo.edges(t), emb.edges(t), ["source", "target"], f"edges({t})")
    assert neo.counts() == emb.counts()
    for got, want in zip(neo.export(), emb.export()):
        pd.testing.assert_frame_equal(got, want)


# ------------------------------------------------------------------------------ idempotency


def test_loading_twice_gives_identical_counts(neo4j_store):
    small(neo4j_store)
    first = neo4j_store.counts()
    small(neo4j_store)
    assert neo4j_store.counts() == first
    assert first == {"Gene": 4, "Pathway": 2, "Drug": 2, "CellLine": 1, "IN_PATHWAY": 4, "INTERACTS": 4,
                     "TARGETS": 2, "HAS_MUTATION": 2, "ASSOCIATED_WITH": 0}


def test_writeback_twice_and_runs_are_independent(neo4j_store):
    small(neo4j_store)
    assert neo4j_store.replace_edges("ASSOCIATED_WITH", assoc(), where={"run_id": "r1"}) == 3
    assert neo4j_store.replace_edges("ASSOCIATED_WITH", assoc(), where={"run_id": "r1"}) == 3
    assert neo4j_store.counts()["ASSOCIATED_WITH"] == 3
    neo4j_store.replace_edges("ASSOCIATED_WITH", assoc(2, "lpi"), where={"run_id": "r2"})
    r2_before = neo4j_store.edges("ASSOCIATED_WITH").query("run_id == 'r2'").reset_index(drop=True)
    # re-writing r1 with fewer rows replaces r1 only
    neo4j_store.replace_edges("ASSOCIATED_WITH", assoc(1), where={"run_id": "r1"})
    e = neo4j_store.edges("ASSOCIATED_WITH")
    assert e["run_id"].value_counts().to_dict() == {"r2": 2, "r1": 1}
    pd.testing.assert_frame_equal(e.query("run_id == 'r2'").reset_index(drop=True), r2_before)
    # the learned edges never reach the feature graph
    assert set(neo4j_store.export()[1]["type"]) <= set(KNOWLEDGE_TYPES)


def test_replace_with_missing_end_nodes_keeps_the_old_run(neo4j_store):
    small(neo4j_store)
    neo4j_store.replace_edges("ASSOCIATED_WITH", assoc(), where={"run_id": "r1"})
    bad = pd.DataFrame({"source": [1], "target": [999], "weight": [1.0], "rank": [1], "feature_set": ["cn"]})
    with pytest.raises(KgexprError, match="1 target nodes are not Gene nodes"):
        neo4j_store.replace_edges("ASSOCIATED_WITH", bad, where={"run_id": "r1"})
    assert neo4j_store.counts()["ASSOCIATED_WITH"] == 3


# ------------------------------------------------------------------------------ same frames as embedded


def test_read_back_equals_embedded_small(neo4j_store):
    emb = EmbeddedStore()
    for s in (emb, neo4j_store):
        small(s)
        s.replace_edges("ASSOCIATED_WITH", assoc(), where={"run_id": "r1"})
        # node update: new values win, properties the row lacks (or has NaN) are kept
        s.merge_nodes("Gene", pd.DataFrame({"entrez_id": [2, 3], "symbol": ["B2", np.nan], "name": ["beta", "gamma"]}))
        # edge update: the re-merged edge's properties are replaced
        s.merge_edges("TARGETS", pd.DataFrame({"source": ["D1"], "target": [3], "provenance": ["drugbank"]}))
    assert neo4j_store.nodes("Gene").set_index("entrez_id").loc[3, "symbol"] == "C"
    assert_same_frames(neo4j_store, emb)


def test_read_back_equals_embedded_demo_graph(neo4j_store, demo_data):
    from kgexpr.graph.build import load_into

    from neo4j_fixtures import demo_knowledge

    kg = demo_knowledge(demo_data)
    emb = EmbeddedStore()
    assert load_into(neo4j_store, kg) == load_into(emb, kg)
    assert_same_frames(neo4j_store, emb)
    assert neo4j_store.nodes("Gene")["entrez_id"].dtype == np.int64
    assert neo4j_store.nodes("Drug")["drug_id"].dtype == object


def test_delete_edges_where_semantics_match_embedded(neo4j_store):
    emb = EmbeddedStore()
    for s in (emb, neo4j_store):
        small(s)
        s.replace_edges("ASSOCIATED_WITH", assoc(), where={"run_id": "r1"})
        s.replace_edges("ASSOCIATED_WITH", assoc(2, "lpi"), where={"run_id": "r2"})
    for where in ({"no_such_property": 1}, {"run_id": "r3"}, {"run_id": "r1", "feature_set": "lpi"},
                  {"run_id": "r2", "feature_set": "lpi"}, {"rank": np.int64(1)}, {"kind": "binding"}):
        t = "INTERACTS" if "kind" in where else "ASSOCIATED_WITH"
        assert neo4j_store.delete_edges(t, where) == emb.delete_edges(t, where), where
    assert neo4j_store.delete_edges("IN_PATHWAY", {}) == emb.delete_edges("IN_PATHWAY", {}) == 4
    assert_same_frames(neo4j_store, emb)


def test_delete_edges_in_batches(neo4j_store):
    small(neo4j_store)
    neo4j_store.batch_size = 2
    neo4j_store.replace_edges("ASSOCIATED_WITH", assoc(), where={"run_id": "r1"})  # > 1 batch: delete, then merge
    assert neo4j_store.delete_edges("ASSOCIATED_WITH", {"run_id": "r1"}) == 3
    assert neo4j_store.counts()["ASSOCIATED_WITH"] == 0


def test_edges_need_existing_nodes_and_nothing_is_written(neo4j_store):
    small(neo4j_store)
    rows = pd.DataFrame({"source": ["D1", "D1", "D1"], "target": [1, 98, 99]})
    with pytest.raises(KgexprError, match=r"TARGETS: 2 target nodes are not Gene nodes in the store"):
        neo4j_store.merge_edges("TARGETS", rows)
    assert neo4j_store.counts()["TARGETS"] == 2
    with pytest.raises(KgexprError, match="need a 'pathway' column"):
        neo4j_store.merge_edges("INTERACTS", pd.DataFrame({"source": [1], "target": [2]}))
    with pytest.raises(ValueError, match="unknown relationship type"):
        neo4j_store.merge_edges("LIKES", pd.DataFrame({"source": [1], "target": [2]}))
    with pytest.raises(ValueError, match="unknown node label"):
        neo4j_store.merge_nodes("Person`) DETACH DELETE n //", pd.DataFrame({"name": ["x"]}))


# ------------------------------------------------------------------------------ injection


NASTY = [
    "it's",
    'say "hi"',
    "back`tick`",
    "brace}",
    "} ) MATCH (n) DETACH DELETE n //",
    "a // comment",
    "semi; colon",
    "MATCH (n) DETACH DELETE n",
    "'}) MATCH (n) DETACH DELETE n; //",
    "$rows",
    "unicode ✓ β",
]


def test_values_are_parameters_not_cypher(neo4j_store):
    small(neo4j_store)
    before = neo4j_store.counts()
    genes = pd.DataFrame({"entrez_id": range(100, 100 + len(NASTY)), "symbol": NASTY})
    drugs = pd.DataFrame({"drug_id": NASTY, "name": NASTY[::-1]})
    neo4j_store.merge_nodes("Gene", genes)
    neo4j_store.merge_nodes("Drug", drugs)
    neo4j_store.merge_nodes("CellLine", pd.DataFrame({"name": NASTY}))
    neo4j_store.merge_edges("TARGETS", pd.DataFrame({"source": NASTY, "target": list(genes["entrez_id"]), "note": NASTY}))
    neo4j_store.merge_edges("HAS_MUTATION", pd.DataFrame({"source": NASTY, "target": [1] * len(NASTY), "type": NASTY}))
    # a property *name* is a parameter map key too
    neo4j_store.merge_nodes("Pathway", pd.DataFrame({"kegg_id": ["hsa9"], "} DETACH DELETE n //": ["x"]}))
    after = neo4j_store.counts()
    assert after["Gene"] == before["Gene"] + len(NASTY)
    assert after["Drug"] == before["Drug"] + len(NASTY)
    assert after["CellLine"] == before["CellLine"] + len(NASTY)
    assert after["Pathway"] == before["Pathway"] + 1
    assert after["IN_PATHWAY"] == before["IN_PATHWAY"] and after["INTERACTS"] == before["INTERACTS"]
    g = neo4j_store.nodes("Gene").set_index("entrez_id")
    assert g.loc[list(genes["entrez_id"]), "symbol"].tolist() == NASTY
    d = neo4j_store.nodes("Drug").set_index("drug_id")
    assert sorted(d.index[d.index.isin(NASTY)]) == sorted(NASTY)
    assert d.loc[NASTY, "name"].tolist() == NASTY[::-1]
    t = neo4j_store.edges("TARGETS")
    assert sorted(t.loc[t["source"].isin(NASTY), "note"]) == sorted(NASTY)
    assert sorted(neo4j_store.edges("HAS_MUTATION")["type"].tolist()) == sorted(NASTY + ["Point.mutation"] * 2)
    p = neo4j_store.nodes("Pathway").set_index("kegg_id")
    assert p.loc["hsa9", "} DETACH DELETE n //"] == "x"
    # deleting by a nasty value deletes exactly that edge
    assert neo4j_store.delete_edges("HAS_MUTATION", {"type": NASTY[4]}) == 1
    assert neo4j_store.counts()["Gene"] == after["Gene"]
    # nasty node ids: a KeyError, not a query
    now = neo4j_store.counts()
    with pytest.raises(KeyError, match="not in graph"):
        neo4j_store.resolve_nodes(["Gene:1", "Drug:' OR 1=1 //"])
    assert neo4j_store.counts() == now


# ------------------------------------------------------------------------------ flush / clear


def test_flush_and_clear_through_the_interface(neo4j_store, neo4j_server):
    from kgexpr.graph import GraphStore
    from kgexpr.graph.neo4j import Neo4jStore

    store: GraphStore = neo4j_store
    small(store)
    before = store.counts()
    store.flush()  # a no-op: every write is already committed ...
    assert store.counts() == before
    with Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, database=neo4j_server.database) as other:
        assert other.counts() == before  # ... so another connection sees it all
        store.clear()
        assert set(other.counts().values()) == {0}
    assert set(store.counts().values()) == {0}
    small(store)  # constraints and indexes survive a clear
    assert store.counts() == before


def test_resolve_nodes_and_read(neo4j_store):
    small(neo4j_store)
    eids = neo4j_store.resolve_nodes(["Gene:1", "Drug:D2", "CellLine:MCF7", "Gene:1"])
    assert set(eids) == {"Gene:1", "Drug:D2", "CellLine:MCF7"} and len(set(eids.values())) == 3
    for bad in (["Gene:01"], ["Gene:x"], ["Person:1"], ["Pathway:nope"]):
        with pytest.raises(KeyError, match="not in graph"):
            neo4j_store.resolve_nodes(["Gene:1", *bad])
    assert neo4j_store.read("read/counts")[0]["counts"]["Gene"] == 4
    with pytest.raises(BackendError, match=r"failed reading on purpose"):
        with neo4j_store.errors("reading on purpose"):
            neo4j_store.read("read/resolve_nodes")  # missing parameters: a server error, mapped


# ------------------------------------------------------------------------------ failures mid-load


def test_server_rejected_batch_leaves_whole_batches_and_rerun_completes(neo4j_store):
    neo4j_store.batch_size = 10
    genes = pd.DataFrame({"entrez_id": range(1, 46), "symbol": [f"G{i}" for i in range(1, 46)]}).astype({"symbol": object})
    bad = genes.copy()
    bad.at[24, "symbol"] = {"a map": "is not a property value"}  # row 25 -> batch 3 fails on the server
    with pytest.raises(BackendError, match=r"batch 3/5") as e:
        neo4j_store.merge_nodes("Gene", bad)
    assert neo4j_store.uri in str(e.value)
    assert neo4j_store.counts()["Gene"] == 20  # batches 1 and 2 committed, 3 rolled back whole
    assert neo4j_store.merge_nodes("Gene", genes) == 45
    assert neo4j_store.counts()["Gene"] == 45
    assert neo4j_store.nodes("Gene")["symbol"].tolist() == genes["symbol"].tolist()


def test_failure_in_second_edge_batch_then_rerun(neo4j_store, monkeypatch):
    from kgexpr.graph.neo4j import Neo4jStore

    neo4j_store.merge_nodes("Gene", pd.DataFrame({"entrez_id": range(1, 31), "symbol": "x"}))
    rows = pd.DataFrame({"source": range(1, 30), "target": range(2, 31), "pathway": "hsa1", "kind": "activation"})
    neo4j_store.batch_size = 8
    calls = {"n": 0}
    real = Neo4jStore._run_batch

    def flaky(tx, query, batch):
        calls["n"] += 1
        merged = real(tx, query, batch)  # the rows are written inside the transaction ...
        if calls["n"] == 2:
            raise RuntimeError("simulated crash after writing batch 2")  # ... and rolled back
        return merged

    monkeypatch.setattr(Neo4jStore, "_run_batch", staticmethod(flaky))
    with pytest.raises(RuntimeError, match="simulated"):
        neo4j_store.merge_edges("INTERACTS", rows)
    assert neo4j_store.counts()["INTERACTS"] == 8
    monkeypatch.setattr(Neo4jStore, "_run_batch", staticmethod(real))
    assert neo4j_store.merge_edges("INTERACTS", rows) == 29
    assert neo4j_store.counts()["INTERACTS"] == 29
    assert neo4j_store.merge_edges("INTERACTS", rows) == 29
    assert neo4j_store.counts()["INTERACTS"] == 29


def test_values_are_converted_to_plain_python(neo4j_store):
    df = pd.DataFrame({
        "entrez_id": np.array([1, 2, 3], dtype=np.int32),
        "score": np.array([0.5, np.nan, 2.0], dtype=np.float32),
        "count": pd.array([1, None, 3], dtype="Int64"),
        "flag": np.array([True, False, True]),
        "tags": [["a", "b"], np.array(["c"]), None],
        "label": pd.Categorical(["x", "y", None]),
        "big": np.array([2**40, 1, 0], dtype=np.int64),
    })
    neo4j_store.merge_nodes("Gene", df)
    g = neo4j_store.nodes("Gene").set_index("entrez_id")
    assert g.loc[1, "score"] == 0.5 and np.isnan(g.loc[2, "score"])
    assert g.loc[1, "count"] == 1 and pd.isna(g.loc[2, "count"])
    assert g["flag"].tolist() == [True, False, True]
    assert g.loc[1, "tags"] == ["a", "b"] and g.loc[2, "tags"] == ["c"]
    assert g.loc[2, "label"] == "y" and pd.isna(g.loc[3, "label"])
    assert g.loc[1, "big"] == 2**40
    with pytest.raises(KgexprError, match="Entrez ids must be integers"):
        neo4j_store.merge_nodes("Gene", pd.DataFrame({"entrez_id": [1.0, np.nan]}))
    with pytest.raises(KgexprError, match="no drug_id"):
        neo4j_store.merge_nodes("Drug", pd.DataFrame({"drug_id": ["D1", None]}))


# ------------------------------------------------------------------------------ connection errors


def test_connection_refused_names_the_uri():
    from kgexpr.graph.neo4j import Neo4jStore

    with pytest.raises(BackendError) as e:
        Neo4jStore("bolt://127.0.0.1:1", "neo4j", "whatever-password")
    msg = str(e.value)
    assert "bolt://127.0.0.1:1" in msg and "cannot connect" in msg and "\n" not in msg


def test_missing_password_and_bad_uri():
    from kgexpr.graph import open_store

    with pytest.raises(BackendError, match=r"no password for Neo4j at bolt://127.0.0.1:1 .*NEO4J_PASSWORD"):
        open_store("neo4j", uri="bolt://127.0.0.1:1", user="neo4j", password=None)
    with pytest.raises(BackendError, match="invalid Neo4j URI 'http://x:1'"):
        open_store("neo4j", uri="http://x:1", user="neo4j", password="whatever-password")


def test_wrong_password_names_the_uri(neo4j_server):
    from kgexpr.graph.neo4j import Neo4jStore

    with pytest.raises(BackendError) as e:
        Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password + "-wrong")
    assert neo4j_server.uri in str(e.value) and "wrong password" in str(e.value)


def test_cli_connection_refused_is_one_error_line(tmp_path):
    env = {**os.environ, "NEO4J_PASSWORD": "whatever-password", "KGEXPR_DATA": str(tmp_path / "none")}
    env.pop("NEO4J_URI", None)
    exe = Path(sys.executable).with_name("kgexpr")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "kgexpr.cli"]
    p = subprocess.run(cmd + ["load", "--demo", "--backend", "neo4j", "--neo4j-uri", "bolt://127.0.0.1:1",
                              "--out", str(tmp_path / "run")],
                       capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr + p.stdout
    errors = [line for line in p.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "bolt://127.0.0.1:1" in errors[0], p.stderr


# ------------------------------------------------------------------------------ the cypher/ folder


def test_every_label_and_type_has_its_cypher_files():
    from kgexpr.graph.cypher import cypher_dir, load_query, query_names

    names = set(query_names())
    for label in NODE_KEYS:
        low = label.lower()
        assert {f"load/merge_{low}", f"read/nodes_{low}", f"read/missing_{low}_keys"} <= names, label
        assert f":{label} {{{NODE_KEYS[label]}: row.key}}" in load_query(f"load/merge_{low}")
    for t, rt in REL_TYPES.items():
        low = t.lower()
        merge = f"writeback/merge_{low}" if t == "ASSOCIATED_WITH" else f"load/merge_rel_{low}"
        delete = f"writeback/delete_{low}" if t == "ASSOCIATED_WITH" else f"delete/rel_{low}"
        assert {merge, delete, f"read/edges_{low}"} <= names, t
        text = load_query(merge)
        assert f"[r:{t}" in text and f"(s:{rt.source} " in text and f"(t:{rt.target} " in text
        for p in rt.identity:
            assert f"{p}: row.{p}" in text, (t, p)
    for t in KNOWLEDGE_TYPES:
        assert f"[r:{t}]" in load_query("read/export_edges")
    import re

    explore = set(query_names("explore"))
    assert {"explore/gene_pathways_and_drugs", "explore/tp53_associations", "explore/drug_to_gene_paths",
            "explore/mutated_genes_associated", "explore/model_quality_overview", "explore/hub_genes",
            "explore/list_runs"} <= explore
    for name in explore:  # each runs as it is in the Browser: one statement, no parameter to set first
        text = (cypher_dir() / f"{name}.cypher").read_text()
        code = "\n".join(line.split("//")[0] for line in text.splitlines())
        assert text.startswith("//") and "$" not in code and not re.search(r";\s*\n\s*\S", code), name
    with pytest.raises(BackendError, match="missing Cypher file"):
        load_query("load/merge_person")
    with pytest.raises(ValueError):
        load_query("../../etc/passwd")


def test_explore_queries_run(neo4j_store):
    """The Browser queries of cypher/explore, unchanged, answer on a small graph with a written-back run."""
    from kgexpr.graph.cypher import cypher_dir

    small(neo4j_store)
    # the queries' own example values: gene B is TP53, drug d1 imatinib (by one of its names)
    neo4j_store.merge_nodes("Gene", pd.DataFrame({"entrez_id": [2], "symbol": ["TP53"]}))
    neo4j_store.merge_nodes("Drug", pd.DataFrame({"drug_id": ["D1"], "name": ["Gleevec"], "names": ["Gleevec;imatinib"]}))
    neo4j_store.merge_nodes("CellLine", pd.DataFrame({"name": ["HT29"], "tissue": ["colon"], "cosmic_id": ["905939"]}))
    neo4j_store.merge_edges("HAS_MUTATION", pd.DataFrame({"source": ["HT29"], "target": [2], "type": ["Point.mutation"]}))
    neo4j_store.replace_edges("ASSOCIATED_WITH", assoc(), where={"run_id": "r1"})
    neo4j_store.ensure_schema()
    answers = {}
    with neo4j_store._session() as session:
        session.run("CALL db.awaitIndexes(60)").consume()
        for f in sorted((cypher_dir() / "explore").glob("*.cypher")):
            answers[f.stem] = session.run(f.read_text()).data()
    assert answers["gene_pathways_and_drugs"][0]["pathways"] == [{"kegg_id": "hsa1", "name": "p1"}]
    assert {r["other_symbol"] for r in answers["tp53_associations"]} == {"A", "D"}
    assert answers["drug_to_gene_paths"][0]["hops"] == 2 and answers["drug_to_gene_paths"][0]["drug_id"] == "D1"
    assert {(r["mutated_gene"], r["associated_gene"]) for r in answers["mutated_genes_associated"]} == {("TP53", "A"), ("TP53", "D")}
    assert answers["feature_properties"] == []
    # A->B interact and share hsa1; A->C and B->D neither
    assert answers["model_quality_overview"] == [
        {"run_id": "r1", "feature_set": "cn", "associations": 3, "genes": 2, "mean_weight": 0.2917,
         "frac_known_interaction": 0.333, "frac_shared_pathway": 0.333}
    ]
    assert answers["hub_genes"][0]["relied_on_by"] == 1
    assert answers["list_runs"] == [{"run_id": "r1", "associations": 3, "genes": 2, "feature_sets": ["cn"]}]


def test_the_tests_refuse_a_database_holding_data_they_did_not_create(neo4j_store, neo4j_server):
    from neo4j_fixtures import _foreign_data, mark

    neo4j_store.clear()  # as a user's own load would leave it: data, and no mark of the test suite
    small(neo4j_store)
    why = _foreign_data(neo4j_server)
    assert why is not None and "did not create" in why and "KGEXPR_TEST_NEO4J_URI" in why
    assert neo4j_store.counts()["Gene"] == 4  # refused without deleting anything
    mark(neo4j_server)
    assert _foreign_data(neo4j_server) is None


def test_statements_carry_kgexpr_metadata(neo4j_store):
    """SHOW TRANSACTIONS attributes kgexpr's transactions to kgexpr and the query file; the connection names kgexpr."""
    from kgexpr.graph.neo4j import _tagged

    with neo4j_store._session() as session:
        rows = session.execute_read(_tagged(lambda tx: tx.run("SHOW TRANSACTIONS YIELD metaData, clientAddress").data(),
                                            "read/ping"))
    assert any(r["metaData"].get("app") == "kgexpr" and r["metaData"].get("query") == "read/ping" for r in rows)
    agents = [r["userAgent"] for r in neo4j_store.driver.execute_query(
        "CALL dbms.listConnections() YIELD userAgent RETURN userAgent").records]
    assert any(str(a).startswith("kgexpr/") for a in agents)
