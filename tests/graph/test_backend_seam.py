"""The graph layer stands alone (no imports of kgexpr.features); compute_on picks the engine.

No server needed: these use the embedded store or no store at all.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kgexpr.graph import EmbeddedStore

ROOT = Path(__file__).resolve().parents[2]
GRAPH = ROOT / "kgexpr" / "graph"


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file, at any depth (functions included)."""
    package = "kgexpr.graph"  # every file of GRAPH is a module of this package
    out = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out += [(node.lineno, mod)] + [(node.lineno, f"{mod}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                out.append((node.lineno, node.args[0].value))
    return out


def test_no_graph_module_imports_features():
    files = sorted(GRAPH.glob("*.py"))
    assert len(files) >= 8 and (GRAPH / "neo4j.py") in files
    bad = [f"{f.name}:{line} imports {mod}" for f in files for line, mod in _imported_modules(f)
           if mod == "kgexpr.features" or mod.startswith("kgexpr.features.")]
    assert not bad, bad


def test_the_scan_sees_lazy_and_relative_imports(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from ..features import compute_features\n    import importlib\n"
                 "    importlib.import_module('kgexpr.features.base')\n")
    mods = [m for _, m in _imported_modules(f)]
    assert "kgexpr.features" in mods and "kgexpr.features.base" in mods


def test_graph_layer_runs_without_loading_features():
    code = (
        "import sys, pandas as pd\n"
        "import kgexpr.graph, kgexpr.graph.neo4j, kgexpr.graph.view, kgexpr.graph.build\n"
        "from kgexpr.graph import EmbeddedStore\n"
        "s = EmbeddedStore()\n"
        "s.merge_nodes('Gene', pd.DataFrame({'entrez_id': [1, 2]}))\n"
        "s.merge_edges('INTERACTS', pd.DataFrame({'source': [1], 'target': [2], 'pathway': ['p']}))\n"
        "v = s.graph_view()\n"
        "assert v.adjacency.nnz == 2, v\n"
        "print(sorted(m for m in sys.modules if m.startswith('kgexpr.features')))\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def test_features_keeps_re_exporting_the_view():
    import kgexpr.features as features
    import kgexpr.graph.view as view

    assert features.GraphView is view.GraphView
    assert features.graph_from_edges is view.graph_from_edges
    assert features.graph_hash is view.graph_hash


def test_every_method_has_python_as_its_last_engine():
    from kgexpr.features import available_methods
    from kgexpr.features.dispatch import implementations

    seen = set()
    for name in available_methods():
        impls = implementations(name)
        assert impls[-1].engine == "python" and impls[-1].can_run(None) and impls[-1].can_run(EmbeddedStore()), name
        assert [i.engine for i in impls].count("python") == 1, name
        seen |= {i.engine for i in impls}
    assert seen == {"neo4j-cypher", "neo4j-gds", "python"}
    with pytest.raises(ValueError, match="unknown feature method"):
        implementations("pagerank")


def _store() -> EmbeddedStore:
    s = EmbeddedStore()
    s.merge_nodes("Gene", pd.DataFrame({"entrez_id": range(1, 13)}))
    s.merge_nodes("Pathway", pd.DataFrame({"kegg_id": ["p1", "p2"]}))
    s.merge_nodes("Drug", pd.DataFrame({"drug_id": ["D1", "D2"]}))
    src = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 3, 5]
    tgt = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 7, 9, 11]
    s.merge_edges("INTERACTS", pd.DataFrame({"source": src, "target": tgt, "pathway": "p1"}))
    s.merge_edges("IN_PATHWAY", pd.DataFrame({"source": [1, 2, 3, 10, 11, 12], "target": ["p1"] * 3 + ["p2"] * 3}))
    s.merge_edges("TARGETS", pd.DataFrame({"source": ["D1", "D1", "D2"], "target": [1, 4, 12]}))
    return s


SMALL = {"laplacian": {"dim": 4}, "lle": {"dim": 4, "k": 3}, "deepwalk": {"dim": 4, "walk_length": 8, "walks_per_node": 2},
         "node2vec": {"dim": 4, "walk_length": 8, "walks_per_node": 2}, "fastrp": {"dim": 8}}


@pytest.mark.parametrize("name", ["cn", "lpi", "entropy", "laplacian", "lle", "deepwalk", "node2vec", "fastrp"])
def test_compute_on_without_a_database_is_compute_features(name):
    from kgexpr.features import compute_features, compute_on, get_method

    s = _store()
    view = s.graph_view()
    genes = [f"Gene:{i}" for i in range(1, 13)]
    rows = ["Drug:D1", "Drug:D2"] + genes
    panel = genes if get_method(name).kind == "similarity" else None
    params = SMALL.get(name, {})
    want = compute_features(view, name, rows, panel, seed=5, **params)
    for store in (s, None):
        r = compute_on(name, rows, panel, view=view, store=store, seed=5, params=params)
        assert r.engine == "python" and r.note is None
        pd.testing.assert_frame_equal(r.table, want, check_exact=True)
    if name in ("deepwalk", "node2vec", "fastrp"):  # the seed reaches the random methods
        assert not compute_on(name, rows, panel, view=view, seed=6, params=params).table.equals(want)
    with pytest.raises(ValueError, match="unknown parameter"):
        compute_on(name, rows, panel, view=view, store=s, params={"no_such_parameter": 1})
