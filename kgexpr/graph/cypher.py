"""Load the Cypher statements the Neo4j backend runs, by name, from the ``cypher/`` folder.

Every statement lives in its own ``.cypher`` file (``cypher/load/merge_gene.cypher`` is
``load_query("load/merge_gene")``) so it can be read, reviewed and pasted into Neo4j Browser.
Labels and relationship types are written out in the files themselves (Cypher cannot take them
as parameters); the backend picks a file only by a name derived from an allow-listed label or
type (:mod:`kgexpr.graph.schema`), and every value travels as a query parameter.

Where the folder is looked up, first hit wins:

1. ``$KGEXPR_CYPHER_DIR`` (an override for development);
2. ``<repo>/cypher`` next to the ``kgexpr`` package (a source checkout / editable install);
3. an installed wheel: ``kgexpr/_cypher`` inside the package, or the data files
   ``<prefix>/share/kgexpr/cypher`` (pyproject ``[tool.setuptools.data-files]``).
"""

from __future__ import annotations

import os
import re
import site
import sys
import sysconfig
from functools import lru_cache
from pathlib import Path

from kgexpr.errors import BackendError

__all__ = ["cypher_dir", "load_query", "query_names"]

_NAME = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*$")


def _candidates() -> list[Path]:
    out = []
    env = os.environ.get("KGEXPR_CYPHER_DIR")
    if env:
        out.append(Path(env))
    here = Path(__file__).resolve()
    out.append(here.parents[2] / "cypher")  # repo root: kgexpr/graph/cypher.py -> <root>/cypher
    out.append(here.parents[1] / "_cypher")  # a wheel that maps cypher/ into the package
    # a wheel that ships cypher/ as data files: <prefix>/share/kgexpr/cypher
    for base in (sysconfig.get_path("data"), sys.prefix, getattr(site, "USER_BASE", None)):
        if base:
            out.append(Path(base) / "share" / "kgexpr" / "cypher")
    return out


@lru_cache(maxsize=1)
def cypher_dir() -> Path:
    """The folder holding the .cypher files (see the module docstring for the search order)."""
    for d in _candidates():
        if (d / "load").is_dir():
            return d
    raise BackendError(
        "the Cypher statements of the Neo4j backend were not found (looked in "
        + ", ".join(str(d) for d in _candidates())
        + "); reinstall kgexpr or set KGEXPR_CYPHER_DIR"
    )


@lru_cache(maxsize=None)
def load_query(name: str) -> str:
    """The text of ``cypher/<name>.cypher`` (cached). ``name`` is like ``"load/merge_gene"``."""
    if not _NAME.match(name):
        raise ValueError(f"bad Cypher query name {name!r} (expected e.g. 'load/merge_gene')")
    path = cypher_dir() / f"{name}.cypher"
    if not path.is_file():
        raise BackendError(f"missing Cypher file {path} (query {name!r})")
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise BackendError(f"empty Cypher file {path}")
    return text


def query_names(folder: str | None = None) -> list[str]:
    """All query names (optionally under one folder), sorted."""
    root = cypher_dir()
    base = root / folder if folder else root
    return sorted(str(p.relative_to(root).with_suffix("")).replace(os.sep, "/") for p in base.rglob("*.cypher"))
