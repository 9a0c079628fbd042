"""The production query runner: the official ``neo4j`` driver over Bolt.

:meth:`BoltRunner.connect` checks the address, opens the driver and asks the database to answer
(``cypher/read/ping.cypher``), so a wrong URI, password or database is one line at connect time
(:func:`connect_error`). Every transaction carries metadata naming kgexpr and the query file, so
``SHOW TRANSACTIONS`` attributes it; the connection's user agent names kgexpr.
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

import kgexpr
from kgexpr.errors import BackendError, BackendUnreachable
from kgexpr.graph.cypher import load_query

try:  # optional extra: pip install 'kgexpr[neo4j]'
    import neo4j as _neo4j
    from neo4j import exceptions as _n4j_exc
except ImportError:  # pragma: no cover - exercised only without the extra
    _neo4j = None
    _n4j_exc = None

__all__ = ["BoltRunner", "SCHEMES", "connect_error", "first_line"]

SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")

if _neo4j is not None:
    # the driver logs each transaction retry as a WARNING; kgexpr reports failures itself, in one line
    logging.getLogger("neo4j").addHandler(logging.NullHandler())


def first_line(text) -> str:
    """The message's first line, joined with the next ones while it ends in a colon (the driver's 'Failed to read
    from defunct connection ...:' leaves its reason on the following line), and the OS's reason when only a
    cause (an exception ``text`` was raised from) carries it."""
    lines = [x.strip() for x in str(text or "").strip().splitlines() if x.strip()]
    out = lines[0] if lines else ""
    for more in lines[1:]:
        if not out.endswith(":"):
            break
        out = f"{out} {more}"
    if isinstance(text, BaseException):
        cause = text.__cause__ or text.__context__
        while cause is not None and not isinstance(cause, OSError):
            cause = cause.__cause__ or cause.__context__
        if cause is not None and cause.strerror and cause.strerror not in out:
            out = f"{out.rstrip(':')}: {cause.strerror}"
    return out.rstrip(":") if out.endswith(":") else out


def connect_error(e: BaseException, uri: str, user: str, database: str | None) -> BaseException:
    """The one-line error for a failed connect: refused password, server down, database missing."""
    if _n4j_exc is None:
        return e
    if isinstance(e, _n4j_exc.AuthError):
        return BackendError(f"Neo4j at {uri} rejected user {user!r}: wrong password? (NEO4J_USER / NEO4J_PASSWORD)")
    if isinstance(e, _n4j_exc.ServiceUnavailable):
        m = re.search(r"reason (.*)\)\s*$", str(e).strip().replace("\n", " "))
        reason = m.group(1) if m else first_line(e)
        reason = re.sub(r"^\[Errno -?\d+\]\s*", "", reason)
        return BackendUnreachable(
            f"cannot connect to Neo4j at {uri}: {reason} (is the server running? `kgexpr neo4j start` starts a local one)"
        )
    if isinstance(e, _n4j_exc.Neo4jError):
        db = database or "the default database"
        return BackendError(f"Neo4j at {uri} refused to open {db}: {first_line(e.message or e)}")
    if isinstance(e, (_n4j_exc.DriverError, OSError)):
        return BackendUnreachable(f"cannot connect to Neo4j at {uri}: {first_line(e)}")
    return e


def check_address(uri: str | None, user: str, password: str | None) -> str:
    """The URI, after the checks that need no server (scheme, a password given)."""
    if not uri:
        raise BackendError("no Neo4j URI given (--neo4j-uri or NEO4J_URI)")
    uri = str(uri)
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme not in SCHEMES:
        raise BackendError(
            f"invalid Neo4j URI {uri!r}: expected one of {', '.join(s + '://' for s in SCHEMES)} (e.g. bolt://127.0.0.1:7687)"
        )
    if not password:
        raise BackendError(f"no password for Neo4j at {uri} (user {user!r}): set NEO4J_PASSWORD")
    return uri


def _user_agent() -> str:
    return f"kgexpr/{kgexpr.__version__} neo4j-python/{_neo4j.__version__}"


def _metadata(query_name: str) -> dict:
    """Transaction metadata: SHOW TRANSACTIONS attributes every kgexpr statement to kgexpr and its query file."""
    return {"app": "kgexpr", "kgexpr": kgexpr.__version__, "query": query_name}


def _query(query_name: str):
    return _neo4j.Query(load_query(query_name), metadata=_metadata(query_name))


def _tagged(fn, query_name: str):
    """A transaction function carrying the metadata (execute_write takes it from the function)."""

    def work(tx, *args, **kwargs):
        return fn(tx, *args, **kwargs)

    return _neo4j.unit_of_work(metadata=_metadata(query_name))(work)


class _BoltTransaction:
    def __init__(self, tx):
        self._tx = tx

    def run(self, query_name: str, params: Mapping[str, Any]) -> list:
        return list(self._tx.run(load_query(query_name), dict(params)))


class _BoltSession:
    def __init__(self, session):
        self._session = session

    def execute_write(self, query_name: str, work: Callable):
        return self._session.execute_write(_tagged(lambda tx: work(_BoltTransaction(tx)), query_name))

    def run(self, query_name: str, params: Mapping[str, Any]) -> list:
        return list(self._session.run(_query(query_name), dict(params)))


class BoltRunner:
    """A :class:`~kgexpr.graph.runner.QueryRunner` on a ``neo4j.Driver``."""

    def __init__(self, driver, uri: str, database: str | None = None):
        self.driver = driver
        self.uri = uri
        self.database = database or None

    @classmethod
    def connect(cls, uri: str | None, user: str | None = "neo4j", password: str | None = None,
                database: str | None = None, *, connection_timeout: float = 10.0) -> "BoltRunner":
        """Open a driver and check that ``database`` answers; every failure is one BackendError line."""
        if _neo4j is None:
            raise BackendError("the neo4j backend needs the optional extra: pip install 'kgexpr[neo4j]'")
        user = user or "neo4j"
        uri = check_address(uri, user, password)
        try:
            driver = _neo4j.GraphDatabase.driver(
                uri, auth=(user, password), connection_timeout=connection_timeout,
                max_transaction_retry_time=15.0, user_agent=_user_agent(),
                # "label / type / property does not exist yet" is normal on a fresh database
                notifications_disabled_classifications=[_neo4j.NotificationDisabledClassification.UNRECOGNIZED],
            )
        except (ValueError, ImportError, _n4j_exc.ConfigurationError) as e:
            raise BackendError(f"invalid Neo4j URI {uri!r}: {first_line(e)}") from e
        try:
            driver.verify_connectivity()
            # the database exists and answers (verify_connectivity does not check it)
            driver.execute_query(load_query("read/ping"), database_=database or None,
                                 routing_=_neo4j.RoutingControl.READ)
        except BaseException as e:
            driver.close()
            raise connect_error(e, uri, user, database) from e
        return cls(driver, uri, database)

    def read(self, query_name: str, params: Mapping[str, Any]) -> list:
        return self.driver.execute_query(_query(query_name), parameters_=dict(params), database_=self.database,
                                         routing_=_neo4j.RoutingControl.READ).records

    def write(self, query_name: str, params: Mapping[str, Any]) -> list:
        return self.driver.execute_query(_query(query_name), parameters_=dict(params), database_=self.database).records

    @contextmanager
    def session(self) -> Iterator[_BoltSession]:
        with self.driver.session(database=self.database) as s:
            yield _BoltSession(s)

    def gds_client(self):
        from graphdatascience import GraphDataScience

        return GraphDataScience(self.driver, database=self.database, arrow=False, show_progress=False)

    def close(self) -> None:
        self.driver.close()

    def __repr__(self) -> str:
        return f"BoltRunner({self.uri!r}, database={self.database!r})"
