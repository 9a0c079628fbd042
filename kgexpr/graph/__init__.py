"""Graph stores: the embedded one (default) and Neo4j, behind one interface."""

from kgexpr.graph.embedded import EmbeddedStore
from kgexpr.graph.schema import NODE_KEYS, REL_TYPES, node_id
from kgexpr.graph.store import GraphStore
from kgexpr.graph.view import GraphView, graph_from_edges, graph_hash

__all__ = ["EmbeddedStore", "GraphStore", "GraphView", "NODE_KEYS", "REL_TYPES", "graph_from_edges", "graph_hash",
           "node_id", "open_store"]


def open_store(backend: str = "embedded", *, path=None, uri=None, user=None, password=None, database=None, batch_size=10_000):
    """Open a store by backend name; the Neo4j one needs the optional ``neo4j`` extra."""
    if backend == "embedded":
        return EmbeddedStore(path)
    if backend == "neo4j":
        from kgexpr.graph.neo4j import Neo4jStore

        return Neo4jStore(uri=uri, user=user, password=password, database=database, batch_size=batch_size)
    raise ValueError(f"unknown backend {backend!r}; choose 'embedded' or 'neo4j'")
