"""The package's import graph flows one way: no cycle, and no module imports a higher stage.

An ast scan of every import (function-level ones included), so a lazy import cannot hide an
upward dependency.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kgexpr"

#: lowest first: sources -> graph -> features -> learn -> evaluate/report -> configuration -> stages -> cli
LAYERS = [
    {"kgexpr", "kgexpr.errors", "kgexpr.atomic", "kgexpr.progress", "kgexpr.artifacts"},
    {"kgexpr.sources", "kgexpr.demo", "kgexpr.fetch"},
    {"kgexpr.graph"},
    {"kgexpr.features"},
    {"kgexpr.learn"},
    {"kgexpr.evaluate"},
    {"kgexpr.report"},
    {"kgexpr.settings", "kgexpr.rundir"},
    {"kgexpr.stages", "kgexpr.predict"},
    {"kgexpr.cli", "kgexpr.__main__"},
]


def unit(module: str) -> str:
    """The layer unit of a module: a subpackage, or a top-level module."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    base = PACKAGE.parent / dotted.replace(".", "/")
    return base.is_dir() or base.with_suffix(".py").is_file()


def imports(path: Path) -> set[str]:
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("kgexpr")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("kgexpr"):
                out.add(target)
                out |= {f"{target}.{a.name}" for a in node.names if _is_module(f"{target}.{a.name}")}
    return out


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        src = unit(module_name(path))
        graph.setdefault(src, set())
        graph[src] |= {unit(t) for t in imports(path) if unit(t) != src and unit(t) != "kgexpr"}
    return graph


def layer_of(u: str) -> int:
    for i, layer in enumerate(LAYERS):
        if u in layer:
            return i
    raise AssertionError(f"{u} has no layer in tests/test_layers.py")


def test_every_module_has_a_layer():
    for u in import_graph():
        layer_of(u)


def test_no_import_goes_up_a_layer():
    bad = [f"{a} -> {b}" for a, targets in import_graph().items() for b in targets if layer_of(b) > layer_of(a)]
    assert not bad, bad


def test_no_cycle_between_modules():
    graph = import_graph()
    state: dict[str, int] = {}

    def visit(u, path):
        state[u] = 1
        for v in graph.get(u, ()):
            if state.get(v) == 1:
                pytest.fail("import cycle: " + " -> ".join(path + [u, v]))
            if v not in state:
                visit(v, path + [u])
        state[u] = 2

    for u in graph:
        if u not in state:
            visit(u, [])


def test_the_scan_sees_lazy_and_relative_imports(tmp_path, monkeypatch):
    pkg = tmp_path / "kgexpr" / "graph"
    pkg.mkdir(parents=True)
    (tmp_path / "kgexpr" / "features").mkdir()
    f = pkg / "x.py"
    f.write_text("def f():\n    from ..features import base\n    import kgexpr.learn\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", tmp_path / "kgexpr")
    found = imports(f)
    assert "kgexpr.features" in found and "kgexpr.learn" in found


if __name__ == "__main__":  # print the graph (for notes and reviews)
    for a, targets in sorted(import_graph().items(), key=lambda kv: layer_of(kv[0])):
        print(f"{a:18s} (layer {layer_of(a)}) -> {', '.join(sorted(targets, key=layer_of)) or '-'}")
