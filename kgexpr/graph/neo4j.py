"""The Neo4j backend: the same store as :class:`~kgexpr.graph.embedded.EmbeddedStore`, on a Neo4j server.

The store holds no driver: it runs named Cypher files through a query runner
(:mod:`kgexpr.graph.runner`; over Bolt :class:`~kgexpr.graph.bolt.BoltRunner`), so its own logic
(batching, value conversion, error mapping, load records, export frames) is tested with a
recording fake runner, without a server.

Writes are batched ``UNWIND $rows ... MERGE`` statements, one write transaction per
``batch_size`` rows, so a failure leaves only whole batches behind and re-running the
same merge completes it without duplicates. Reads come back as frames with the embedded store's
columns, dtypes and sorting. The feature computations that run in the database (Cypher common
neighbours / local path index, GDS embeddings) live in :mod:`kgexpr.features.in_database`; this
store declares the capabilities they need (:class:`~kgexpr.graph.store.RunsCypher`,
:class:`~kgexpr.graph.store.ResolvesNodes`, :class:`~kgexpr.graph.store.HasGds`,
:class:`~kgexpr.graph.store.VectorWriter`) by having their methods.

Query text
    Every statement lives in ``cypher/`` as one hand-written ``.cypher`` file per label /
    relationship type (``cypher/load/merge_gene.cypher``, ``cypher/load/merge_rel_interacts.cypher``
    ...), loaded by :func:`kgexpr.graph.cypher.load_query`. No query text is ever assembled from
    strings: a label or type only selects a file, and only after it passed the schema allow-list
    (:func:`~kgexpr.graph.schema.check_label` / :func:`~kgexpr.graph.schema.check_rel_type`).
    All values, including property names, travel as parameters.

Semantics (as the embedded store)
    * nodes: merged by key; within one call the last row of a key wins; properties of the row
      win, properties it lacks (or holds as null/NaN) keep their stored value (``SET n += props``).
    * edges: merged by (source, target, identity properties of the type); a re-merged edge's
      properties are replaced by the row's (``SET r = props``; the embedded store replaces the
      whole row). Both ends must exist: a call with missing end nodes fails before it writes.
    * null / NaN properties are never stored (Neo4j has no null property), so they read back NaN.
    * keys: Gene ``entrez_id`` as int64, every other key as str.

Differences that cannot be helped: property columns read back in a canonical order (key or
source/target, identity properties, then the rest alphabetically) because Neo4j does not keep
the column order of the frame that wrote them; identity properties (e.g. INTERACTS.pathway)
must not be null (Neo4j cannot MERGE on a null).
"""

from __future__ import annotations

import json
import warnings
from contextlib import contextmanager
from typing import Iterable, Iterator

import numpy as np
import pandas as pd

import kgexpr
from kgexpr.errors import BackendError, BackendUnreachable, KgexprError
from kgexpr.graph.bolt import BoltRunner, _n4j_exc, _tagged  # noqa: F401  (_tagged: tests tag raw transactions)
from kgexpr.graph.bolt import first_line as _first_line
from kgexpr.graph.cypher import query_names
from kgexpr.graph.neo4j_values import frame_from_props, plain_column, property_maps, to_plain
from kgexpr.graph.runner import QueryRunner
from kgexpr.graph.schema import (
    ASSOCIATED_WITH,
    KNOWLEDGE_TYPES,
    LEARNED_TYPES,
    NODE_KEYS,
    REL_TYPES,
    check_label,
    check_rel_type,
    node_id,
)
from kgexpr.graph.signs import SIGNED_PROPERTY, sign_of
from kgexpr.graph.store import DEFAULT_BATCH_SIZE, GraphStore

__all__ = ["Neo4jStore"]

# the driver's exception families (empty without the extra: nothing to catch)
_LOST = (_n4j_exc.ServiceUnavailable, _n4j_exc.SessionExpired) if _n4j_exc else ()
_SERVER = (_n4j_exc.Neo4jError,) if _n4j_exc else ()
_CLIENT = (_n4j_exc.ClientError,) if _n4j_exc else ()
_DRIVER = (_n4j_exc.DriverError,) if _n4j_exc else ()


def _key_dtype(label: str):
    return "int64" if label == "Gene" else "object"


def _single(records, query_name: str):
    """The one record a counting statement returns (anything else is a broken query file)."""
    records = list(records)
    if len(records) != 1:
        raise BackendError(f"query {query_name} returned {len(records)} records, expected 1")
    return records[0]


class _IncompleteBatch(KgexprError):
    pass


# ------------------------------------------------------------------------------ the store


class Neo4jStore(GraphStore):
    """A :class:`GraphStore` on a Neo4j 5 server, through a :class:`~kgexpr.graph.runner.QueryRunner`.

    ``Neo4jStore(uri, user, password, database)`` connects over Bolt
    (:meth:`BoltRunner.connect <kgexpr.graph.bolt.BoltRunner.connect>`); ``Neo4jStore(runner=...)``
    runs over any runner (tests pass a recording fake). ``feature_workers`` / ``feature_chunk``
    tune the in-database feature queries of :mod:`kgexpr.features.in_database` (parallel
    sessions, rows per query).
    """

    backend = "neo4j"

    def __init__(
        self,
        uri: str | None = None,
        user: str | None = "neo4j",
        password: str | None = None,
        database: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        *,
        runner: QueryRunner | None = None,
        connection_timeout: float = 10.0,
        feature_workers: int = 4,
        feature_chunk: int = 64,
    ):
        self.batch_size = int(batch_size)
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.user = user or "neo4j"
        self.feature_workers = max(1, int(feature_workers))
        self.feature_chunk = max(1, int(feature_chunk))
        self._schema_ready = False
        self._gds = None
        self._gds_present: bool | None = None
        self._projections: dict[str, object] = {}  # GDS graphs this connection projected, dropped on close
        if runner is None:
            runner = BoltRunner.connect(uri, self.user, password, database, connection_timeout=connection_timeout)
        self._runner: QueryRunner | None = runner
        self.uri = str(runner.uri)
        self.database = runner.database or None

    # ---- errors -----------------------------------------------------------------------------

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        """Turn driver / server errors into one-line BackendErrors naming the URI and the step."""
        try:
            yield
        except KgexprError:
            raise
        except _LOST as e:
            raise BackendError(f"lost the connection to Neo4j at {self.uri} while {what}: {_first_line(e)}") from e
        except _SERVER as e:
            raise BackendError(f"Neo4j at {self.uri} failed {what}: {_first_line(e.message or e)}") from e
        except _DRIVER as e:
            raise BackendError(f"Neo4j driver error at {self.uri} while {what}: {_first_line(e)}") from e

    # ---- plumbing ---------------------------------------------------------------------------

    @property
    def runner(self) -> QueryRunner:
        """The open query runner (a BackendError once the store is closed)."""
        if self._runner is None:
            raise BackendError(f"the connection to Neo4j at {self.uri} is closed")
        return self._runner

    @property
    def driver(self):
        """The open ``neo4j.Driver`` of a Bolt runner (for tools that need the driver itself)."""
        driver = getattr(self.runner, "driver", None)
        if driver is None:
            raise BackendError(f"the store's runner {self.runner!r} has no Neo4j driver")
        return driver

    def _session(self):
        """A raw driver session (tests and the Browser queries run their own statements)."""
        return self.driver.session(database=self.database)

    def read(self, query_name: str, **params) -> list:
        """Records of the read query ``cypher/<query_name>.cypher``, values passed as parameters.

        Driver errors come through as they are, so callers can tell them apart; wrap the call
        in :meth:`errors` to report them.
        """
        return self.runner.read(query_name, params)

    @staticmethod
    def _run_batch(tx, query_name: str, batch: list[dict]) -> int:
        """One batch in one transaction; raising here rolls the batch back."""
        merged = int(_single(tx.run(query_name, {"rows": batch}), query_name)["merged"])
        if merged != len(batch):
            raise _IncompleteBatch(f"{len(batch) - merged} of {len(batch)} rows found no end node")
        return merged

    def _write_batches(self, name: str, rows: list[dict], what: str) -> int:
        n, bs = len(rows), self.batch_size
        nb = (n + bs - 1) // bs
        done = 0
        with self.errors(what), self.runner.session() as session:
            for b in range(nb):
                batch = rows[b * bs : (b + 1) * bs]
                where = (f"in batch {b + 1}/{nb} (rows {b * bs}-{b * bs + len(batch) - 1}; {b * bs} rows before it "
                         "are written, re-run to complete)")
                try:
                    done += session.execute_write(name, lambda tx, batch=batch: self._run_batch(tx, name, batch))
                except _IncompleteBatch as e:
                    raise KgexprError(f"{what}: batch {b + 1}/{nb} rolled back: {e}") from e
                except _SERVER as e:
                    raise BackendError(f"Neo4j at {self.uri} failed {what} {where}: {_first_line(e.message or e)}") from e
                except _DRIVER + (OSError,) as e:  # the server went away (the driver retried first)
                    raise BackendUnreachable(f"lost the connection to Neo4j at {self.uri} while {what} {where}: "
                                             f"{type(e).__name__}: {_first_line(e)}") from e
        return done

    def ensure_schema(self) -> None:
        """Uniqueness constraints on every label key and the lookup indexes (IF NOT EXISTS)."""
        if self._schema_ready:
            return
        with self.errors("creating constraints and indexes"), self.runner.session() as session:
            for name in query_names("schema"):
                session.run(name, {"timeout_s": 300} if name.endswith("await_indexes") else {})
        self._schema_ready = True

    # ---- keys ---------------------------------------------------------------------------------

    @staticmethod
    def _keys(values: pd.Series, label: str, what: str) -> pd.Series:
        """Key values as the store keeps them: int64 for Gene, str otherwise; nulls are an error."""
        if label == "Gene":
            try:
                return values.astype("int64")
            except (ValueError, TypeError) as e:
                raise KgexprError(f"{what}: Entrez ids must be integers ({_first_line(e)})") from e
        plain = [to_plain(v) for v in values.tolist()]
        missing = sum(v is None for v in plain)
        if missing:
            raise KgexprError(f"{what}: {missing} rows have no {NODE_KEYS[label]}")
        return pd.Series([v if isinstance(v, str) else str(v) for v in plain], index=values.index, dtype=object)

    def _missing_keys(self, label: str, keys: list) -> set:
        """The keys among ``keys`` that are not the key of a stored ``label`` node."""
        missing: set = set()
        name = f"read/missing_{label.lower()}_keys"
        with self.errors(f"looking up {label} nodes"):
            for start in range(0, len(keys), self.batch_size):
                missing.update(self.read(name, keys=keys[start : start + self.batch_size])[0]["missing"])
        return missing

    # ---- writes ---------------------------------------------------------------------------------

    def merge_nodes(self, label: str, rows: pd.DataFrame) -> int:
        key = self._checked_node_key(label, rows)
        if rows.empty:
            return 0
        keys = self._keys(rows[key], label, f"{label}.{key}")
        rows = rows.assign(**{key: keys}).drop_duplicates(subset=[key], keep="last")
        props = property_maps(rows.drop(columns=[key]))
        payload = [{"key": k, "props": p} for k, p in zip(rows[key].tolist(), props)]
        self.ensure_schema()
        self._write_batches(f"load/merge_{label.lower()}", payload, f"merging {label} nodes")
        return len(rows)

    @staticmethod
    def _edge_query(rel_type: str, op: str) -> str:
        if rel_type in LEARNED_TYPES:
            return f"writeback/{op}_{rel_type.lower()}"
        return f"load/merge_rel_{rel_type.lower()}" if op == "merge" else f"delete/rel_{rel_type.lower()}"

    def _edge_payload(self, rel_type: str, rows: pd.DataFrame) -> list[dict] | None:
        """Validated, converted, de-duplicated edge rows; checks the end nodes before any write."""
        rt = self._checked_rel_type(rel_type, rows)
        if rows.empty:
            return None
        self.ensure_schema()
        rows = rows.copy()
        rows["source"] = self._keys(rows["source"], rt.source, f"{rel_type} source")
        rows["target"] = self._keys(rows["target"], rt.target, f"{rel_type} target")
        for col in rt.identity:
            vals = plain_column(rows[col])
            missing = sum(v is None for v in vals)
            if missing:
                raise KgexprError(f"{rel_type}: {missing} rows have no '{col}' (part of the relationship's identity)")
            rows[col] = pd.Series(vals, index=rows.index, dtype=object)
        for end, label in (("source", rt.source), ("target", rt.target)):
            absent = self._missing_keys(label, pd.unique(rows[end]).tolist())
            missing = rows[end].isin(absent)
            if missing.any():
                raise KgexprError(
                    f"{rel_type}: {int(missing.sum())} {end} nodes are not {label} nodes in the store "
                    f"(e.g. {to_plain(rows.loc[missing, end].iloc[0])!r})"
                )
        rows = rows.drop_duplicates(subset=["source", "target", *rt.identity], keep="last")
        props = property_maps(rows.drop(columns=["source", "target"]))
        if not rt.identity:
            return [{"source": s, "target": t, "props": p}
                    for s, t, p in zip(rows["source"].tolist(), rows["target"].tolist(), props)]
        # identity values are in props too (SET r = props keeps them); lift them to the row
        return [{"source": s, "target": t, **{c: p[c] for c in rt.identity}, "props": p}
                for s, t, p in zip(rows["source"].tolist(), rows["target"].tolist(), props)]

    def merge_edges(self, rel_type: str, rows: pd.DataFrame) -> int:
        payload = self._edge_payload(rel_type, rows)
        if payload is None:
            return 0
        self._write_batches(self._edge_query(rel_type, "merge"), payload, f"merging {rel_type} relationships")
        return len(payload)

    def _delete_statement(self, rel_type: str, where: dict) -> tuple[str, dict]:
        where = {str(k): to_plain(v) for k, v in where.items()}
        if rel_type == ASSOCIATED_WITH and set(where) == {"run_id"} and where["run_id"] is not None:
            return "writeback/delete_run", {"run_id": where["run_id"]}
        return self._edge_query(rel_type, "delete"), {"where": where}

    @staticmethod
    def _delete_batch(tx, query_name: str, params: dict, limit: int) -> int:
        """Delete up to ``limit`` matching relationships; how many went."""
        return int(_single(tx.run(query_name, {**params, "limit": limit}), query_name)["deleted"])

    @classmethod
    def _delete_all(cls, tx, query_name: str, params: dict, limit: int) -> int:
        total = 0
        while True:
            n = cls._delete_batch(tx, query_name, params, limit)
            total += n
            if n < limit:
                return total

    def delete_edges(self, rel_type: str, where: dict) -> int:
        """Delete the relationships whose properties equal ``where``, one transaction per batch."""
        check_rel_type(rel_type)
        name, params = self._delete_statement(rel_type, where)
        total = 0
        with self.errors(f"deleting {rel_type} relationships"), self.runner.session() as session:
            while True:
                n = session.execute_write(name, lambda tx: self._delete_batch(tx, name, params, self.batch_size))
                total += n
                if n < self.batch_size:
                    return total

    def replace_edges(self, rel_type: str, rows: pd.DataFrame, where: dict) -> int:
        """Replace the edges matching ``where`` with ``rows`` (e.g. one run's associations).

        The rows are checked (end nodes exist) before anything is deleted; when they fit one
        batch the delete and the merge are one transaction, so readers never see a half-written
        run. Re-writing a run replaces its edges and never duplicates them.
        """
        check_rel_type(rel_type)
        payload = self._edge_payload(rel_type, rows.assign(**where))
        if payload is None:
            self.delete_edges(rel_type, where)
            return 0
        if len(payload) > self.batch_size:
            self.delete_edges(rel_type, where)
            self._write_batches(self._edge_query(rel_type, "merge"), payload, f"writing {rel_type} relationships")
            return len(payload)
        dname, dparams = self._delete_statement(rel_type, where)
        mname = self._edge_query(rel_type, "merge")

        def work(tx):
            self._delete_all(tx, dname, dparams, self.batch_size)
            return self._run_batch(tx, mname, payload)

        with self.errors(f"replacing {rel_type} relationships"), self.runner.session() as session:
            try:
                return session.execute_write(mname, work)
            except _IncompleteBatch as e:
                raise KgexprError(f"replacing {rel_type} relationships rolled back: {e}") from e

    # ---- reads ----------------------------------------------------------------------------------

    def nodes(self, label: str) -> pd.DataFrame:
        check_label(label)
        key = NODE_KEYS[label]
        with self.errors(f"reading {label} nodes"):
            props = self.read(f"read/nodes_{label.lower()}")[0]["rows"]
        if not props:
            return pd.DataFrame({key: pd.Series(dtype=_key_dtype(label))})
        df = frame_from_props(props, len(props))
        df = df[[key] + sorted(c for c in df.columns if c != key)]
        df[key] = df[key].astype(_key_dtype(label))
        return df.sort_values(key, ignore_index=True)

    def edges(self, rel_type: str) -> pd.DataFrame:
        rt = check_rel_type(rel_type)
        with self.errors(f"reading {rel_type} relationships"):
            rows = self.read(f"read/edges_{rel_type.lower()}")[0]["rows"]
        src = pd.Series([r[0] for r in rows], dtype=_key_dtype(rt.source))
        tgt = pd.Series([r[1] for r in rows], dtype=_key_dtype(rt.target))
        if not rows:
            return pd.DataFrame({"source": src, "target": tgt})
        props = frame_from_props([r[2] for r in rows], len(rows))
        ident = [c for c in rt.identity if c in props.columns]
        rest = sorted(c for c in props.columns if c not in ident and c not in ("source", "target"))
        df = pd.concat([pd.DataFrame({"source": src, "target": tgt}), props[ident + rest]], axis=1)
        return df.sort_values(["source", "target", *ident], ignore_index=True)

    def counts(self) -> dict[str, int]:
        with self.errors("counting nodes and relationships"):
            c = self.read("read/counts")[0]["counts"]
        return {k: int(c[k]) for k in (*NODE_KEYS, *REL_TYPES)}

    def export(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Knowledge graph as (nodes[node_id, label, key], edges[source, target, type, sign]).

        Same frames as the inherited implementation (and the embedded store), from two queries
        that return only keys (one list per label / type) instead of every property of every
        node and relationship: about 10x faster on the full KEGG graph.
        """
        with self.errors("exporting the knowledge graph"):
            keys = {r["label"]: r["keys"] for r in self.read("read/export_nodes")}
            rels = {r["type"]: r["rows"] for r in self.read("read/export_edges")}
        node_frames = [
            pd.DataFrame({"node_id": [node_id(label, k) for k in keys.get(label, [])], "label": label,
                          "key": [str(k) for k in keys.get(label, [])]}, dtype=object)
            for label in NODE_KEYS
        ]
        nodes = pd.concat(node_frames, ignore_index=True).sort_values("node_id", ignore_index=True)
        frames = []
        for t in KNOWLEDGE_TYPES:
            rt = REL_TYPES[t]
            rows = rels.get(t, [])
            df = pd.DataFrame(
                {
                    "source": pd.Series([r[0] for r in rows], dtype=_key_dtype(rt.source)),
                    "target": pd.Series([r[1] for r in rows], dtype=_key_dtype(rt.target)),
                }
            )
            for i, col in enumerate(rt.identity, start=2):
                df[col] = pd.Series([r[i] for r in rows], dtype=object)
            df["sign"] = pd.Series([sign_of(r[2 + len(rt.identity)]) if t in SIGNED_PROPERTY else 0 for r in rows],
                                   dtype=np.int64)
            df = df.sort_values(["source", "target", *rt.identity], ignore_index=True)
            frames.append(
                pd.DataFrame(
                    {
                        "source": [node_id(rt.source, k) for k in df["source"]],
                        "target": [node_id(rt.target, k) for k in df["target"]],
                        "type": t,
                        "sign": df["sign"].to_numpy(),
                    }
                )
            )
        return nodes, pd.concat(frames, ignore_index=True)

    def count_edges(self, rel_type: str, where: dict) -> int:
        if rel_type == ASSOCIATED_WITH and set(where) == {"run_id"}:
            with self.errors("counting a run's associations"):
                return int(self.read("read/count_run_associations", run_id=to_plain(where["run_id"]))[0]["n"])
        return super().count_edges(rel_type, where)

    def record_load(self, load_key: str, graph_hash: str, counts: dict[str, int]) -> None:
        with self.errors("recording the load in the database"):
            params = {"load_key": load_key, "graph_hash": graph_hash, "counts": json.dumps(counts, sort_keys=True),
                      "kgexpr": kgexpr.__version__}
            self.runner.write("admin/record_load", params)

    def load_record(self, load_key: str) -> dict:
        """The database's record of ``load_key`` ({} when it holds none: wiped, or loaded elsewhere)."""
        with self.errors("reading the load record"):
            recs = self.read("read/load_record", load_key=load_key)
        if not recs:
            return {}
        r = recs[0]
        return {"graph_hash": r["graph_hash"], "counts": json.loads(r["counts"] or "{}"), "loaded_at": r["loaded_at"]}

    # ---- features written back onto their nodes ------------------------------------------------

    def write_node_vectors(self, prop: str, ids: list[str], vectors, record: dict) -> int:
        """Write each row of ``vectors`` as list property ``prop`` of node ``ids[i]`` ("Label:key"), in
        whole batches, then the (:KgexprFeatures) node describing it; returns the nodes written."""
        if not prop.isidentifier():
            raise KgexprError(f"node property name {prop!r}: letters, digits and _ only")
        eid = self.resolve_nodes(ids)
        rows = [{"eid": eid[n], "props": {prop: [float(x) for x in v]}} for n, v in zip(ids, vectors)]
        written = self._write_batches("writeback/set_node_properties", rows, f"writing node property {prop}")
        params = {"property": prop, "method": record["method"], "params": json.dumps(record["params"], sort_keys=True),
                  "features_key": record["features_key"], "graph_hash": record["graph_hash"], "nodes": written,
                  "kgexpr": kgexpr.__version__}
        with self.errors(f"recording node property {prop}"):
            self.runner.write("writeback/record_feature_property", params)
        return written

    def count_node_property(self, prop: str) -> int:
        with self.errors(f"counting nodes with property {prop}"):
            return int(self.read("read/count_node_property", property=prop)[0]["n"])

    # ---- what in-database feature computations need -----------------------------------------

    def resolve_nodes(self, ids: Iterable[str]) -> dict[str, str]:
        """Node ids ("Label:key") -> elementId; KeyError naming (up to 5) ids not in the graph."""
        ids = list(ids)
        wanted: dict[str, list] = {label: [] for label in NODE_KEYS}
        back: dict[tuple, str] = {}
        for nid in ids:
            label, _, key = str(nid).partition(":")
            if label not in NODE_KEYS:
                continue
            if label == "Gene":
                try:
                    if str(int(key)) != key:
                        continue
                    key = int(key)
                except ValueError:
                    continue
            wanted[label].append(key)
            back[(label, key)] = nid
        with self.errors("looking up nodes"):
            recs = self.read("read/resolve_nodes", **wanted)
        out = {back[(r["label"], r["key"])]: r["eid"] for r in recs}
        missing = [i for i in ids if i not in out]
        if missing:
            raise KeyError(f"nodes not in graph: {missing[:5]}")
        return out

    def gds(self):
        """The ``graphdatascience`` client on this store's connection, or None when the server lacks GDS.

        The server is asked once; a server with GDS but no client installed is an error (the
        user asked for the extra's features and would silently lose them otherwise).
        """
        if self._gds_present is None:
            with self.errors("checking for the Graph Data Science plugin"):
                try:
                    self.read("gds/version")
                    self._gds_present = True
                except _CLIENT:
                    self._gds_present = False
        if not self._gds_present:
            return None
        if self._gds is None:
            with self.errors("starting the Graph Data Science client"):
                try:
                    self._gds = self.runner.gds_client()
                except ImportError as e:
                    raise BackendError("GDS embeddings need the optional extra: pip install 'kgexpr[neo4j]'") from e
        return self._gds

    def projection(self, name: str, project):
        """The GDS graph ``name``: made by ``project()`` on first use, kept while this store is open."""
        if name not in self._projections:
            self._projections[name] = project()
        return self._projections[name]

    def _drop_projections(self) -> None:
        for name in list(self._projections):
            try:
                self._gds.graph.drop(name, fail_if_missing=False)
            except Exception as e:  # never hide the error that closes the store; a leftover projection is only memory
                warnings.warn(f"could not drop GDS graph {name}: {_first_line(e)}", stacklevel=2)
        self._projections.clear()

    # ---- whole-database operations --------------------------------------------------------------

    def flush(self) -> None:
        """Nothing to do: every write is committed when its call returns."""

    def clear(self) -> None:
        """Delete every node and relationship of the database (batched; constraints and indexes stay)."""
        with self.errors("emptying the database"), self.runner.session() as session:
            session.run("admin/delete_all", {})

    # ---- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        if self._projections and self._gds is not None and self._runner is not None:
            self._drop_projections()
        if self._runner is not None:
            self._runner.close()
            self._runner = None
        self._gds = None

    def __repr__(self) -> str:
        return f"Neo4jStore({self.uri!r}, user={self.user!r}, database={self.database!r})"
