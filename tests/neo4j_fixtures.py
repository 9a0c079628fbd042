"""Fixtures for the tests that need a real Neo4j (+ GDS) server.

Where the server comes from, first that works:

1. ``KGEXPR_TEST_NEO4J_URI`` (with ``KGEXPR_TEST_NEO4J_USER`` / ``_PASSWORD`` / ``_DATABASE``), a server
   kept for the tests, else ``NEO4J_URI`` (with ``NEO4J_USER``, default ``neo4j``, and
   ``NEO4J_PASSWORD``) -- e.g. the local server of ``scripts/neo4j-local.sh start``;
2. a throw-away ``neo4j:5.26`` container from testcontainers (optional package) when a Docker
   engine answers (GDS from ``NEO4J_PLUGINS``: needs the image to be able to fetch it);
3. otherwise the tests are skipped with a reason that says "neo4j" (CI greps for it).

Every ``neo4j_store`` starts from an empty database (tests run one after another). So the tests
refuse a database that holds data they did not create: it must be empty, or carry the
``(:KgexprTestDatabase)`` mark they leave in a database they own; otherwise every neo4j test is
skipped with the reason, and nothing is deleted.
"""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass

import pytest

SKIP_REASON = (
    "no neo4j server: set NEO4J_URI (+ NEO4J_USER, NEO4J_PASSWORD), e.g. after `scripts/neo4j-local.sh start`, "
    "or install testcontainers with a running Docker engine"
)


@dataclass(frozen=True)
class Neo4jServer:
    uri: str
    user: str
    password: str
    database: str | None = None


_SERVER: list = []  # [Neo4jServer | str (skip reason)], resolved once per process


def _from_docker() -> Neo4jServer | str:
    try:
        import docker  # noqa: F401  (testcontainers depends on it)
        from testcontainers.neo4j import Neo4jContainer
    except ImportError:
        return SKIP_REASON
    try:
        import docker as _docker

        _docker.from_env().ping()
    except Exception as e:  # no engine / no permission
        return f"{SKIP_REASON} (docker engine does not answer for the neo4j container: {str(e).splitlines()[0][:120]})"
    password = "kgexpr-test-password"
    container = Neo4jContainer("neo4j:5.26", password=password)
    container.with_env("NEO4J_PLUGINS", '["graph-data-science"]')
    container.with_env("NEO4J_dbms_security_procedures_unrestricted", "gds.*")
    try:
        container.start()
    except Exception as e:
        return f"{SKIP_REASON} (could not start the neo4j container: {str(e).splitlines()[0][:120]})"
    atexit.register(container.stop)
    return Neo4jServer(container.get_connection_url(), "neo4j", password)


def resolve_server() -> Neo4jServer | str:
    """The server to test against, or the reason to skip."""
    if not _SERVER:
        prefix = "KGEXPR_TEST_NEO4J_" if os.environ.get("KGEXPR_TEST_NEO4J_URI") else "NEO4J_"
        uri = os.environ.get(f"{prefix}URI")
        if uri:
            password = os.environ.get(f"{prefix}PASSWORD")
            if not password:
                _SERVER.append(f"{prefix}URI is set but {prefix}PASSWORD is not: cannot log in to the neo4j server")
            else:
                _SERVER.append(Neo4jServer(uri, os.environ.get(f"{prefix}USER", "neo4j"), password,
                                           os.environ.get(f"{prefix}DATABASE") or None))
        else:
            _SERVER.append(_from_docker())
        if isinstance(_SERVER[0], Neo4jServer):
            refusal = _foreign_data(_SERVER[0])
            if refusal:
                _SERVER[0] = refusal
    return _SERVER[0]


def _run_admin(server: Neo4jServer, name: str) -> list[dict]:
    from neo4j import GraphDatabase

    from kgexpr.graph.cypher import load_query

    with GraphDatabase.driver(server.uri, auth=(server.user, server.password)) as driver:
        with driver.session(database=server.database) as session:
            return session.run(load_query(name)).data()


def _foreign_data(server: Neo4jServer) -> str | None:
    """Why the tests must not use this database (it holds data they did not create), or None after marking it."""
    try:
        row = _run_admin(server, "admin/count_nodes")[0]
    except ImportError:
        return None  # no driver: the fixture skips for that reason
    except Exception as e:  # the server does not answer: let the tests report it
        return f"neo4j server at {server.uri} does not answer: {str(e).splitlines()[0][:160]}"
    if row["nodes"] and not row["markers"]:
        return (f"neo4j: the database at {server.uri} holds {row['nodes']} nodes the tests did not create, and the "
                "tests empty their database: point KGEXPR_TEST_NEO4J_URI (+ _PASSWORD) at a throw-away server "
                "(e.g. scripts/neo4j-local.sh with its own KGEXPR_NEO4J_HOME and ports); nothing was deleted")
    mark(server)
    return None


def mark(server: Neo4jServer) -> None:
    _run_admin(server, "admin/mark_test_database")


def clear_database(store) -> None:
    """Delete every node and relationship (in batches; constraints and indexes stay), then mark the
    database as the tests' own again."""
    store.clear()
    server = resolve_server()
    if isinstance(server, Neo4jServer):
        mark(server)


@pytest.fixture(scope="session")
def neo4j_server() -> Neo4jServer:
    server = resolve_server()
    if isinstance(server, str):
        pytest.skip(server)
    pytest.importorskip("neo4j", reason="the neo4j driver is not installed: pip install 'kgexpr[neo4j]'")
    yield server
    mark(server)  # a test may have emptied it through kgexpr (--neo4j-clear): it is still the tests' own


@pytest.fixture
def neo4j_store(neo4j_server):
    """A Neo4jStore on an empty database."""
    from kgexpr.graph.neo4j import Neo4jStore

    store = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, database=neo4j_server.database)
    clear_database(store)
    try:
        yield store
    finally:
        store.close()
        mark(neo4j_server)


def demo_knowledge(data_dir):
    """The knowledge graph frames of a data directory, assembled as ``kgexpr load`` does."""
    from kgexpr.graph.build import assemble, load_gene_ids
    from kgexpr.sources import lincs
    from kgexpr.sources.catalog import DataCatalog

    catalog = DataCatalog(data_dir)
    profiles = lincs.to_profiles(lincs.read_expression(catalog.expression_files[0]))
    sel = lincs.select(profiles, lincs.pick_cell_line(profiles.samples, "auto"))
    perts = sel.samples[["pert_id", "pert_iname"]].drop_duplicates("pert_id")
    return assemble(catalog, load_gene_ids(catalog), perts, sel.genes[["entrez_id", "symbol"]], "lincs",
                    lincs_cell_ids=lincs.mutation_cell_lines(profiles.samples))
