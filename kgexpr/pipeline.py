"""The stages of a run, in the one direction data flows.

load (sources -> graph + expression) -> features (graph -> per-node features)
-> train (per-sample designs -> MTRS per model and split) -> evaluate (metrics,
stacking, statistics) -> explain (gene->gene associations, written back into the
graph) -> report. Each stage reads the previous stage's artifacts from the run
directory, writes its own with a manifest, and is skipped when already done with
the same inputs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kgexpr.errors import KgexprError
from kgexpr.progress import Progress, console
from kgexpr.rundir import RunDir, Stage, file_fingerprint, stable_hash
from kgexpr.settings import Settings

GRAPH_DIR = "graph"


# ---------------------------------------------------------------------------------- data


@dataclass
class DataChoice:
    root: Path
    demo: bool
    catalog: object


def resolve_data(s: Settings) -> DataChoice:
    """Real data from the data directory when it has what a run needs; else the labelled demo data."""
    from kgexpr.sources.catalog import DataCatalog, resolve_data_dir

    if not s.demo:
        root = resolve_data_dir(s.data_dir)
        if root is not None:
            catalog = DataCatalog(root)
            missing = catalog.missing_for_run()
            if not missing:
                return DataChoice(Path(root), catalog.is_demo, catalog)
            if s.data_dir is not None:
                raise KgexprError(f"data directory {root} lacks {', '.join(missing)} (use --demo for simulated data)")
        elif s.data_dir is not None:
            raise KgexprError(f"data directory {s.data_dir} does not exist")
        console.print(
            "[bold yellow]No real data directory found (--data-dir / KGEXPR_DATA / ../shared/data): "
            "using SIMULATED demo data. Results are not biology.[/]"
        )
    from kgexpr.demo import write_demo_data

    root = Path(s.out) / "demo-data"
    if not (root / "DEMO.txt").exists():
        write_demo_data(root, seed=s.seed)
    return DataChoice(root, True, DataCatalog(root))


def open_run_store(s: Settings, run: RunDir, *, fresh: bool = False):
    from kgexpr.graph import open_store

    if s.backend == "embedded":
        return open_store("embedded", path=None if fresh else run.stage_path("load") / GRAPH_DIR)
    return open_store(
        "neo4j",
        uri=s.neo4j_uri or os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"),
        user=s.neo4j_user or os.environ.get("NEO4J_USER", "neo4j"),
        password=os.environ.get("NEO4J_PASSWORD"),
        database=s.neo4j_database,
        batch_size=s.batch_size,
    )


def pick_expression(catalog, s: Settings) -> Path:
    if s.expression is not None:
        return Path(s.expression)
    files = catalog.expression_files
    if not files:
        raise KgexprError(f"no LINCS expression file (.gct/.gctx) in {catalog.data_dir}")
    return Path(files[0])


def pick_cell_line(samples: pd.DataFrame, wanted: str) -> str:
    """MCF7 (the paper's line) when it has compound samples, else the line with the most."""
    cp = samples[samples["pert_type"] == "trt_cp"]
    counts = cp["cell_id"].value_counts()
    if wanted != "auto":
        return wanted
    if counts.empty:
        raise KgexprError("the expression data has no compound (trt_cp) samples")
    if counts.get("MCF7", 0) >= 50:
        return "MCF7"
    return str(counts.index[0])


# ---------------------------------------------------------------------------------- load


def stage_load(s: Settings, run: RunDir) -> Stage:
    from kgexpr.graph.build import assemble, load_gene_ids, load_into
    from kgexpr.sources import lincs

    data = resolve_data(s)
    catalog = data.catalog
    expr_path = pick_expression(catalog, s)
    inputs = {"data_dir": str(data.root), "demo": data.demo, "expression": file_fingerprint(expr_path),
              "catalog": catalog.describe()}
    params = {"cell_line": s.cell_line, "mutation_cell_lines": s.mutation_cell_lines, "backend": s.backend,
              "neo4j_clear": s.neo4j_clear,
              "neo4j_uri": s.neo4j_uri if s.backend == "neo4j" else None}
    key = stable_hash([params, inputs])
    if (st := run.done("load", key)) is not None:
        return st
    with run.writing("load", key, params, inputs, seed=s.seed) as (tmp, info):
        with Progress("load") as prog:
            prog.step("reading expression", expr_path.name)
            profiles = lincs.to_profiles(lincs.read_expression(expr_path))
            cell = pick_cell_line(profiles.samples, s.cell_line)
            sel = lincs.select(profiles, cell)
            scaled, mins, maxs = lincs.scale_unit(sel.values)
            perts = sel.samples[["pert_id", "pert_iname"]].drop_duplicates("pert_id")
            descriptors = None
            if catalog.pert_info is not None:
                prog.step("perturbagen info", catalog.pert_info.name)
                pinfo = lincs.read_pert_info(catalog.pert_info)
                pinfo = pinfo[pinfo["pert_id"].isin(set(perts["pert_id"]))].drop_duplicates("pert_id")
                if "inchi_key" in pinfo.columns:
                    perts = perts.merge(pinfo[["pert_id", "inchi_key"]], on="pert_id", how="left")
                descriptors = drug_descriptors(pinfo)
            prog.step("gene ids")
            gene_ids = load_gene_ids(catalog)
            prog.step("knowledge graph", str(catalog.kgml_dir))
            expr_genes = sel.genes[["entrez_id", "symbol"]]
            kg = assemble(catalog, gene_ids, perts, expr_genes, s.mutation_cell_lines,
                          lincs_cell_ids=_lincs_cell_ids(catalog, profiles))
            prog.step("writing graph", s.backend)
            store = open_run_store(s, run, fresh=True)
            try:
                if s.backend == "neo4j" and s.neo4j_clear:
                    prog.step("emptying the Neo4j database (--neo4j-clear)")
                    store.clear()
                counts = load_into(store, kg)
                if s.backend == "neo4j" and counts.get("Gene", 0) > len(kg.genes):
                    console.print(
                        f"[yellow]load: the Neo4j database holds {counts['Gene']} genes, more than the "
                        f"{len(kg.genes)} just loaded: features will see those too (use --neo4j-clear).[/]"
                    )
                if s.backend == "embedded":
                    store.save(tmp / GRAPH_DIR)
            finally:
                store.close()
        sel.values.to_parquet(tmp / "expression_raw.parquet")
        scaled.to_parquet(tmp / "expression_scaled.parquet")
        pd.DataFrame({"min": mins, "max": maxs}).to_parquet(tmp / "expression_scale.parquet")
        sel.samples.to_parquet(tmp / "samples.parquet")
        sel.genes.to_parquet(tmp / "genes.parquet", index=False)
        kg.pert_to_drug.rename("drug_id").rename_axis("pert_id").reset_index().to_parquet(tmp / "pert_to_drug.parquet", index=False)
        if descriptors is not None:
            descriptors.to_parquet(tmp / "descriptors.parquet")
        summary = {
            "data_dir": str(data.root), "demo": data.demo, "expression": str(expr_path), "cell_line": cell,
            "samples": int(len(sel.samples)), "genes": int(sel.values.shape[1]),
            "perturbagens": int(sel.samples["pert_id"].nunique()), "counts": counts, "sources": kg.report,
        }
        (tmp / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
        info.update(summary)
    console.print(f"load: {summary['samples']} samples x {summary['genes']} genes ({cell}); graph {counts}")
    return run.finished("load")


# the LINCS L1000 core cell lines (profiled with most compounds)
LINCS_CORE_CELL_LINES = ("A375", "A549", "HA1E", "HCC515", "HEPG2", "HT29", "MCF7", "PC3", "VCAP")


def _lincs_cell_ids(catalog, profiles) -> list[str]:
    """Cell lines whose mutations become super-nodes: the LINCS core lines and those in the data."""
    return sorted(set(profiles.samples["cell_id"].astype(str)) | set(LINCS_CORE_CELL_LINES))


def drug_descriptors(pinfo: pd.DataFrame) -> pd.DataFrame:
    """Molecular weight and element counts from the molecular formula, per pert_id."""
    from kgexpr.sources.lincs import formula_descriptors

    rows = {}
    for _, r in pinfo.iterrows():
        d = {}
        try:
            d.update(formula_descriptors(r.get("molecular_formula")) if isinstance(r.get("molecular_formula"), str) and r.get("molecular_formula") else {})
        except ValueError:
            pass
        mw = pd.to_numeric(pd.Series([r.get("molecular_wt")]), errors="coerce").iloc[0]
        d["molecular_wt"] = mw
        rows[r["pert_id"]] = d
    out = pd.DataFrame.from_dict(rows, orient="index").astype(float)
    return out.rename_axis("pert_id")


# ---------------------------------------------------------------------------------- features


def stage_features(s: Settings, run: RunDir) -> Stage:
    from kgexpr.features import available_methods, compute_features, get_method, graph_hash

    load = run.require("load")
    for name in s.features:
        get_method(name)  # unknown names fail before any work
    store = open_run_store(s, run)
    try:
        view = store.graph_view()
        ghash = graph_hash(view)
        genes = pd.read_parquet(load.path / "genes.parquet")
        drugs = pd.read_parquet(load.path / "pert_to_drug.parquet")
        gene_nodes = [f"Gene:{int(g)}" for g in genes["entrez_id"]]
        drug_nodes = sorted({f"Drug:{d}" for d in drugs["drug_id"]})
        rows = drug_nodes + gene_nodes
        params = {"features": list(s.features), "seed": s.seed, "lpi_beta": s.lpi_beta, "backend": s.backend}
        key = stable_hash([params, ghash, load.key])
        if (st := run.done("features", key)) is not None:
            return st
        cache = run.root / "cache" / "features"
        cache.mkdir(parents=True, exist_ok=True)
        with run.writing("features", key, params, {"load": load.key, "graph_hash": ghash}, seed=s.seed) as (tmp, info):
            kinds, timings = {}, {}
            with Progress("features") as prog:
                for name in s.features:
                    method = get_method(name)
                    extra = {"beta": s.lpi_beta} if name == "lpi" else {}
                    ckey = stable_hash([ghash, name, extra, s.seed, s.backend, rows])
                    f = cache / f"{name}-{ckey}.parquet"
                    if f.exists():
                        prog.step(name, "cached")
                        table = pd.read_parquet(f)
                    else:
                        prog.step(name, method.description)
                        import time

                        t = time.time()
                        in_db = getattr(store, "compute_feature", None)
                        table = None
                        if in_db is not None:
                            table = in_db(name, rows, gene_nodes if method.kind == "similarity" else None, seed=s.seed, **extra)
                        if table is None:
                            table = compute_features(view, name, rows, gene_nodes if method.kind == "similarity" else None,
                                                     seed=s.seed, **extra)
                        timings[name] = round(time.time() - t, 3)
                        table.columns = [str(c) for c in table.columns]
                        table.to_parquet(f)
                    table.to_parquet(tmp / f"{name}.parquet")
                    kinds[name] = method.kind
            degree = np.asarray(view.adjacency.sum(axis=1)).ravel()
            connected = pd.DataFrame({"node_id": view.nodes, "label": view.labels, "degree": degree.astype(int)})
            connected.to_parquet(tmp / "nodes.parquet", index=False)
            (tmp / "kinds.json").write_text(json.dumps(kinds, indent=1))
            info.update({"graph_hash": ghash, "nodes": int(view.adjacency.shape[0]),
                         "edges": int(view.adjacency.nnz // 2), "seconds_per_method": timings})
    finally:
        store.close()
    return run.finished("features")


# ---------------------------------------------------------------------------------- train


def select_genes(genes: pd.DataFrame, n: int, seed: int, include: tuple[str, ...] = ()) -> pd.DataFrame:
    """The paper picks its target genes at random: a seeded choice, kept in data order.

    Genes named in ``include`` (symbols or Entrez ids, e.g. the paper's example TP53) are
    always modelled when the data has them; the rest of the ``n`` are drawn at random.
    """
    if n <= 0 or n >= len(genes):
        return genes.reset_index(drop=True)
    wanted = {str(x).upper() for x in include}
    forced = genes["symbol"].astype(str).str.upper().isin(wanted) | genes["entrez_id"].astype(str).isin(wanted)
    forced_idx = np.flatnonzero(forced.to_numpy())[:n]
    rest = np.setdiff1d(np.arange(len(genes)), forced_idx)
    drawn = np.random.default_rng(seed).choice(rest, size=n - len(forced_idx), replace=False)
    idx = np.sort(np.concatenate([forced_idx, drawn]))
    return genes.iloc[idx].reset_index(drop=True)


def split_indices(samples: pd.DataFrame, kind: str, test_size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import GroupShuffleSplit, ShuffleSplit

    n = len(samples)
    if kind == "random":
        tr, te = next(ShuffleSplit(n_splits=1, test_size=test_size, random_state=seed).split(np.zeros(n)))
    elif kind == "drug":
        groups = samples["pert_id"].to_numpy()
        if len(set(groups)) < 2:
            raise KgexprError("a drug split needs at least two perturbagens")
        tr, te = next(GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed).split(np.zeros(n), groups=groups))
    else:
        raise KgexprError(f"unknown split {kind!r}; choose 'random' or 'drug'")
    return np.sort(tr), np.sort(te)


def build_designs(s: Settings, load: Stage, feats: Stage, target_genes: pd.DataFrame):
    """The baseline design and one design per feature set, for all samples."""
    from kgexpr.features.design import Design, drug_nodes, graph_design, standard_features

    samples = pd.read_parquet(load.path / "samples.parquet")
    desc_file = load.path / "descriptors.parquet"
    descriptors = pd.read_parquet(desc_file) if desc_file.exists() else None
    X_std = standard_features(samples, descriptors)
    designs = {"baseline": Design(X=X_std, X_target=None, target_names=[])}
    p2d = pd.read_parquet(load.path / "pert_to_drug.parquet").set_index("pert_id")["drug_id"]
    nodes = drug_nodes(samples, p2d)
    kinds = json.loads((feats.path / "kinds.json").read_text())
    node_table = pd.read_parquet(feats.path / "nodes.parquet")
    connected = set(node_table.loc[node_table["degree"] > 0, "node_id"])
    gene_nodes = [f"Gene:{int(g)}" for g in target_genes["entrez_id"]]
    for name in s.features:
        table = pd.read_parquet(feats.path / f"{name}.parquet")
        designs[name] = graph_design(X_std, nodes, gene_nodes, kinds[name], table, connected, name)
    return samples, designs


def make_learner(s: Settings):
    from kgexpr.learn.learners import get_learner

    return get_learner(s.learner)


def stage_train(s: Settings, run: RunDir) -> Stage:
    from kgexpr.learn.checkpoint import NpzBlockStore
    from kgexpr.learn.engine import StageInputs, run_stages

    load, feats = run.require("load"), run.require("features")
    learner = make_learner(s)
    params = {k: getattr(s, k) for k in ("n_genes", "include_genes", "n_trees", "features", "splits", "test_size", "learner", "seed")}
    per_model = s.genes_per_model or learner.targets_per_model
    params["targets_per_model"] = per_model
    key = stable_hash([params, load.key, feats.key])
    if (st := run.done("train", key)) is not None:
        return st
    partial = run.root / "train.partial" / key  # survives interrupts: finished gene blocks are not redone
    partial.mkdir(parents=True, exist_ok=True)
    genes_all = pd.read_parquet(load.path / "genes.parquet")
    target_genes = select_genes(genes_all, s.n_genes, s.seed, s.include_genes)
    Y_all = pd.read_parquet(load.path / "expression_scaled.parquet")[target_genes["entrez_id"].to_numpy()]
    samples, designs = build_designs(s, load, feats, target_genes)
    models = list(designs)
    estimator = learner.build(s.n_trees, s.seed)
    backend_ctx = _dask_context(s.dask)
    m = len(target_genes)
    console.print(
        f"train: {m} genes x {len(models)} models x {len(s.splits)} splits, two MTRS stages; "
        f"{s.learner} ({learner.description}), {per_model} gene(s) per model, {s.n_trees} trees; "
        f"{len(samples)} samples"
    )
    kept = len(list(partial.glob("*.npz"))) + len(list((partial / "blocks").glob("*.npz")))
    if kept:
        console.print(f"train: resuming an interrupted run ({kept} finished parts kept in {partial})")
    import time

    t_fit = time.time()
    Y = Y_all.to_numpy(np.float64)
    with backend_ctx, bar_over(len(s.splits) * len(models) * m * 2, "train (gene fits)") as advance:
        for split in s.splits:
            tr, te = split_indices(samples, split, s.test_size, s.seed)
            todo = []
            for name in models:
                if (partial / f"{split}__{name}.npz").exists():
                    advance(2 * m)
                else:
                    todo.append(name)
            if not todo:
                continue
            stores = {name: NpzBlockStore(partial / "blocks", f"{split}__{name}") for name in todo}
            inputs = {}
            for name in todo:
                d = designs[name]
                X, Xt = d.X.to_numpy(np.float64), d.X_target
                inputs[name] = StageInputs(X[tr], Y[tr], X[te], None if Xt is None else Xt[tr],
                                           None if Xt is None else Xt[te], store=stores[name])
            common = dict(random_state=s.seed, n_jobs=s.n_jobs, targets_per_model=per_model,
                          on_block_done=lambda name, genes, r: advance(len(genes)))
            # stage 1 of every model, then stage 2 on its out-of-bag predictions
            s1 = run_stages(estimator, inputs, stage=1, importances="none", **common)
            for name, p in inputs.items():
                p.extra, p.extra_eval = s1[name].held_out, s1[name].predictions
            s2 = run_stages(estimator, inputs, stage=2, importances="extra", **common)
            for name in todo:
                imp = np.vstack([i if i is not None else np.full(m, np.nan) for i in s2[name].importances])
                out = partial / f"{split}__{name}.npz"
                tmp = out.with_suffix(".tmp.npz")
                np.savez_compressed(
                    tmp, genes=target_genes["entrez_id"].to_numpy(), train_index=tr, test_index=te,
                    y_train=Y[tr], y_test=Y[te], stage1_test=s1[name].predictions, stage2_test=s2[name].predictions,
                    stage1_oob=s1[name].held_out, stage2_oob=s2[name].held_out, importances=imp,
                    n_features=np.array([designs[name].X.shape[1]]),
                )
                os.replace(tmp, out)
                stores[name].clear()
    with run.writing("train", key, params, {"load": load.key, "features": feats.key}, seed=s.seed) as (tmp, info):
        for f in sorted(partial.glob("*.npz")):
            (tmp / f.name).write_bytes(f.read_bytes())
        target_genes.to_parquet(tmp / "target_genes.parquet", index=False)
        info.update({"genes": m, "models": models, "splits": list(s.splits), "samples": int(len(samples)),
                     "learner": s.learner, "targets_per_model": per_model,
                     "fit_seconds_this_session": round(time.time() - t_fit, 1)})
    import shutil

    shutil.rmtree(partial, ignore_errors=True)
    return run.finished("train")


def bar_over(total: int, description: str):
    from kgexpr.progress import bar

    return bar(description, total)


def _dask_context(address: str | None):
    """joblib's Dask backend on the scheduler at ``address``: gene blocks run on its workers."""
    from contextlib import ExitStack, nullcontext

    if not address:
        return nullcontext()
    try:
        from dask.distributed import Client
        from joblib import parallel_config
    except ImportError as e:  # pragma: no cover - optional extra
        raise KgexprError("--dask needs the optional extra: pip install 'kgexpr[dask]'") from e
    stack = ExitStack()
    try:
        client = stack.enter_context(Client(address, timeout="10s"))
    except (OSError, TimeoutError) as e:
        raise KgexprError(f"cannot reach the Dask scheduler at {address}: {e}") from None
    n = len(client.scheduler_info().get("workers", {}))
    console.print(f"train: sending gene blocks to the Dask scheduler at {address} ({n} workers)")
    stack.enter_context(parallel_config(backend="dask"))
    return stack


# ---------------------------------------------------------------------------------- evaluate


def _load_results(train: Stage) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for f in sorted(train.path.glob("*.npz")):
        split, model = f.stem.split("__", 1)
        with np.load(f) as z:
            out.setdefault(split, {})[model] = {k: z[k] for k in z.files}
    return out


def stage_evaluate(s: Settings, run: RunDir) -> Stage:
    from kgexpr import evaluate as ev

    train = run.require("train")
    key = stable_hash([train.key, "evaluate-1"])
    if (st := run.done("evaluate", key)) is not None:
        return st
    results = _load_results(train)
    genes = pd.read_parquet(train.path / "target_genes.parquet")
    symbol = dict(zip(genes["entrez_id"], genes["symbol"]))
    with run.writing("evaluate", key, {}, {"train": train.key}, seed=s.seed) as (tmp, info):
        rows, pair_frames, win_frames, weight_frames = [], [], [], []
        ordered = [x for x in ("random", "drug") if x in results] + [x for x in results if x not in ("random", "drug")]
        for split in ordered:
            models = results[split]
            first = next(iter(models.values()))
            y_test, y_train, gene_ids = first["y_test"], first["y_train"], first["genes"]
            graph_models = [m for m in models if m != ev.BASELINE]
            final = {m: r["stage2_test"] for m, r in models.items()}
            if graph_models:
                final[ev.STACKING] = ev.stack_mean([models[m]["stage2_test"] for m in graph_models])
                W = ev.stack_weights([models[m]["stage2_oob"] for m in graph_models], y_train)
                final[ev.STACKING_WEIGHTED] = ev.stack_weighted([models[m]["stage2_test"] for m in graph_models], W)
                wf = pd.DataFrame(W.T, columns=graph_models)
                wf.insert(0, "entrez_id", gene_ids)
                wf.insert(0, "split", split)
                weight_frames.append(wf)
            for m, pred in final.items():
                scored = [("final", pred)] + ([("stage1", models[m]["stage1_test"])] if m in models else [])
                for stage_name, p in scored:
                    r2 = ev.r2_per_gene(y_test, p)
                    pr = ev.pearson_per_gene(y_test, p)
                    rows.append(pd.DataFrame({"split": split, "model": m, "stage": stage_name, "entrez_id": gene_ids,
                                              "symbol": [symbol.get(g, "") for g in gene_ids], "r2": r2, "pearson": pr}))
        metrics = pd.concat(rows, ignore_index=True)
        metrics.to_parquet(tmp / "metrics.parquet", index=False)
        metrics.to_csv(tmp / "metrics.csv", index=False)
        summary = {}
        for split, df in metrics[metrics["stage"] == "final"].groupby("split", sort=False):
            wide = df.pivot(index="entrez_id", columns="model", values="r2")
            order = [m for m in [ev.BASELINE, *s.features, ev.STACKING, ev.STACKING_WEIGHTED] if m in wide.columns]
            wide = wide[order]
            wins = ev.win_counts(wide).rename("wins").rename_axis("model").reset_index().assign(split=split)
            win_frames.append(wins)
            pairs = ev.pairwise_vs(wide).assign(split=split)
            pair_frames.append(pairs)
            summary[split] = {
                "median_r2": wide.median().round(4).to_dict(),
                "wins": dict(zip(wins["model"], wins["wins"].astype(int))),
                "vs_baseline": pairs.set_index("model")[["wins", "losses", "wilcoxon_p"]].to_dict(orient="index"),
            }
        pd.concat(win_frames).to_csv(tmp / "wins.csv", index=False)
        pd.concat(pair_frames).to_csv(tmp / "pairwise_vs_baseline.csv", index=False)
        if weight_frames:
            pd.concat(weight_frames).to_csv(tmp / "stacking_weights.csv", index=False)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=1, default=float))
        info["summary"] = summary
    return run.finished("evaluate")


# ---------------------------------------------------------------------------------- explain


def stage_explain(s: Settings, run: RunDir) -> Stage:
    """Gene->gene associations from stage-2 importances (random split), written back as edges."""
    from kgexpr import evaluate as ev

    train = run.require("train")
    run_id = run.root.resolve().name
    key = stable_hash([train.key, s.top_k, run_id, s.backend, s.neo4j_uri, "explain-1"])
    if (st := run.done("explain", key)) is not None:
        return st
    results = _load_results(train)
    split = "random" if "random" in results else next(iter(results))
    frames = []
    for model, r in results[split].items():
        a = ev.top_associations(r["importances"], r["genes"], s.top_k)
        frames.append(a.assign(feature_set=model))
    assoc = pd.concat(frames, ignore_index=True)
    genes = pd.read_parquet(train.path / "target_genes.parquet")
    symbol = dict(zip(genes["entrez_id"], genes["symbol"]))
    with run.writing("explain", key, {"top_k": s.top_k, "split": split}, {"train": train.key}, seed=s.seed) as (tmp, info):
        out = assoc.assign(source_symbol=assoc["source"].map(symbol), target_symbol=assoc["target"].map(symbol))
        out.to_parquet(tmp / "associations.parquet", index=False)
        out.to_csv(tmp / "associations.csv", index=False)
        store = open_run_store(s, run)
        try:
            written = store.replace_edges("ASSOCIATED_WITH", assoc, where={"run_id": run_id})
            if s.backend == "embedded":
                store.save()
            n_edges = len(store.edges("ASSOCIATED_WITH"))
        finally:
            store.close()
        info.update({"run_id": run_id, "written": int(written), "associated_with_edges": int(n_edges), "split": split})
    console.print(f"explain: wrote {written} ASSOCIATED_WITH edges (run_id={run_id}) into the {s.backend} graph")
    return run.finished("explain")
