"""Neo4jStore's own logic over a recording fake runner: no server.

Batching, conversion of frame values to plain Python, error mapping, the load record, the
frames read back and the declared capabilities are the store's, not the driver's; the live-server
tests (test_neo4j_store.py) check the Cypher files and the transport.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

from fake_runner import RecordingRunner
from kgexpr.errors import BackendError, BackendUnreachable, KgexprError
from kgexpr.graph import EmbeddedStore, open_store
from kgexpr.graph.schema import ASSOCIATED_WITH, KNOWLEDGE_TYPES, NODE_KEYS, REL_TYPES
from kgexpr.graph.signs import SIGNED_PROPERTY
from kgexpr.graph.store import HasGds, ResolvesNodes, RunsCypher, VectorWriter

neo4j = pytest.importorskip("neo4j", reason="the driver's exceptions are what the store maps")
from kgexpr.graph.neo4j import Neo4jStore  # noqa: E402

X = neo4j.exceptions
URI = "bolt://fake:7687"
PLAIN = (int, float, str, bool, type(None), dt.datetime)


def server_error(code: str, message: str):
    """The exception the driver raises for a server failure (it builds them from code and message)."""
    return X.Neo4jError._hydrate_neo4j(code=code, message=message)


def store_on(responses=None, batch_size=10, **kw) -> tuple[Neo4jStore, RecordingRunner]:
    runner = RecordingRunner(responses, uri=URI, **kw)
    return Neo4jStore(runner=runner, batch_size=batch_size), runner


def assert_plain(value, where="value"):
    """Only what the driver sends as is: plain scalars, lists and maps of them (no numpy, no NaN)."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert type(k) is str, (where, k)
            assert_plain(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            assert_plain(v, f"{where}[{i}]")
    else:
        assert type(value) in PLAIN, (where, type(value), value)
        assert not (isinstance(value, float) and math.isnan(value)), where


def batches(runner: RecordingRunner, query: str) -> list[list]:
    return [c.params["rows"] for c in runner.calls_to(query)]


# ------------------------------------------------------------------------------ batching


def test_node_rows_go_in_one_transaction_per_batch():
    store, runner = store_on(batch_size=20)
    genes = pd.DataFrame({"entrez_id": range(1, 46), "symbol": [f"G{i}" for i in range(1, 46)]})
    assert store.merge_nodes("Gene", genes) == 45
    sent = batches(runner, "load/merge_gene")
    assert [len(b) for b in sent] == [20, 20, 5]
    assert [r["key"] for b in sent for r in b] == list(range(1, 46))
    merges = [t for t in runner.transactions if t.tag == "load/merge_gene"]
    assert len(merges) == 3 and all(t.committed and len(t.calls) == 1 for t in merges)
    # the schema statements ran first, once, each in its own implicit transaction
    schema = runner.queries("run")
    assert schema and all(q.startswith("schema/") for q in schema)
    assert runner.calls.index(runner.calls_to("load/merge_gene")[0]) > len(schema) - 1
    store.merge_nodes("Gene", genes.iloc[:3])
    assert runner.queries("run") == schema


def test_a_batch_size_larger_than_the_rows_is_one_batch_and_empty_rows_send_nothing():
    store, runner = store_on(batch_size=1000)
    assert store.merge_nodes("Pathway", pd.DataFrame({"kegg_id": ["hsa1", "hsa2"]})) == 2
    assert [len(b) for b in batches(runner, "load/merge_pathway")] == [2]
    before = len(runner.calls)
    assert store.merge_nodes("Pathway", pd.DataFrame({"kegg_id": pd.Series([], dtype=object)})) == 0
    assert store.merge_edges("INTERACTS", pd.DataFrame(columns=["source", "target", "pathway"])) == 0
    assert len(runner.calls) == before


def test_end_node_lookups_are_batched_and_missing_ends_stop_the_write():
    seen = []

    def missing(params):
        seen.append(list(params["keys"]))
        return [{"missing": [k for k in params["keys"] if k == 7]}]

    store, runner = store_on({"read/missing_gene_keys": missing}, batch_size=4)
    rows = pd.DataFrame({"source": [1, 1, 2, 3, 4, 5], "target": [2, 3, 4, 5, 6, 7], "pathway": "hsa1"})
    with pytest.raises(KgexprError, match=r"INTERACTS: 1 target nodes are not Gene nodes in the store \(e\.g\. 7\)"):
        store.merge_edges("INTERACTS", rows)
    assert seen == [[1, 2, 3, 4], [5], [2, 3, 4, 5], [6, 7]]  # distinct sources, then targets, 4 per query
    assert_plain(seen)
    assert not runner.transactions  # nothing written


def test_an_incomplete_batch_rolls_back_and_stops_the_write():
    calls = {"n": 0}

    def merged(params):
        calls["n"] += 1
        return [{"merged": len(params["rows"]) - (calls["n"] == 2)}]

    store, runner = store_on({"load/merge_rel_targets": merged}, batch_size=3)
    rows = pd.DataFrame({"source": ["D1"] * 8, "target": range(1, 9)})
    with pytest.raises(KgexprError, match=r"merging TARGETS relationships: batch 2/3 rolled back: 1 of 3 rows found no end node"):
        store.merge_edges("TARGETS", rows)
    txs = [t for t in runner.transactions if t.tag == "load/merge_rel_targets"]
    assert [t.committed for t in txs] == [True, False]  # batch 3 never started


# ------------------------------------------------------------------------------ conversion


def test_values_are_sent_as_plain_python():
    store, runner = store_on()
    df = pd.DataFrame({
        "entrez_id": np.array([3, 1, 2], dtype=np.int32),
        "symbol": ["C", "A", None],
        "score": np.array([0.5, np.nan, 2.0], dtype=np.float32),
        "flag": np.array([True, False, True]),
        "count": pd.array([1, None, 3], dtype="Int64"),
        "when": pd.to_datetime(["2024-01-01", None, "2024-03-01"]),
        "tags": [np.array([1, 2]), ["x"], []],
    })
    store.merge_nodes("Gene", df)
    rows = batches(runner, "load/merge_gene")[0]
    assert_plain(rows, "rows")
    by_key = {r["key"]: r["props"] for r in rows}
    assert by_key[1] == {"symbol": "A", "flag": False, "tags": ["x"]}  # nulls (NaN, NA, NaT) are left out
    assert by_key[3] == {"symbol": "C", "score": 0.5, "flag": True, "count": 1,
                         "when": dt.datetime(2024, 1, 1), "tags": [1, 2]}
    assert "symbol" not in by_key[2] and by_key[2]["count"] == 3


def test_keys_take_the_store_types_and_the_last_row_of_a_key_wins():
    store, runner = store_on()
    store.merge_nodes("Drug", pd.DataFrame({"drug_id": [np.int64(5), "D1", "D1"], "name": ["five", "old", "new"]}))
    rows = batches(runner, "load/merge_drug")[0]
    assert rows == [{"key": "5", "props": {"name": "five"}}, {"key": "D1", "props": {"name": "new"}}]
    with pytest.raises(KgexprError, match="Gene.entrez_id: Entrez ids must be integers"):
        store.merge_nodes("Gene", pd.DataFrame({"entrez_id": ["7157", "TP53"]}))
    with pytest.raises(KgexprError, match="Drug.drug_id: 1 rows have no drug_id"):
        store.merge_nodes("Drug", pd.DataFrame({"drug_id": ["D1", None]}))
    with pytest.raises(KgexprError, match="rows need a 'name' column"):
        store.merge_nodes("CellLine", pd.DataFrame({"cell": ["A"]}))
    assert len(runner.calls_to("load/merge_drug")) == 1  # the bad frames sent nothing


def test_edge_identity_is_lifted_to_the_row_and_must_not_be_null():
    store, runner = store_on()
    rows = pd.DataFrame({"source": [1, 1, 1], "target": [2, 2, 3], "pathway": ["hsa1", "hsa1", np.str_("hsa2")],
                         "kind": ["inhibition", "activation", None]})
    assert store.merge_edges("INTERACTS", rows) == 2
    sent = batches(runner, "load/merge_rel_interacts")[0]
    assert_plain(sent)
    assert sent == [{"source": 1, "target": 2, "pathway": "hsa1", "props": {"pathway": "hsa1", "kind": "activation"}},
                    {"source": 1, "target": 3, "pathway": "hsa2", "props": {"pathway": "hsa2"}}]
    with pytest.raises(KgexprError, match=r"INTERACTS: 1 rows have no 'pathway' \(part of the relationship's identity\)"):
        store.merge_edges("INTERACTS", rows.assign(pathway=["hsa1", None, "hsa2"]))


# ------------------------------------------------------------------------------ error mapping


def test_a_server_error_in_a_batch_names_the_batch_and_what_is_written():
    def merged(params):
        if params["rows"][0]["key"] == 41:
            raise server_error("Neo.ClientError.Statement.TypeError",
                               "Property values can only be of primitive types or arrays thereof\nat line 3")
        return [{"merged": len(params["rows"])}]

    store, runner = store_on({"load/merge_gene": merged}, batch_size=20)
    with pytest.raises(BackendError) as e:
        store.merge_nodes("Gene", pd.DataFrame({"entrez_id": range(1, 101)}))
    assert str(e.value) == (f"Neo4j at {URI} failed merging Gene nodes in batch 3/5 (rows 40-59; 40 rows before it "
                            "are written, re-run to complete): Property values can only be of primitive types or "
                            "arrays thereof")
    assert [t.committed for t in runner.transactions] == [True, True, False]


def test_a_lost_connection_in_a_batch_is_unreachable_in_one_line():
    lost = X.ServiceUnavailable("Failed to read from defunct connection IPv4Address(('127.0.0.1', 7687)):\n"
                                "Connection reset by peer")
    store, _ = store_on({"load/merge_pathway": lost}, batch_size=5)
    with pytest.raises(BackendUnreachable) as e:
        store.merge_nodes("Pathway", pd.DataFrame({"kegg_id": ["a", "b"]}))
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(f"lost the connection to Neo4j at {URI} while merging Pathway nodes in batch 1/1")
    assert msg.endswith("ServiceUnavailable: Failed to read from defunct connection IPv4Address(('127.0.0.1', 7687)): "
                        "Connection reset by peer")


@pytest.mark.parametrize("raised, expected", [
    (X.SessionExpired("session gone\nsecond line"), f"lost the connection to Neo4j at {URI} while reading Gene nodes: session gone"),
    ("server", f"Neo4j at {URI} failed reading Gene nodes: Java heap space"),
    (X.ResultConsumedError(None, "result consumed"), f"Neo4j driver error at {URI} while reading Gene nodes: result consumed"),
])
def test_read_errors_become_one_line(raised, expected):
    if raised == "server":
        raised = server_error("Neo.TransientError.General.OutOfMemoryError", "Java heap space\n\tat ...")
    store, _ = store_on({"read/nodes_gene": raised})
    with pytest.raises(BackendError) as e:
        store.nodes("Gene")
    assert str(e.value) == expected


def test_errors_leave_kgexpr_and_other_errors_as_they_are():
    store, _ = store_on()
    with pytest.raises(KgexprError, match="^mine$"):
        with store.errors("doing it"):
            raise KgexprError("mine")
    with pytest.raises(ZeroDivisionError):
        with store.errors("doing it"):
            1 / 0


def test_connect_errors_are_one_line():
    from kgexpr.graph.bolt import check_address, connect_error

    refused = X.ServiceUnavailable("Couldn't connect to 127.0.0.1:1 (resolved to ('127.0.0.1:1',)):\n"
                                   "Failed to establish connection to ResolvedIPv4Address(('127.0.0.1', 1)) "
                                   "(reason [Errno 111] Connection refused)")
    e = connect_error(refused, "bolt://127.0.0.1:1", "neo4j", None)
    assert isinstance(e, BackendUnreachable)
    assert str(e) == ("cannot connect to Neo4j at bolt://127.0.0.1:1: Connection refused "
                      "(is the server running? `kgexpr neo4j start` starts a local one)")
    e = connect_error(X.AuthError("The client is unauthorized"), "bolt://h:7687", "bob", None)
    assert type(e) is BackendError and "rejected user 'bob': wrong password?" in str(e)
    e = connect_error(server_error("Neo.ClientError.Database.DatabaseNotFound", "Database does not exist.\nmore"),
                      "bolt://h:7687", "neo4j", "kg")
    assert str(e) == "Neo4j at bolt://h:7687 refused to open kg: Database does not exist."
    with pytest.raises(BackendError, match="invalid Neo4j URI 'http://x:1'"):
        check_address("http://x:1", "neo4j", "pw")
    with pytest.raises(BackendError, match="no password for Neo4j at bolt://x:1 .*NEO4J_PASSWORD"):
        check_address("bolt://x:1", "neo4j", "")
    with pytest.raises(BackendError, match="no Neo4j URI given"):
        check_address(None, "neo4j", "pw")


# ------------------------------------------------------------------------------ deletes and replaces


def test_deletes_run_in_batches_until_one_comes_back_short():
    left = [5, 5, 2]
    store, runner = store_on({"delete/rel_interacts": lambda p: [{"deleted": left.pop(0)}]}, batch_size=5)
    assert store.delete_edges("INTERACTS", {"pathway": np.str_("hsa1")}) == 12
    calls = runner.calls_to("delete/rel_interacts")
    assert [c.params for c in calls] == [{"where": {"pathway": "hsa1"}, "limit": 5}] * 3
    assert_plain([c.params for c in calls])
    assert len({c.tx for c in calls}) == 3  # one transaction per batch
    store.delete_edges(ASSOCIATED_WITH, {"run_id": np.str_("r1")})
    assert runner.calls_to("writeback/delete_run")[0].params == {"run_id": "r1", "limit": 5}


def test_a_run_that_fits_one_batch_is_replaced_in_one_transaction():
    store, runner = store_on(batch_size=10)
    rows = pd.DataFrame({"source": [1, 2], "target": [3, 4], "weight": [0.5, 0.25], "feature_set": "cn"})
    assert store.replace_edges(ASSOCIATED_WITH, rows, where={"run_id": "r1"}) == 2
    (tx,) = runner.transactions
    assert [c.query for c in tx.calls] == ["writeback/delete_run", "writeback/merge_associated_with"] and tx.committed
    assert {r["run_id"] for r in tx.calls[1].params["rows"]} == {"r1"}
    runner.transactions.clear()
    big = pd.DataFrame({"source": range(25), "target": range(1, 26), "feature_set": "cn"})
    assert store.replace_edges(ASSOCIATED_WITH, big, where={"run_id": "r2"}) == 25
    assert [t.tag for t in runner.transactions] == ["writeback/delete_run"] + ["writeback/merge_associated_with"] * 3


def test_a_replace_with_missing_end_nodes_deletes_nothing():
    store, runner = store_on({"read/missing_gene_keys": lambda p: [{"missing": [k for k in p["keys"] if k > 100]}]})
    rows = pd.DataFrame({"source": [1], "target": [101], "feature_set": "cn"})
    with pytest.raises(KgexprError, match="ASSOCIATED_WITH: 1 target nodes are not Gene nodes"):
        store.replace_edges(ASSOCIATED_WITH, rows, where={"run_id": "r1"})
    assert not runner.transactions


# ------------------------------------------------------------------------------ reads and records


def test_load_record_round_trips_through_the_parameters():
    sent = {}

    def record(params):
        sent.update(params)
        return [{"load_key": params["load_key"]}]

    def read_back(params):
        if params["load_key"] != sent.get("load_key"):
            return []
        return [{"graph_hash": sent["graph_hash"], "counts": sent["counts"], "loaded_at": "2025-01-01T00:00:00Z"}]

    store, runner = store_on({"admin/record_load": record, "read/load_record": read_back})
    store.record_load("k1", "h1", {"INTERACTS": 2, "Gene": 4})
    import kgexpr

    assert sent == {"load_key": "k1", "graph_hash": "h1", "counts": '{"Gene": 4, "INTERACTS": 2}',
                    "kgexpr": kgexpr.__version__}
    assert runner.calls_to("admin/record_load")[0].kind == "write"
    assert store.load_record("k1") == {"graph_hash": "h1", "counts": {"Gene": 4, "INTERACTS": 2},
                                       "loaded_at": "2025-01-01T00:00:00Z"}
    assert store.load_record("other") == {}


def _small_embedded() -> EmbeddedStore:
    s = EmbeddedStore()
    s.merge_nodes("Gene", pd.DataFrame({"entrez_id": [3, 1, 2, 10]}))
    s.merge_nodes("Pathway", pd.DataFrame({"kegg_id": ["hsa2", "hsa1"]}))
    s.merge_nodes("Drug", pd.DataFrame({"drug_id": ["D2", "D1"]}))
    s.merge_nodes("CellLine", pd.DataFrame({"name": ["HT29"]}))
    s.merge_edges("IN_PATHWAY", pd.DataFrame({"source": [2, 1, 1], "target": ["hsa1", "hsa2", "hsa1"]}))
    s.merge_edges("INTERACTS", pd.DataFrame({"source": [2, 1, 1], "target": [3, 2, 2], "pathway": ["hsa1", "hsa2", "hsa1"],
                                             "kind": ["inhibition", "activation", None]}))
    s.merge_edges("TARGETS", pd.DataFrame({"source": ["D2", "D1"], "target": [1, 3], "action": ["agonist", "inhibitor"]}))
    s.merge_edges("HAS_MUTATION", pd.DataFrame({"source": ["HT29"], "target": [10], "type": ["Point.mutation"]}))
    return s


def test_export_frames_equal_the_embedded_stores():
    """The two key-only export queries, answered as the server would (in its own order), give the frames the
    embedded store's export gives for the same graph."""
    emb = _small_embedded()
    node_recs = [{"label": label, "keys": emb.nodes(label)[key].tolist()[::-1]} for label, key in NODE_KEYS.items()]
    edge_recs = []
    for t in KNOWLEDGE_TYPES:
        rt, df = REL_TYPES[t], emb.edges(t)
        rows = []
        for _, r in df.iloc[::-1].iterrows():
            row = [r["source"], r["target"], *[r[c] for c in rt.identity]]
            if t in SIGNED_PROPERTY:
                v = r.get(SIGNED_PROPERTY[t])
                row.append(None if v is None or v != v else v)
            rows.append(row)
        edge_recs.append({"type": t, "rows": rows})
    store, _ = store_on({"read/export_nodes": node_recs, "read/export_edges": edge_recs})
    got_nodes, got_edges = store.export()
    want_nodes, want_edges = emb.export()
    pd.testing.assert_frame_equal(got_nodes, want_nodes, check_dtype=False)
    pd.testing.assert_frame_equal(got_edges, want_edges, check_dtype=False)
    assert got_edges["sign"].dtype == np.int64 and sorted(set(got_edges["sign"])) == [-1, 0, 1]


def test_nodes_and_edges_read_back_sorted_with_the_store_dtypes():
    store, _ = store_on({
        "read/nodes_gene": [{"rows": [{"entrez_id": 3, "symbol": "C"}, {"entrez_id": 1, "weight": 0.5}]}],
        "read/nodes_drug": [{"rows": []}],
        "read/edges_interacts": [{"rows": [[2, 1, {"pathway": "b", "kind": "x"}], [1, 2, {"pathway": "z"}],
                                           [1, 2, {"pathway": "a", "alpha": 1}]]}],
    })
    genes = store.nodes("Gene")
    assert list(genes.columns) == ["entrez_id", "symbol", "weight"] and genes["entrez_id"].dtype == np.int64
    assert genes["entrez_id"].tolist() == [1, 3] and pd.isna(genes.loc[0, "symbol"]) and genes.loc[1, "symbol"] == "C"
    drugs = store.nodes("Drug")
    assert list(drugs.columns) == ["drug_id"] and len(drugs) == 0 and drugs["drug_id"].dtype == object
    e = store.edges("INTERACTS")
    assert list(e.columns) == ["source", "target", "pathway", "alpha", "kind"]
    assert e[["source", "target", "pathway"]].values.tolist() == [[1, 2, "a"], [1, 2, "z"], [2, 1, "b"]]


def test_counts_and_run_associations_come_from_their_queries():
    names = [*NODE_KEYS, *REL_TYPES]
    store, runner = store_on({"read/counts": [{"counts": {n: i for i, n in enumerate(names)}}],
                              "read/count_run_associations": lambda p: [{"n": 7 if p["run_id"] == "r1" else 0}]})
    assert store.counts() == {n: i for i, n in enumerate(names)}
    assert store.count_edges(ASSOCIATED_WITH, {"run_id": np.str_("r1")}) == 7
    assert_plain(runner.calls_to("read/count_run_associations")[0].params)


def test_resolve_nodes_groups_keys_by_label_and_names_the_missing():
    def resolve(p):
        return [{"label": "Gene", "key": k, "eid": f"e-g{k}"} for k in p["Gene"] if k != 9] + \
               [{"label": "Drug", "key": k, "eid": f"e-{k}"} for k in p["Drug"]]

    store, runner = store_on({"read/resolve_nodes": resolve})
    assert store.resolve_nodes(["Gene:1", "Drug:D1"]) == {"Gene:1": "e-g1", "Drug:D1": "e-D1"}
    params = runner.calls_to("read/resolve_nodes")[0].params
    assert params == {"Gene": [1], "Pathway": [], "Drug": ["D1"], "CellLine": []}
    with pytest.raises(KeyError, match=r"\['Gene:9', 'Gene:01', 'Bogus:1'\]"):
        store.resolve_nodes(["Gene:1", "Gene:9", "Gene:01", "Bogus:1"])


def test_node_vectors_are_written_in_batches_with_a_record():
    store, runner = store_on({"read/resolve_nodes": lambda p: [{"label": "Gene", "key": k, "eid": f"e{k}"} for k in p["Gene"]]},
                             batch_size=2)
    ids = ["Gene:1", "Gene:2", "Gene:3"]
    vectors = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.float32)
    record = {"method": "fastrp", "params": {"dim": 2}, "features_key": "fk", "graph_hash": "gh"}
    assert store.write_node_vectors("fastrp_ab", ids, vectors, record) == 3
    sent = batches(runner, "writeback/set_node_properties")
    assert sent == [[{"eid": "e1", "props": {"fastrp_ab": [1.0, 2.0]}}, {"eid": "e2", "props": {"fastrp_ab": [3.0, 4.0]}}],
                    [{"eid": "e3", "props": {"fastrp_ab": [5.0, 6.0]}}]]
    assert_plain(sent)
    rec = runner.calls_to("writeback/record_feature_property")[0].params
    assert rec["property"] == "fastrp_ab" and rec["nodes"] == 3 and json.loads(rec["params"]) == {"dim": 2}
    before = len(runner.calls)
    with pytest.raises(KgexprError, match="node property name 'a-b'"):
        store.write_node_vectors("a-b", ids, vectors, record)
    assert len(runner.calls) == before


# ------------------------------------------------------------------------------ GDS, capabilities, lifecycle


def test_gds_is_asked_once_and_none_without_the_plugin():
    store, runner = store_on({"gds/version": server_error("Neo.ClientError.Procedure.ProcedureNotFound", "no gds")})
    assert store.gds() is None and store.gds() is None
    assert len(runner.calls_to("gds/version")) == 1 and runner.gds_clients == 0

    client = object()
    store, runner = store_on({"gds/version": [{"version": "2.13"}]}, gds_client=lambda: client)
    assert store.gds() is client and store.gds() is client and runner.gds_clients == 1

    store, runner = store_on({"gds/version": [{"version": "2.13"}]})  # the server has GDS, the client is missing
    with pytest.raises(BackendError, match=r"pip install 'kgexpr\[neo4j\]'"):
        store.gds()


def test_capabilities_are_declared_not_looked_up_by_class():
    from kgexpr.features import in_database

    store, _ = store_on({"gds/version": [{"version": "2.13"}]}, gds_client=lambda: "client")
    for cap in (RunsCypher, ResolvesNodes, HasGds, VectorWriter):
        assert isinstance(store, cap) and not isinstance(EmbeddedStore(), cap), cap
    assert in_database.runs_cypher(store) and in_database.has_gds(store)
    assert not in_database.runs_cypher(EmbeddedStore()) and not in_database.has_gds(None)

    class Other:  # any store with the methods has the capability; no Neo4jStore involved
        feature_workers, feature_chunk, uri = 1, 8, "x://other"

        def read(self, query_name, **params): return []
        def errors(self, what): return None
        def resolve_nodes(self, ids): return {}
        def gds(self): return None
        def projection(self, name, project): return None

    assert in_database.runs_cypher(Other()) and not in_database.has_gds(Other())
    assert in_database.no_gds_note(Other(), "fastrp") == "Neo4j at x://other has no Graph Data Science plugin: fastrp computed in Python"
    assert "sys.modules" not in open(in_database.__file__).read()


def test_close_releases_the_runner_and_later_use_is_one_line():
    store, runner = store_on()
    with store:
        pass
    assert runner.closed
    with pytest.raises(BackendError, match=f"the connection to Neo4j at {URI} is closed"):
        store.nodes("Gene")
    store.close()  # twice is fine


def test_similarities_in_cypher_chunk_their_rows_over_the_runner():
    """cn over the fake runner: rows resolved once, sent in chunks of feature_chunk, scores placed by (i, j)."""
    from kgexpr.features import in_database

    eids = {f"Gene:{k}": f"e{k}" for k in range(1, 8)}

    def score(p):
        return [{"i": r["i"], "j": j, "score": float(r["i"] * 10 + j)} for r in p["rows"] for j in p["panel"].values()]

    store, runner = store_on({"read/resolve_nodes": lambda p: [{"label": "Gene", "key": k, "eid": f"e{k}"} for k in p["Gene"]],
                              "features/common_neighbours": score})
    store.feature_chunk = 2
    rows, panel = [f"Gene:{k}" for k in (1, 2, 3, 4, 5)], ["Gene:6", "Gene:7"]
    table = in_database.cypher_similarity(store, "cn", rows, panel, {})
    chunks = sorted([r["i"] for r in c.params["rows"]] for c in runner.calls_to("features/common_neighbours"))
    assert chunks == [[0, 1], [2, 3], [4]]
    assert all(c.params["panel"] == {eids["Gene:6"]: 0, eids["Gene:7"]: 1} for c in runner.calls_to("features/common_neighbours"))
    assert table.loc["Gene:4", "Gene:7"] == 31.0 and list(table.index) == rows and list(table.columns) == panel


# ------------------------------------------------------------------------------ one place opens a store


def test_open_store_takes_an_address_and_passes_the_batch_size(monkeypatch, tmp_path):
    import kgexpr.graph.neo4j as neo

    opened = []
    monkeypatch.setattr(neo, "Neo4jStore", lambda **kw: opened.append(kw) or "neo4j-store")
    address = {"backend": "neo4j", "uri": "bolt://h:1", "user": "u", "database": "kg"}
    assert open_store(address, password="pw", batch_size=7) == "neo4j-store"
    assert opened == [{"uri": "bolt://h:1", "user": "u", "password": "pw", "database": "kg", "batch_size": 7}]
    assert isinstance(open_store({"backend": "embedded"}, path=tmp_path / "g"), EmbeddedStore)
    with pytest.raises(ValueError, match="unknown backend 'sqlite'"):
        open_store({"backend": "sqlite"})


def test_stages_and_predict_open_their_store_through_open_store(monkeypatch, tmp_path):
    """Both callers hand their batch size through: the stages the settings', predict the load's."""
    from types import SimpleNamespace

    import kgexpr.graph as graph
    from kgexpr.predict import DeployedRun
    from kgexpr.settings import Settings
    from kgexpr.stages.base import open_graph_store

    seen = []
    monkeypatch.setattr(graph, "open_store", lambda address, **kw: seen.append((dict(address), kw)) or "store")
    monkeypatch.setenv("NEO4J_PASSWORD", "pw")
    s = Settings.of(backend="neo4j", neo4j_uri="bolt://h:1", neo4j_user="u", batch_size=123)
    assert open_graph_store(s, None) == "store"
    run = SimpleNamespace(load_manifest={"backend": s.backend.key(), "info": {"batch_size": 77}}, load_dir=tmp_path)
    assert DeployedRun.store(run) == "store"
    assert [(a["uri"], kw["batch_size"], kw["password"]) for a, kw in seen] == [("bolt://h:1", 123, "pw"),
                                                                               ("bolt://h:1", 77, "pw")]


def test_the_learned_edge_type_has_one_definition():
    import ast
    from pathlib import Path

    import kgexpr.stages.explain as explain

    assert explain.LEARNED_EDGE is ASSOCIATED_WITH and REL_TYPES[ASSOCIATED_WITH].name == ASSOCIATED_WITH
    root = Path(__file__).resolve().parents[2] / "kgexpr"
    quoted = []
    for p in [*root.glob("graph/*.py"), *root.glob("stages/*.py")]:
        tree = ast.parse(p.read_text())
        exported = {id(c) for node in ast.walk(tree) if isinstance(node, ast.Assign)
                    and any(getattr(t, "id", None) == "__all__" for t in node.targets) for c in ast.walk(node.value)}
        quoted += [f"{p.relative_to(root)}:{c.lineno}" for c in ast.walk(tree) if isinstance(c, ast.Constant)
                   and c.value == "ASSOCIATED_WITH" and id(c) not in exported and p.name != "schema.py"]
    assert not quoted, quoted  # the type is spelled out in schema.py only (and named in __all__)


def test_the_bolt_runner_tags_and_routes_what_it_sends():
    """BoltRunner over a stand-in driver: query text from cypher/, metadata naming the file, reads routed to
    readers, the database on every call, a transaction function per write transaction."""
    from types import SimpleNamespace

    from kgexpr.graph.bolt import BoltRunner
    from kgexpr.graph.cypher import load_query
    from kgexpr.graph.runner import QueryRunner

    sent = []

    class Tx:
        def run(self, text, params):
            sent.append(("tx", text, params))
            return iter([{"merged": len(params["rows"])}])

    class Session:
        def __enter__(self): return self
        def __exit__(self, *exc): sent.append(("session closed",))
        def execute_write(self, fn):
            sent.append(("execute_write", getattr(fn, "metadata", None)))
            return fn(Tx())
        def run(self, query, params):
            sent.append(("run", query.text, query.metadata, params))
            return iter([])

    class Driver:
        def execute_query(self, query, parameters_, database_, routing_=None):
            sent.append(("execute_query", query.text, query.metadata["query"], parameters_, database_, routing_))
            return SimpleNamespace(records=[{"n": 1}])
        def session(self, database):
            sent.append(("session", database))
            return Session()

    runner = BoltRunner(Driver(), "bolt://h:1", database="kg")
    assert isinstance(runner, QueryRunner) and isinstance(RecordingRunner(), QueryRunner)
    assert runner.read("read/counts", {"a": 1}) == [{"n": 1}]
    assert sent[-1] == ("execute_query", load_query("read/counts"), "read/counts", {"a": 1}, "kg", neo4j.RoutingControl.READ)
    runner.write("admin/record_load", {"b": 2})
    assert sent[-1][2:] == ("admin/record_load", {"b": 2}, "kg", None)
    store = Neo4jStore(runner=runner, batch_size=2)
    store._schema_ready = True
    sent.clear()
    store.merge_nodes("Gene", pd.DataFrame({"entrez_id": [1, 2, 3]}))
    writes = [s for s in sent if s[0] == "execute_write"]
    assert [w[1]["query"] for w in writes] == ["load/merge_gene"] * 2 and writes[0][1]["app"] == "kgexpr"
    assert [len(s[2]["rows"]) for s in sent if s[0] == "tx"] == [2, 1]
    assert sent[0] == ("session", "kg") and sent[-1] == ("session closed",)
