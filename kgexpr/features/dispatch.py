"""Which engine computes a feature: the store's database when it can, else Python.

In the spirit of networkx backends: :data:`ENGINES` lists, per method, its implementations in
order of preference, each with ``can_run(store)``; the Python one on the :class:`GraphView`
comes last and always can. Callers ask :func:`compute_on` and never branch on backend names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import pandas as pd

from kgexpr.graph.view import GraphView

from . import in_database
from .base import compute_features, get_method, resolve_params

__all__ = ["FeatureResult", "Implementation", "ENGINES", "implementations", "engine_for", "compute_on"]


@dataclass(frozen=True)
class FeatureResult:
    table: pd.DataFrame
    engine: str  # "neo4j-cypher", "neo4j-gds" or "python"
    note: str | None = None  # one line for the user, e.g. why a faster engine was not used


@dataclass(frozen=True)
class Implementation:
    """One engine's implementation of the methods it is listed for.

    ``compute(view, store, name, rows, panel, seed, params)`` gets resolved ``params``;
    ``why_not(store, name)`` is the note to show when ``can_run`` said no and the user would
    expect it to run (None otherwise).
    """

    engine: str
    can_run: Callable[[object], bool]
    compute: Callable[..., pd.DataFrame]
    why_not: Callable[[object, str], str | None] = lambda store, name: None


NEO4J_CYPHER = Implementation(
    "neo4j-cypher",
    can_run=in_database.runs_cypher,
    compute=lambda view, store, name, rows, panel, seed, params: in_database.cypher_similarity(
        store, name, rows, panel, params),
)
NEO4J_GDS = Implementation(
    "neo4j-gds",
    can_run=in_database.has_gds,
    compute=lambda view, store, name, rows, panel, seed, params: in_database.gds_embedding(
        store, view, name, rows, seed, params),
    why_not=in_database.no_gds_note,
)
PYTHON = Implementation(
    "python",
    can_run=lambda store: True,
    compute=lambda view, store, name, rows, panel, seed, params: compute_features(
        view, name, rows, panel, seed, **params),
)

NEO4J_GDS_PROPAGATION = Implementation(
    "neo4j-gds",
    can_run=in_database.has_gds,
    compute=lambda view, store, name, rows, panel, seed, params: in_database.gds_propagation(
        store, view, rows, panel, params),
    why_not=in_database.no_gds_note,
)

#: per method, its implementations in order of preference (Python last)
ENGINES: dict[str, tuple[Implementation, ...]] = {
    "cn": (NEO4J_CYPHER, PYTHON),
    "lpi": (NEO4J_CYPHER, PYTHON),
    "entropy": (PYTHON,),
    "laplacian": (PYTHON,),
    "lle": (PYTHON,),
    "deepwalk": (NEO4J_GDS, PYTHON),
    "node2vec": (NEO4J_GDS, PYTHON),
    "fastrp": (NEO4J_GDS, PYTHON),
    "propagation": (NEO4J_GDS_PROPAGATION, PYTHON),
}


def implementations(name: str) -> tuple[Implementation, ...]:
    """The implementations of method ``name``, preferred first; other registered methods run in Python."""
    get_method(name)
    return ENGINES.get(name, (PYTHON,))


def engine_for(name: str, store) -> str:
    """The engine :func:`compute_on` will use for ``name`` on ``store`` (it enters the feature cache key:
    GDS and the Python fallback give different numbers for the same method)."""
    return next(impl.engine for impl in implementations(name) if impl.can_run(store))


def compute_on(
    name: str,
    rows: Sequence[str],
    panel: Sequence[str] | None = None,
    *,
    view: GraphView,
    store=None,
    seed: int = 0,
    params: dict | None = None,
) -> FeatureResult:
    """Compute method ``name`` with the first implementation that can run on ``store``.

    ``params`` are the user's overrides (unknown names raise ``ValueError``); ids that are not
    nodes of the graph raise ``KeyError`` whichever engine runs.
    """
    resolved = resolve_params(name, params)
    rows = list(rows)
    panel = None if panel is None else list(panel)
    notes = []
    for impl in implementations(name):
        if impl.can_run(store):
            table = impl.compute(view, store, name, rows, panel, int(seed), resolved)
            return FeatureResult(table=table, engine=impl.engine, note="; ".join(notes) or None)
        note = impl.why_not(store, name)
        if note:
            notes.append(note)
    raise AssertionError(f"no implementation of {name!r} can run")  # unreachable: Python always can
