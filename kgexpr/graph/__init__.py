"""Graph stores: the embedded one (default) and Neo4j, behind one interface."""

from __future__ import annotations

from typing import Mapping

from kgexpr.graph.embedded import EmbeddedStore
from kgexpr.graph.schema import ASSOCIATED_WITH, NODE_KEYS, REL_TYPES, node_id
from kgexpr.graph.store import (
    DEFAULT_BATCH_SIZE,
    GraphStore,
    HasGds,
    ResolvesNodes,
    RunsCypher,
    VectorWriter,
)
from kgexpr.graph.view import GraphView, graph_from_edges, graph_hash

#: the graph stores open_store opens, by name
BACKENDS = ("embedded", "neo4j")

__all__ = ["ASSOCIATED_WITH", "BACKENDS", "DEFAULT_BATCH_SIZE", "EmbeddedStore", "GraphStore", "GraphView", "HasGds",
           "NODE_KEYS", "REL_TYPES", "ResolvesNodes", "RunsCypher", "VectorWriter", "graph_from_edges", "graph_hash",
           "node_id", "open_store"]

def open_store(backend: str | Mapping = "embedded", *, path=None, uri=None, user=None, password=None, database=None,
               batch_size: int = DEFAULT_BATCH_SIZE) -> GraphStore:
    """Open a store: the one place that picks a backend by name (stages, predict and the API all come here).

    ``backend`` is a name or an address as :meth:`BackendSettings.key` gives it and a load
    manifest keeps it (``{"backend": "neo4j", "uri": ..., "user": ..., "database": ...}``); the
    address's entries win over the keywords. ``path`` is the embedded store's folder; the password
    is never part of an address. The Neo4j store needs the optional ``neo4j`` extra.
    """
    if isinstance(backend, Mapping):
        address = dict(backend)
        backend = address.get("backend") or "embedded"
        uri, user, database = address.get("uri", uri), address.get("user", user), address.get("database", database)
    if backend == "embedded":
        return EmbeddedStore(path)
    if backend == "neo4j":
        from kgexpr.graph.neo4j import Neo4jStore

        return Neo4jStore(uri=uri, user=user, password=password, database=database, batch_size=batch_size)
    raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
