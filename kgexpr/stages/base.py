"""What a stage is, how its key is built, and how it runs.

A stage declares its name, the stages it reads, its code version, the settings
sections it reads (:mod:`kgexpr.settings`; each section's key is fully resolved, e.g.
feature-method parameters after defaults and the learner's ``get_params(deep=True)``),
the code constants its numbers follow, and whether it touches the graph backend. Its
key is built here and nowhere else, from all of that plus the seed, the keys of the
stages it reads, the resolved backend address and kgexpr's version, so no setting can
change a result without changing the key. ``prepare`` may add
facts only known at run time (input file fingerprints, the graph's hash); ``run``
reads and writes only :mod:`kgexpr.artifacts`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import kgexpr
from kgexpr.artifacts import Artifact
from kgexpr.errors import BackendUnreachable
from kgexpr.progress import console
from kgexpr.rundir import RunDir, Stage, stable_hash
from kgexpr.settings import Settings, neo4j_password


@dataclass(frozen=True)
class StageSpec:
    name: str
    needs: tuple[str, ...]
    version: int  # bump when the stage's numbers change for the same inputs
    sections: tuple[str, ...]  # the settings sections it reads (Settings.SECTIONS)
    run: Callable[["StageContext"], None]
    code: Callable[[], dict] | None = None  # constants of the code its numbers follow, beside its version
    uses_backend: bool = False
    prepare: Callable[["StageContext"], dict] | None = None
    finish: Callable[["StageContext"], None] | None = None  # after the stage folder is in place
    # why a finished stage with the same key must run again (what it wrote outside the run directory is
    # gone, e.g. from the database), or None when it still holds
    still_valid: Callable[["StageContext", Stage], str | None] | None = None
    description: str = ""


@dataclass
class StageContext:
    """What a running stage sees: its settings, the stages it reads, and where to write."""

    spec: StageSpec
    settings: Settings
    run: RunDir
    needs: dict[str, Stage]
    key: str | None = None
    out: Path | None = None  # the temporary stage folder while ``run`` writes
    info: dict = field(default_factory=dict)  # goes into the manifest
    state: dict = field(default_factory=dict)  # handed from ``prepare`` to ``run``
    _store: object = None

    def read(self, artifact: Artifact):
        return artifact.read(self.folder_of(artifact))

    def read_if_exists(self, artifact: Artifact, default=None):
        return artifact.read_if_exists(self.folder_of(artifact), default)

    def folder_of(self, artifact: Artifact) -> Path:
        if artifact.stage == self.spec.name:
            return self.out
        if artifact.stage not in self.needs:
            raise RuntimeError(f"stage {self.spec.name} reads {artifact.filename} of {artifact.stage}, which it does not declare")
        return self.needs[artifact.stage].path

    def write(self, artifact: Artifact, obj) -> Path:
        if artifact.stage != self.spec.name:
            raise RuntimeError(f"stage {self.spec.name} may not write {artifact.stage}/{artifact.filename}")
        return artifact.write(self.out, obj)

    def store(self, embedded_path: Path | None = None):
        """The graph store of this run, opened once (the embedded one lives in the load stage's folder)."""
        if self._store is None:
            from kgexpr.artifacts import GRAPH, LOAD

            if embedded_path is None and self.settings.backend.kind == "embedded":
                embedded_path = GRAPH.path(self.needs[LOAD].path)
            self._store = open_graph_store(self.settings, embedded_path)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def open_graph_store(s: Settings, embedded_path: Path | None):
    """The store the settings name (:func:`kgexpr.graph.open_store` picks the backend)."""
    from kgexpr.graph import open_store

    return open_store(s.backend.key(), path=embedded_path, password=neo4j_password(), batch_size=s.backend.batch_size)


def stage_params(spec: StageSpec, s: Settings) -> dict:
    """The settings a stage's result depends on: the seed and the key of every section it declares."""
    params = {"seed": s.seed, **{name: s.section(name).key() for name in spec.sections}}
    if spec.code is not None:
        params["code"] = spec.code()
    return params


def key_parts(spec: StageSpec, s: Settings, needs: dict[str, Stage], inputs: dict) -> dict:
    """Everything a stage's result depends on, as it enters the key and the manifest."""
    return {
        "stage": spec.name,
        "code_version": spec.version,
        "kgexpr": kgexpr.__version__,
        "params": stage_params(spec, s),
        "inputs": inputs,
        "needs": {name: needs[name].key for name in spec.needs},
        "backend": s.backend.key() if spec.uses_backend else None,
    }


def entry_key(spec: StageSpec, parts: dict) -> str:
    """The key of one reusable piece of a stage's work kept across runs (a feature table in the run root's
    cache): built as a stage's key is, from the stage, its code version, kgexpr's version and what the piece
    depends on."""
    return stable_hash({"stage": spec.name, "code_version": spec.version, "kgexpr": kgexpr.__version__,
                        "entry": parts})


def reusable_offline(spec: StageSpec, s: Settings, run: RunDir, needs: dict[str, Stage]) -> Stage | None:
    """The finished stage when the graph server is down and everything but the graph agrees with it.

    A fully cached run then still reports (train, evaluate and deploy read local files only); what
    the graph holds cannot be checked, and the caller says so.
    """
    m = run.manifest(spec.name)
    if m is None:
        return None
    now = key_parts(spec, s, needs, {})
    same = all(json.loads(json.dumps(now[k], default=str)) == m.get(k)
               for k in ("code_version", "kgexpr", "params", "needs", "backend"))
    if not same:
        return None
    done = Stage(spec.name, run.stage_path(spec.name), m, reused=True)
    return None if run.broken(done) else done


def execute(spec: StageSpec, s: Settings, run: RunDir) -> Stage:
    """Run one stage whose needs are done, or reuse it when its key is unchanged."""
    needs = {name: run.require(name) for name in spec.needs}
    ctx = StageContext(spec, s, run, needs)
    try:
        try:
            inputs = spec.prepare(ctx) if spec.prepare is not None else {}
        except BackendUnreachable as e:  # the key needs the graph: reuse what agrees with everything else
            if (done := reusable_offline(spec, s, run, needs)) is None:
                raise
            console.print(f"[yellow]{spec.name}: reused ({done.path}) without checking the graph: {e}[/]")
            return done
        parts = key_parts(spec, s, needs, inputs)
        ctx.key = stable_hash(parts)
        done = run.done(spec.name, ctx.key)
        why = run.broken(done) if done is not None else None
        if done is not None and why is None and spec.still_valid is not None:
            try:
                why = spec.still_valid(ctx, done)
            except BackendUnreachable as e:
                console.print(f"[yellow]{spec.name}: reused ({done.path}) without checking the graph: {e}[/]")
                return done
        if done is not None and why is None:
            console.print(f"{spec.name}: reused ({done.path})")
            return done
        if done is not None:
            console.print(f"[yellow]{spec.name}: running again: {why}[/]")
        with run.writing(spec.name, ctx.key, parts, seed=s.seed) as (tmp, info):
            ctx.out, ctx.info = tmp, info
            spec.run(ctx)
        ctx.out = None
        if spec.finish is not None:
            spec.finish(ctx)
    finally:
        ctx.close()
    return run.finished(spec.name)
