"""features: graph -> one feature table per method (in the database where a backend can, else Python)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from kgexpr import artifacts as A
from kgexpr.atomic import atomic_file
from kgexpr.errors import DamagedFile, KgexprError, reading
from kgexpr.graph.schema import node_id
from kgexpr.graph.store import VectorWriter
from kgexpr.progress import Progress, console
from kgexpr.settings import Settings
from kgexpr.stages.base import StageContext, StageSpec, entry_key


def code_constants() -> dict:
    from kgexpr.features import FEATURES_VERSION

    return {"features_version": FEATURES_VERSION}


def prepare(ctx: StageContext) -> dict:
    """The graph as the store holds it now, hashed: features follow the graph, not only the load."""
    from kgexpr.features import graph_hash

    view = ctx.store().graph_view()
    ctx.state["view"] = view
    ctx.state["graph_hash"] = graph_hash(view)
    return {"graph_hash": ctx.state["graph_hash"]}


def _rows(ctx: StageContext) -> tuple[list[str], list[str]]:
    """Rows every table needs: the perturbagens' drug nodes, then the expression genes (the similarity panel)."""
    genes = ctx.read(A.GENES)
    drugs = ctx.read(A.PERT_TO_DRUG)
    gene_nodes = [node_id("Gene", int(g)) for g in genes["entrez_id"]]
    drug_nodes = sorted({node_id("Drug", d) for d in drugs["drug_id"]})
    return drug_nodes + gene_nodes, gene_nodes


def run(ctx: StageContext) -> None:
    from kgexpr.features import compute_on, get_method, table_parts
    from kgexpr.features.dispatch import engine_for

    s = ctx.settings
    view, ghash = ctx.state["view"], ctx.state["graph_hash"]
    store = ctx.store()
    if s.features.write and not isinstance(store, VectorWriter):
        raise KgexprError(f"--write-features: the {s.backend.kind} store cannot write node properties")
    rows, gene_nodes = _rows(ctx)
    kinds, timings, engines, written = {}, {}, {}, {}
    with Progress(A.FEATURES) as prog:
        for name, method_params in s.features.resolved_methods().items():
            method = get_method(name)
            panel = gene_nodes if method.kind == "similarity" else None
            engine = engine_for(name, store)
            ckey = entry_key(STAGE, table_parts(ghash, name, {**method_params, "seed": s.seed, "backend": s.backend.kind,
                                                               "engine": engine}, rows, panel))
            table_file, engine_file = A.feature_cache_entry(ctx.run.root, name, ckey)
            table_file.parent.mkdir(parents=True, exist_ok=True)
            table = _cached(table_file)
            if table is not None:
                prog.step(name, "cached")
                engines[name] = engine_file.read_text().strip() if engine_file.exists() else "unknown"
            else:
                prog.step(name, method.description)
                t = time.time()
                result = compute_on(name, rows, panel, view=view, store=store, seed=s.seed, params=method_params)
                timings[name] = round(time.time() - t, 3)
                if result.note:
                    console.print(f"[yellow]features: {result.note}[/]")
                table = result.table
                table.columns = [str(c) for c in table.columns]
                engines[name] = result.engine
                engine_file.write_text(result.engine + "\n")
                with atomic_file(table_file) as tmp:  # a table in the cache is always whole
                    table.to_parquet(tmp)
            ctx.write(A.feature_table(name), table)
            kinds[name] = method.kind
            if s.features.write and method.kind == "embedding":
                prop = f"{name}_{ckey[:8]}"
                prog.step(f"{name} -> node property {prop}")
                written[prop] = store.write_node_vectors(
                    prop, list(table.index), table.to_numpy(),
                    {"method": name, "params": method_params, "features_key": ckey, "graph_hash": ghash})
    degree = np.asarray(view.adjacency.sum(axis=1)).ravel()
    ctx.write(A.FEATURE_NODES, pd.DataFrame({"node_id": view.nodes, "label": view.labels, "degree": degree.astype(int)}))
    ctx.write(A.FEATURE_KINDS, kinds)
    ctx.info.update({"graph_hash": ghash, "nodes": int(view.adjacency.shape[0]),
                     "edges": int(view.adjacency.nnz // 2), "seconds_per_method": timings, "engines": engines,
                     "node_properties": written})
    if written:
        console.print("features: written as node properties: " + ", ".join(f"{p} ({n} nodes)" for p, n in written.items()))


def _cached(table_file) -> pd.DataFrame | None:
    """A cached feature table, or None when there is none or it no longer reads (then it is computed again)."""
    if not table_file.exists():
        return None
    try:
        with reading(table_file):
            return pd.read_parquet(table_file)
    except DamagedFile as e:
        console.print(f"[yellow]features: {e.path} is damaged; computing it again[/]")
        return None


def still_valid(ctx: StageContext, done) -> str | None:
    """Node properties this stage wrote must still be on their nodes."""
    written = done.manifest.get("info", {}).get("node_properties") or {}
    if ctx.settings.features.write and not written:
        return "--write-features: writing the embeddings as node properties"
    if not written:
        return None
    store = ctx.store()
    if not isinstance(store, VectorWriter):
        return f"the {ctx.settings.backend.kind} store cannot count the node properties this stage wrote"
    for prop, n in written.items():
        have = store.count_node_property(prop)
        if have != n:
            return f"{have} of the {n} nodes still carry the node property {prop}"
    return None


STAGE = StageSpec(
    name=A.FEATURES, needs=(A.LOAD,), version=1, sections=("features",), code=code_constants, prepare=prepare, run=run, uses_backend=True,
    still_valid=still_valid,
    description="graph features per node (cn, lpi, entropy, laplacian, lle, deepwalk, node2vec, fastrp)",
)
