"""Fixtures for the tests that need a real Neo4j (+ GDS) server.

Where the server comes from, first that works:

1. ``NEO4J_URI`` (with ``NEO4J_USER``, default ``neo4j``, and ``NEO4J_PASSWORD``) -- e.g. the
   local server of ``scripts/neo4j-local.sh start`` or the docker-compose one;
2. a throw-away ``neo4j:5.26`` container from testcontainers (optional package) when a Docker
   engine answers (GDS from ``NEO4J_PLUGINS``: needs the image to be able to fetch it);
3. otherwise the tests are skipped with a reason that says "neo4j" (CI greps for it).

Every ``neo4j_store`` starts from an empty database (tests run one after another).
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
        uri = os.environ.get("NEO4J_URI")
        if uri:
            password = os.environ.get("NEO4J_PASSWORD")
            if not password:
                _SERVER.append("NEO4J_URI is set but NEO4J_PASSWORD is not: cannot log in to the neo4j server")
            else:
                _SERVER.append(
                    Neo4jServer(uri, os.environ.get("NEO4J_USER", "neo4j"), password, os.environ.get("NEO4J_DATABASE") or None)
                )
        else:
            _SERVER.append(_from_docker())
    return _SERVER[0]


def clear_database(store) -> None:
    """Delete every node and relationship (in batches; constraints and indexes stay)."""
    store.clear()


@pytest.fixture(scope="session")
def neo4j_server() -> Neo4jServer:
    server = resolve_server()
    if isinstance(server, str):
        pytest.skip(server)
    pytest.importorskip("neo4j", reason="the neo4j driver is not installed: pip install 'kgexpr[neo4j]'")
    return server


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
