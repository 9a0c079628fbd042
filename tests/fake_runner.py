"""A recording fake :class:`~kgexpr.graph.runner.QueryRunner`: canned records, every call kept.

``Neo4jStore(runner=RecordingRunner(...))`` runs the store's own logic (batching, conversion,
error mapping, frames) without a server. Each call is kept as a :class:`Call` (how it ran, the
query name, the parameters as sent, the write transaction it ran in); transactions whose work
raised are marked rolled back, as the server would.

Answers: ``responses[query_name]`` is a list of records (the answer to every call), an exception
(raised), or a function of the parameters returning either. Without one, statements answer as
a server that has everything would: merges report every row merged, deletes report 0, key
look-ups report nothing missing, other queries return no records.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Call:
    kind: str  # "read", "write" (auto-commit write), "tx" (in a write transaction), "run" (implicit transaction)
    query: str
    params: dict
    tx: int | None = None  # the write transaction's number (kind "tx")


@dataclass
class Tx:
    number: int
    tag: str  # the query name the transaction was tagged with
    calls: list = field(default_factory=list)
    committed: bool | None = None


def _default(name: str, params: dict) -> list:
    if "rows" in params and (name.startswith(("load/merge_", "writeback/merge_")) or name == "writeback/set_node_properties"):
        return [{"merged": len(params["rows"])}]
    if "limit" in params:
        return [{"deleted": 0}]
    if name.startswith("read/missing_"):
        return [{"missing": []}]
    return []


class RecordingRunner:
    def __init__(self, responses: dict[str, Any] | None = None, *, uri: str = "bolt://fake:7687",
                 database: str | None = None, gds_client: Callable[[], Any] | None = None):
        self.uri, self.database = uri, database
        self.responses = dict(responses or {})
        self.calls: list[Call] = []
        self.transactions: list[Tx] = []
        self.sessions = 0
        self.closed = False
        self.gds_clients = 0
        self._gds_client = gds_client
        self._lock = threading.Lock()  # in-database features read from several threads

    # ---- what tests look at -------------------------------------------------------------

    def queries(self, kind: str | None = None) -> list[str]:
        return [c.query for c in self.calls if kind is None or c.kind == kind]

    def calls_to(self, query: str) -> list[Call]:
        return [c for c in self.calls if c.query == query]

    def committed(self) -> list[Tx]:
        return [t for t in self.transactions if t.committed]

    # ---- the runner ---------------------------------------------------------------------

    def _answer(self, kind: str, name: str, params: dict, tx: Tx | None = None) -> list:
        if self.closed:
            raise RuntimeError("runner used after close")
        call = Call(kind, name, dict(params), None if tx is None else tx.number)
        with self._lock:
            self.calls.append(call)
            if tx is not None:
                tx.calls.append(call)
        r = self.responses.get(name)
        if callable(r) and not isinstance(r, BaseException):
            r = r(dict(params))
        if isinstance(r, BaseException):
            raise r
        return list(_default(name, params) if r is None else r)

    def read(self, query_name: str, params) -> list:
        return self._answer("read", query_name, params)

    def write(self, query_name: str, params) -> list:
        return self._answer("write", query_name, params)

    @contextmanager
    def session(self):
        self.sessions += 1
        yield _Session(self)

    def gds_client(self):
        self.gds_clients += 1
        if self._gds_client is None:
            raise ImportError("No module named 'graphdatascience'")
        return self._gds_client()

    def close(self) -> None:
        self.closed = True


class _Transaction:
    def __init__(self, runner: RecordingRunner, tx: Tx):
        self._runner, self._tx = runner, tx

    def run(self, query_name: str, params) -> list:
        return self._runner._answer("tx", query_name, params, self._tx)


class _Session:
    def __init__(self, runner: RecordingRunner):
        self._runner = runner

    def execute_write(self, query_name: str, work):
        tx = Tx(len(self._runner.transactions) + 1, query_name)
        self._runner.transactions.append(tx)
        try:
            out = work(_Transaction(self._runner, tx))
        except BaseException:
            tx.committed = False
            raise
        tx.committed = True
        return out

    def run(self, query_name: str, params) -> list:
        return self._runner._answer("run", query_name, params)
