"""The small registry of named feature methods (PyKEEN style) and its Python entry point.

:class:`GraphView` lives in :mod:`kgexpr.graph.view`; it is re-exported here because every
method module imports it from ``.base``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Sequence

import pandas as pd

from kgexpr.graph.view import GraphView

__all__ = ["GraphView", "FeatureMethod", "REGISTRY", "register", "available_methods", "get_method",
           "resolve_params", "compute_features"]

Kind = Literal["similarity", "embedding"]


@dataclass(frozen=True)
class FeatureMethod:
    """A registered method.

    ``compute(graph, rows, panel, seed=..., **params)``:
    - similarity methods return a DataFrame indexed by ``rows`` with one column per ``panel`` node;
    - embedding methods ignore ``panel`` and return ``rows`` x ``dim`` (columns "d0".."d{dim-1}"; an
      inductive one may name its columns, e.g. ``pathways`` by KEGG pathway id).
    """

    name: str
    kind: Kind
    compute: Callable[..., pd.DataFrame]
    defaults: dict = field(default_factory=dict)
    description: str = ""
    #: an embedding whose row for a node depends only on that node's own edges (not on the whole graph
    #: as loaded), so a compound outside the run's graph can be placed in it from its targets alone
    inductive: bool = False


REGISTRY: dict[str, FeatureMethod] = {}

_ORDER = ["cn", "lpi", "entropy", "laplacian", "lle", "deepwalk", "node2vec", "fastrp", "targets", "pathways", "propagation",
          "signed-propagation"]


def register(name: str, kind: Kind, description: str = "", inductive: bool = False):
    """Register ``fn``; its tunable parameters and defaults are its keyword-only arguments (bar ``seed``)."""

    def deco(fn):
        import inspect

        defaults = {
            k: p.default
            for k, p in inspect.signature(fn).parameters.items()
            if p.kind is p.KEYWORD_ONLY and k != "seed"
        }
        REGISTRY[name] = FeatureMethod(name=name, kind=kind, compute=fn, defaults=defaults, description=description,
                                       inductive=inductive or kind == "similarity")
        return fn

    return deco


def available_methods() -> list[str]:
    """Registered method names: the built-ins in their fixed order, then any others."""
    return [m for m in _ORDER if m in REGISTRY] + [m for m in REGISTRY if m not in _ORDER]


def get_method(name: str) -> FeatureMethod:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown feature method {name!r}; available: {', '.join(available_methods())}") from None


def resolve_params(name: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The method's defaults overridden by ``params``; unknown parameter names are an error."""
    method = get_method(name)
    params = dict(params or {})
    unknown = sorted(set(params) - set(method.defaults))
    if unknown:
        accepted = ", ".join(sorted(method.defaults)) or "none"
        raise ValueError(f"method {name!r} got unknown parameter(s) {unknown}; accepted: {accepted}")
    return {**method.defaults, **params}


def compute_features(
    graph: GraphView,
    name: str,
    rows: Sequence[str],
    panel: Sequence[str] | None = None,
    seed: int = 0,
    **params,
) -> pd.DataFrame:
    """Run method ``name`` in Python with its defaults merged with ``params``.

    Raises ``ValueError`` for an unknown method or parameter and ``KeyError`` for ids that are
    not nodes of the graph.
    """
    method = get_method(name)
    merged = resolve_params(name, params)
    rows = list(rows)
    graph.index_of(rows)
    if method.kind == "similarity":
        if panel is not None:
            panel = list(panel)
            graph.index_of(panel)
        return method.compute(graph, rows, panel, seed=seed, **merged)
    return method.compute(graph, rows, None, seed=seed, **merged)
