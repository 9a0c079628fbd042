import pandas as pd
import pytest

from kgexpr.errors import KgexprError
from kgexpr.graph import EmbeddedStore


def _small(store):
    store.merge_nodes("Gene", pd.DataFrame({"entrez_id": [1, 2, 3], "symbol": ["A", "B", "C"]}))
    store.merge_nodes("Pathway", pd.DataFrame({"kegg_id": ["hsa1"], "name": ["p"]}))
    store.merge_nodes("Drug", pd.DataFrame({"drug_id": ["D1"], "name": ["d"]}))
    store.merge_edges("INTERACTS", pd.DataFrame({"source": [1, 2], "target": [2, 3], "kind": ["activation", "binding"], "pathway": ["hsa1", "hsa1"]}))
    store.merge_edges("IN_PATHWAY", pd.DataFrame({"source": [1, 2, 3], "target": ["hsa1"] * 3}))
    store.merge_edges("TARGETS", pd.DataFrame({"source": ["D1"], "target": [3]}))


def test_merge_is_idempotent_and_persists(tmp_path):
    s = EmbeddedStore()
    _small(s)
    first = s.counts()
    _small(s)
    assert s.counts() == first
    assert first["Gene"] == 3 and first["INTERACTS"] == 2 and first["IN_PATHWAY"] == 3
    s.save(tmp_path / "g")
    again = EmbeddedStore(tmp_path / "g")
    assert again.counts() == first
    pd.testing.assert_frame_equal(again.nodes("Gene"), s.nodes("Gene"))


def test_merge_updates_properties_and_keeps_others():
    s = EmbeddedStore()
    s.merge_nodes("Gene", pd.DataFrame({"entrez_id": [1], "symbol": ["A"], "name": ["alpha"]}))
    s.merge_nodes("Gene", pd.DataFrame({"entrez_id": [1], "symbol": ["A2"]}))
    row = s.nodes("Gene").iloc[0]
    assert row["symbol"] == "A2" and row["name"] == "alpha"


def test_edges_need_existing_nodes_and_known_types():
    s = EmbeddedStore()
    _small(s)
    with pytest.raises(KgexprError, match="not Gene nodes"):
        s.merge_edges("TARGETS", pd.DataFrame({"source": ["D1"], "target": [99]}))
    with pytest.raises(ValueError, match="unknown relationship type"):
        s.merge_edges("LIKES", pd.DataFrame({"source": [1], "target": [2]}))
    with pytest.raises(ValueError, match="unknown node label"):
        s.merge_nodes("Person", pd.DataFrame({"name": ["x"]}))


def test_replace_edges_replaces_one_run_only():
    s = EmbeddedStore()
    _small(s)
    a = pd.DataFrame({"source": [1, 1], "target": [2, 3], "weight": [0.5, 0.2], "rank": [1, 2], "feature_set": ["cn", "cn"]})
    s.replace_edges("ASSOCIATED_WITH", a, where={"run_id": "r1"})
    s.replace_edges("ASSOCIATED_WITH", a, where={"run_id": "r1"})
    s.replace_edges("ASSOCIATED_WITH", a.iloc[:1], where={"run_id": "r2"})
    e = s.edges("ASSOCIATED_WITH")
    assert len(e) == 3
    assert sorted(e["run_id"].value_counts().to_dict().items()) == [("r1", 2), ("r2", 1)]


def test_export_and_adjacency_leave_out_learned_edges():
    s = EmbeddedStore()
    _small(s)
    s.replace_edges("ASSOCIATED_WITH", pd.DataFrame({"source": [1], "target": [3], "weight": [1.0], "rank": [1], "feature_set": ["cn"]}), where={"run_id": "r"})
    nodes, edges = s.export()
    assert set(edges["type"]) == {"INTERACTS", "IN_PATHWAY", "TARGETS"}
    view = s.graph_view()
    assert list(view.nodes) == sorted(nodes["node_id"])
    A = view.adjacency
    i, j = view.index_of(["Gene:1", "Gene:3"])
    assert A[i, j] == 0  # the learned edge is not part of the feature graph
    assert (A != A.T).nnz == 0


def test_flush_saves_to_the_path_and_clear_empties(tmp_path):
    s = EmbeddedStore(tmp_path / "g")
    _small(s)
    first = s.counts()
    s.flush()
    assert EmbeddedStore(tmp_path / "g").counts() == first
    s.clear()
    assert set(s.counts().values()) == {0}
    assert EmbeddedStore(tmp_path / "g").counts() == first  # clear changes the saved copy only on flush
    for label in ("Gene", "Drug"):
        assert s.nodes(label).dtypes.equals(EmbeddedStore().nodes(label).dtypes)
    _small(s)  # a cleared store takes writes as a new one does
    assert s.counts() == first
    s.clear()
    s.flush()
    assert set(EmbeddedStore(tmp_path / "g").counts().values()) == {0}


def test_flush_without_a_path_is_a_clear_error(tmp_path):
    s = EmbeddedStore()
    _small(s)
    with pytest.raises(KgexprError, match="no path"):
        s.flush()
    with pytest.raises(KgexprError, match="no path"):
        s.save()
    assert s.save(tmp_path / "g") == tmp_path / "g"
    s.flush()  # save(path) gave it one
    assert EmbeddedStore(tmp_path / "g").counts() == s.counts()
