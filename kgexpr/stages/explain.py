"""explain: stage-2 importances -> gene->gene associations, written back into the graph as edges."""

from __future__ import annotations

import pandas as pd

from kgexpr import artifacts as A
from kgexpr.errors import KgexprError
from kgexpr.graph.schema import ASSOCIATED_WITH
from kgexpr.progress import console
from kgexpr.settings import Settings
from kgexpr.stages.base import StageContext, StageSpec

LEARNED_EDGE = ASSOCIATED_WITH  # the type is defined once, in the graph schema


def run_id(s: Settings, train_key: str) -> str:
    """The id a run's edges carry in the graph: ``--run-id``, else the run directory's name plus a short
    hash of the training key, so two experiments (``A/exp``, ``B/exp``, or one directory re-run with
    other settings) never replace each other's edges."""
    return s.explain.run_id or f"{s.out.resolve().name}-{train_key[:8]}"


def prepare(ctx: StageContext) -> dict:
    """The id the edges will carry (it names this run's edges in the graph, so it is part of the result)."""
    return {"run_id": run_id(ctx.settings, ctx.needs[A.TRAIN].key)}


def run(ctx: StageContext) -> None:
    from kgexpr.evaluate import top_associations
    from kgexpr.features.design import is_control

    s = ctx.settings
    results = A.train_results(ctx.needs[A.TRAIN].path)
    split = "random" if "random" in results else next(iter(results))
    frames = [top_associations(r.importances, r.genes, s.explain.top_k).assign(feature_set=model)
              for model, r in results[split].items()
              if r.importances.shape[1] and not is_control(model)]  # comparators and controls: no associations
    assoc = pd.concat(frames, ignore_index=True)
    genes = ctx.read(A.TARGET_GENES)
    symbol = dict(zip(genes["entrez_id"], genes["symbol"]))
    out = assoc.assign(source_symbol=assoc["source"].map(symbol), target_symbol=assoc["target"].map(symbol))
    ctx.write(A.ASSOCIATIONS, out)
    ctx.write(A.ASSOCIATIONS_CSV, A.labelled(out, bool(ctx.read_if_exists(A.LOAD_SUMMARY, {}).get("demo"))))
    rid = run_id(s, ctx.needs[A.TRAIN].key)
    store = ctx.store()
    merged = store.replace_edges(LEARNED_EDGE, assoc, where={"run_id": rid})
    store.flush()
    written = store.count_edges(LEARNED_EDGE, {"run_id": rid})  # read back: what the graph holds, not what was sent
    if written != merged:
        raise KgexprError(f"explain: sent {merged} {LEARNED_EDGE} edges (run_id={rid}) but the {s.backend.kind} graph "
                          f"holds {written}; re-run to write them again")
    n_edges = len(store.edges(LEARNED_EDGE))
    ctx.info.update({"run_id": rid, "written": int(written), "associated_with_edges": int(n_edges), "split": split,
                     "top_k": s.explain.top_k})
    console.print(f"explain: the {s.backend.kind} graph holds {written} {LEARNED_EDGE} edges of run_id={rid} (read back)")
    if assoc.empty:
        console.print("explain: no gene->gene associations: no stage-2 model gained from another gene's prediction "
                      "(too few training rows for its splits?)")


def still_valid(ctx: StageContext, done) -> str | None:
    """The run's edges must still be in the graph (a wipe or another load may have removed them)."""
    info = done.manifest.get("info", {})
    rid, want = info.get("run_id"), info.get("written")
    have = ctx.store().count_edges(LEARNED_EDGE, {"run_id": rid})
    if have != want:
        return f"the graph holds {have} of the {want} {LEARNED_EDGE} edges this run wrote (run_id={rid})"
    return None


STAGE = StageSpec(
    name=A.EXPLAIN, needs=(A.LOAD, A.TRAIN), version=1, sections=("explain",), prepare=prepare, run=run, uses_backend=True,
    still_valid=still_valid,
    description="learned gene->gene associations, written back to the graph",
)
