"""The small registry of named feature methods (PyKEEN style) and the graph view they read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp


@dataclass(frozen=True)
class GraphView:
    """An undirected, unweighted graph over all node kinds, with a stable node order.

    ``adjacency`` is symmetric CSR with 0/1 entries and an empty diagonal; row i is
    node ``nodes[i]`` (ids like "Gene:7157", "Drug:BRD-K76908866", "Pathway:hsa04110",
    "CellLine:A375"); ``labels[i]`` is its label ("Gene", "Drug", ...).
    """

    adjacency: sp.csr_matrix
    nodes: pd.Index
    labels: np.ndarray

    def index_of(self, ids) -> np.ndarray:
        idx = self.nodes.get_indexer(pd.Index(ids))
        if (idx < 0).any():
            missing = [i for i, k in zip(ids, idx) if k < 0][:5]
            raise KeyError(f"nodes not in graph: {missing}")
        return idx


Kind = Literal["similarity", "embedding"]


@dataclass(frozen=True)
class FeatureMethod:
    """A registered method.

    ``compute(graph, rows, panel, seed=..., **params)``:
    - similarity methods return a DataFrame indexed by ``rows`` with one column per ``panel`` node;
    - embedding methods ignore ``panel`` and return ``rows`` x ``dim`` (columns "d0".."d{dim-1}").
    """

    name: str
    kind: Kind
    compute: Callable[..., pd.DataFrame]
    defaults: dict = field(default_factory=dict)
    description: str = ""


REGISTRY: dict[str, FeatureMethod] = {}


def register(name: str, kind: Kind, description: str = ""):
    """Register ``fn``; its tunable parameters and defaults are its keyword-only arguments (bar ``seed``)."""

    def deco(fn):
        import inspect

        defaults = {
            k: p.default
            for k, p in inspect.signature(fn).parameters.items()
            if p.kind is p.KEYWORD_ONLY and k != "seed"
        }
        REGISTRY[name] = FeatureMethod(name=name, kind=kind, compute=fn, defaults=defaults, description=description)
        return fn

    return deco
