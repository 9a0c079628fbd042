"""The seam between :class:`~kgexpr.graph.neo4j.Neo4jStore` and a server: a query runner.

As in the ``graphdatascience`` client (its ``QueryRunner``), the store never holds a driver: it
asks a runner to run a named Cypher file (``cypher/<name>.cypher``) with parameters, in a read
or a write transaction, and gets records back (mappings: ``record["key"]``). Batching,
conversion of frame values, error mapping and the frames the store returns are the store's own
logic; the runner is only transport. :class:`~kgexpr.graph.bolt.BoltRunner` (the ``neo4j``
driver) is the production runner; tests hand the store a recording fake and check that logic
without a server.

Runners raise the driver's exceptions (``neo4j.exceptions``) unchanged; the store turns them
into one-line :class:`~kgexpr.errors.BackendError` messages.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Callable, Mapping, Protocol, Sequence, TypeVar, runtime_checkable

__all__ = ["QueryRunner", "RunnerSession", "Transaction"]

T = TypeVar("T")
Records = Sequence[Mapping[str, Any]]


class Transaction(Protocol):
    """An open transaction: every statement run in it commits or rolls back together."""

    def run(self, query_name: str, params: Mapping[str, Any]) -> Records:
        """Records of ``cypher/<query_name>.cypher`` run with ``params`` in this transaction."""


class RunnerSession(Protocol):
    """A session: consecutive work on one connection (each write batch is its own transaction)."""

    def execute_write(self, query_name: str, work: Callable[[Transaction], T]) -> T:
        """``work(tx)`` in one write transaction, tagged with ``query_name``; raising in ``work`` rolls it back
        (the runner may retry the whole of ``work`` on a transient error)."""

    def run(self, query_name: str, params: Mapping[str, Any]) -> Records:
        """One statement in its own implicit transaction (schema statements, ``CALL {...} IN TRANSACTIONS``)."""


@runtime_checkable
class QueryRunner(Protocol):
    """What :class:`~kgexpr.graph.neo4j.Neo4jStore` needs from a server connection."""

    uri: str  # where the server is, for messages
    database: str | None  # None: the server's default database

    def read(self, query_name: str, params: Mapping[str, Any]) -> Records:
        """Records of a read query, in one read transaction (routed to a reader)."""

    def write(self, query_name: str, params: Mapping[str, Any]) -> Records:
        """Records of a write query, in one write transaction."""

    def session(self) -> AbstractContextManager[RunnerSession]:
        """A session for several transactions in a row, closed when the ``with`` block ends."""

    def gds_client(self):
        """A ``graphdatascience.GraphDataScience`` client on this connection (ImportError without the package)."""

    def close(self) -> None:
        """Release the connection; the runner is unusable afterwards."""
