"""The store interface every graph backend implements (embedded and Neo4j).

Rows travel as pandas frames: node rows carry the label's key column
(see :data:`kgexpr.graph.schema.NODE_KEYS`) plus properties; edge rows carry
``source`` and ``target`` (the end nodes' keys) plus properties.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import Iterable, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from kgexpr.errors import KgexprError
from kgexpr.graph.signs import SIGNED_PROPERTY, sign_of
from kgexpr.graph.schema import KNOWLEDGE_TYPES, NODE_KEYS, REL_TYPES, RelType, check_label, check_rel_type, node_id
from kgexpr.graph.view import GraphView, graph_from_edges


#: rows per write transaction unless the user says otherwise (``--batch-size``)
DEFAULT_BATCH_SIZE = 10_000


def _signs(edges: pd.DataFrame, rel_type: str) -> np.ndarray:
    prop = SIGNED_PROPERTY.get(rel_type)
    if prop is None or prop not in edges.columns:
        return np.zeros(len(edges), dtype=np.int64)
    return np.array([sign_of(v) for v in edges[prop]], dtype=np.int64)


class GraphStore(ABC):
    """Merge-only (idempotent) writes, frame reads, counts by label and type."""

    backend: str = "abstract"

    @abstractmethod
    def merge_nodes(self, label: str, rows: pd.DataFrame) -> int:
        """Create or update nodes by key; returns the number of rows merged."""

    @abstractmethod
    def merge_edges(self, rel_type: str, rows: pd.DataFrame) -> int:
        """Create or update relationships by (source, target, identity props); end nodes must exist."""

    @abstractmethod
    def nodes(self, label: str) -> pd.DataFrame:
        """All nodes of a label, sorted by key."""

    @abstractmethod
    def edges(self, rel_type: str) -> pd.DataFrame:
        """All relationships of a type, sorted by (source, target)."""

    @abstractmethod
    def delete_edges(self, rel_type: str, where: dict) -> int:
        """Delete relationships whose properties equal ``where``; returns how many."""

    @abstractmethod
    def flush(self) -> None:
        """Make every write so far durable (callers need not know whether the backend buffers)."""

    @abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship (a re-load from scratch, tests, benchmarks)."""

    def close(self) -> None:  # pragma: no cover - trivial
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- row validation, shared by all backends -------------------------------------------

    @staticmethod
    def _checked_node_key(label: str, rows: pd.DataFrame) -> str:
        """The label's key column, after checking the label and that the rows carry the key."""
        check_label(label)
        key = NODE_KEYS[label]
        if key not in rows.columns:
            raise KgexprError(f"{label} rows need a '{key}' column")
        return key

    @staticmethod
    def _checked_rel_type(rel_type: str, rows: pd.DataFrame) -> RelType:
        """The relationship type, after checking it and that the rows carry its identity columns."""
        rt = check_rel_type(rel_type)
        for col in ("source", "target", *rt.identity):
            if col not in rows.columns:
                raise KgexprError(f"{rel_type} rows need a '{col}' column")
        return rt

    # ---- derived operations, shared by all backends -------------------------------------

    def counts(self) -> dict[str, int]:
        out = {label: len(self.nodes(label)) for label in NODE_KEYS}
        out.update({t: len(self.edges(t)) for t in REL_TYPES})
        return out

    def replace_edges(self, rel_type: str, rows: pd.DataFrame, where: dict) -> int:
        """Replace the edges matching ``where`` (e.g. one run's associations) with ``rows``."""
        self.delete_edges(rel_type, where)
        return self.merge_edges(rel_type, rows.assign(**where))

    def export(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Knowledge graph as (nodes[node_id, label, key], edges[source, target, type, sign]).

        Learned edges (ASSOCIATED_WITH) are left out so features never see model output. ``sign``
        (+1, -1, 0) is what :mod:`kgexpr.graph.signs` reads in the edge's subtypes or actions.
        """
        node_frames = []
        for label, key in NODE_KEYS.items():
            df = self.nodes(label)
            node_frames.append(
                pd.DataFrame({"node_id": [node_id(label, k) for k in df[key]], "label": label, "key": df[key].astype(str)})
            )
        nodes = pd.concat(node_frames, ignore_index=True).sort_values("node_id", ignore_index=True)
        edge_frames = []
        for t in KNOWLEDGE_TYPES:
            rt = REL_TYPES[t]
            df = self.edges(t)
            edge_frames.append(
                pd.DataFrame(
                    {
                        "source": [node_id(rt.source, k) for k in df["source"]],
                        "target": [node_id(rt.target, k) for k in df["target"]],
                        "type": t,
                        "sign": _signs(df, t),
                    }
                )
            )
        edges = pd.concat(edge_frames, ignore_index=True)
        return nodes, edges

    def count_edges(self, rel_type: str, where: dict) -> int:
        """Relationships of a type whose properties equal ``where``, as the store holds them now."""
        df = self.edges(rel_type)
        mask = pd.Series(True, index=df.index)
        for k, v in where.items():
            mask &= df[k] == v if k in df.columns else False
        return int(mask.sum())

    # ---- what a load leaves in the store, for later stages to check --------------------------

    def record_load(self, load_key: str, graph_hash: str, counts: dict[str, int]) -> None:
        """Keep what a load wrote where it wrote it (the embedded store lives in the load's own folder: nothing to keep)."""

    def load_record(self, load_key: str) -> dict | None:
        """What :meth:`record_load` kept for ``load_key``; None when the store keeps no records."""
        return None

    def graph_view(self) -> GraphView:
        """The knowledge graph as the :class:`GraphView` every feature method reads."""
        nodes, edges = self.export()
        return graph_from_edges(nodes, edges)


# ---- capabilities beyond the GraphStore interface ------------------------------------------------
# A store has one when it has the methods (isinstance checks them); callers ask for the capability,
# never for a backend by name or class.


@runtime_checkable
class RunsCypher(Protocol):
    """Runs the read queries of ``cypher/`` itself (the in-database similarities)."""

    feature_workers: int  # parallel read sessions
    feature_chunk: int  # rows per query

    def read(self, query_name: str, **params) -> list:
        """Records of ``cypher/<query_name>.cypher``."""

    def errors(self, what: str) -> AbstractContextManager[None]:
        """A block whose server errors become one-line BackendErrors naming ``what``."""


@runtime_checkable
class ResolvesNodes(Protocol):
    """Maps node ids ("Label:key") to the database's own node ids."""

    def resolve_nodes(self, ids: Iterable[str]) -> dict[str, str]:
        """id -> database id; KeyError naming ids not in the graph."""


@runtime_checkable
class HasGds(Protocol):
    """May offer a Graph Data Science client (``gds()`` is None when the server lacks the plugin)."""

    def gds(self):
        """The ``graphdatascience`` client, or None."""

    def projection(self, name: str, project):
        """The GDS graph ``name``, made by ``project()`` once while the store is open."""


@runtime_checkable
class VectorWriter(Protocol):
    """Writes feature vectors onto their nodes, with a record of what they are."""

    def write_node_vectors(self, prop: str, ids: list[str], vectors, record: dict) -> int:
        """Write ``vectors[i]`` as property ``prop`` of node ``ids[i]``; returns the nodes written."""

    def count_node_property(self, prop: str) -> int:
        """Nodes that carry property ``prop`` now (a stage checks that what it wrote is still there)."""
