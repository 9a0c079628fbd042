"""train: per-sample designs -> the two-stage MTRS protocol for the baseline and every feature set, per split."""

from __future__ import annotations

import shutil
import time

import numpy as np

from kgexpr import artifacts as A
from kgexpr.progress import bar, console
from kgexpr.settings import Settings
from kgexpr.stages.base import StageContext, StageSpec


def learner_setup(s: Settings):
    """(estimator, genes per model): the learner with every hyper-parameter set, as the key records it."""
    from kgexpr.learn.learners import build_learner, get_learner

    est = build_learner(s.learner, s.n_trees, s.seed, s.learner_params)
    return est, s.genes_per_model or get_learner(s.learner).targets_per_model


def params(s: Settings) -> dict:
    est, per_model = learner_setup(s)
    return {
        "n_genes": s.n_genes, "include_genes": list(s.include_genes), "features": list(s.features),
        "splits": list(s.splits), "test_size": s.test_size, "seed": s.seed, "learner": s.learner,
        "learner_params": est.get_params(deep=True), "targets_per_model": per_model,
    }


def designs_for(ctx: StageContext, target_genes):
    """Samples and the designs (baseline + one per feature set) from the load and features artifacts."""
    from kgexpr.features.design import build_designs

    samples = ctx.read(A.SAMPLES)
    kinds = ctx.read(A.FEATURE_KINDS)
    tables = {name: (kinds[name], ctx.read(A.feature_table(name))) for name in ctx.settings.features}
    designs = build_designs(
        samples, ctx.read_if_exists(A.DESCRIPTORS), ctx.read(A.PERT_TO_DRUG).set_index("pert_id")["drug_id"],
        ctx.read(A.FEATURE_NODES), tables, target_genes["entrez_id"],
    )
    return samples, designs


def run(ctx: StageContext) -> None:
    from kgexpr.learn.checkpoint import NpzBlockStore
    from kgexpr.learn.engine import StageInputs, fit_two_stages
    from kgexpr.learn.learners import learner_description
    from kgexpr.learn.parallel import dask_backend
    from kgexpr.learn.splits import split_indices
    from kgexpr.learn.targets import select_genes

    s = ctx.settings
    estimator, per_model = learner_setup(s)
    target_genes = select_genes(ctx.read(A.GENES), s.n_genes, s.seed, s.include_genes,
                                strict=s.include_genes != Settings.default("include_genes"))
    Y = ctx.read(A.EXPRESSION_SCALED)[target_genes["entrez_id"].to_numpy()].to_numpy(np.float64)
    samples, designs = designs_for(ctx, target_genes)
    models = list(designs)
    m = len(target_genes)
    console.print(
        f"train: {m} genes x {len(models)} models x {len(s.splits)} splits, two MTRS stages; "
        f"{s.learner} ({learner_description(s.learner, estimator.get_params())}), {per_model} gene(s) per model, "
        f"{s.n_trees} trees; {len(samples)} samples"
    )
    partial = ctx.run.partial(A.TRAIN, ctx.key)  # survives interrupts: finished gene blocks are not redone
    kept = len(list(partial.glob("*.npz"))) + len(list((partial / "blocks").glob("*.npz")))
    if kept:
        console.print(f"train: resuming an interrupted run ({kept} finished parts kept in {partial})")
    t_fit = time.time()
    with dask_backend(s.dask), bar("train (gene fits)", len(s.splits) * len(models) * m * 2) as advance:
        for split in s.splits:
            tr, te = split_indices(samples, split, s.test_size, s.seed)
            todo = []
            for name in models:
                if A.train_result(split, name).exists(partial):
                    advance(2 * m)
                else:
                    todo.append(name)
            if not todo:
                continue
            stores = {name: NpzBlockStore(partial / "blocks", f"{split}__{name}") for name in todo}
            problems = {}
            for name in todo:
                X, Xt = designs[name].X.to_numpy(np.float64), designs[name].X_target
                problems[name] = StageInputs(X[tr], Y[tr], X[te], None if Xt is None else Xt[tr],
                                             None if Xt is None else Xt[te], store=stores[name])
            fitted = fit_two_stages(estimator, problems, random_state=s.seed, n_jobs=s.n_jobs,
                                    targets_per_model=per_model, stage2_importances="extra",
                                    on_block_done=lambda name, genes, r: advance(len(genes)))
            for name in todo:
                s1, s2 = fitted[name].stage1, fitted[name].stage2
                importances = np.vstack([i if i is not None else np.full(m, np.nan) for i in s2.importances])
                A.TrainResult(
                    genes=target_genes["entrez_id"].to_numpy(), train_index=tr, test_index=te,
                    y_train=Y[tr], y_test=Y[te], stage1_test=s1.predictions, stage2_test=s2.predictions,
                    stage1_oob=s1.held_out, stage2_oob=s2.held_out, importances=importances,
                    n_features=np.array([designs[name].X.shape[1]]),
                ).save(A.train_result(split, name).path(partial))
                stores[name].clear()
    for split in s.splits:
        for name in models:
            shutil.copyfile(A.train_result(split, name).path(partial), A.train_result(split, name).path(ctx.out))
    ctx.write(A.TARGET_GENES, target_genes)
    ctx.info.update({"genes": m, "models": models, "splits": list(s.splits), "samples": int(len(samples)),
                     "learner": s.learner, "n_trees": s.n_trees, "targets_per_model": per_model, "seed": s.seed,
                     "n_genes_asked": s.n_genes, "fit_seconds_this_session": round(time.time() - t_fit, 1)})


def finish(ctx: StageContext) -> None:
    ctx.run.drop_partial(A.TRAIN, ctx.key)


STAGE = StageSpec(
    name=A.TRAIN, needs=(A.LOAD, A.FEATURES), version=1, params=params, run=run, finish=finish,
    description="MTRS random forests: a baseline and one model per feature set, per split",
)
