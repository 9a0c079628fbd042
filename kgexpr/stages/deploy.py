"""deploy: every model refitted on all samples, saved for ``kgexpr predict``.

The evaluation scores models fitted without the compounds they predict; the model a user
deploys should learn from every compound there is. Each model's two stages are fitted once
more on all samples, with the same learner, seed and design, and saved with joblib (forests
keep each leaf's training rows, not every leaf's mean of every gene, see
:class:`~kgexpr.learn.projected_forest.ProjectedForestRegressor`). The weighted stacking's
weights come from these fits' out-of-bag predictions.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from kgexpr import artifacts as A
from kgexpr.progress import bar, console
from kgexpr.settings import Settings
from kgexpr.stages.base import StageContext, StageSpec

#: learners whose fitted models are small enough to keep (one forest per block of genes, small boosted models)
DEPLOYABLE_LEARNERS = ("rf-projected", "rf-projected-gbm", "rf-projected-adaptive")


def skip_reason(s: Settings) -> str | None:
    if not s.deploy.enabled:
        return "--no-deploy"
    if s.learner.learner not in DEPLOYABLE_LEARNERS:
        return (f"learner {s.learner.learner} keeps one forest per gene (gigabytes for the deployable models); "
                f"deployable learners: {', '.join(DEPLOYABLE_LEARNERS)}")
    return None


def run(ctx: StageContext) -> None:
    import joblib

    from kgexpr.evaluate import stack_weights
    from kgexpr.features.design import BASELINE
    from kgexpr.learn.engine import StageInputs, fit_two_stages
    from kgexpr.learn.scaling import clip_targets
    from kgexpr.stages.train import as_inputs, designs_for, learner_setup

    s = ctx.settings
    reason = skip_reason(s)
    if reason is not None:
        console.print(f"deploy: skipped ({reason}); 'kgexpr predict' needs the deployable models")
        A.DEPLOY_INFO.write(ctx.out, {"skipped": reason, "models": []})
        ctx.info["skipped"] = reason
        return
    estimator, per_model = learner_setup(s)
    genes = ctx.read(A.TARGET_GENES)
    Y = clip_targets(ctx.read(A.EXPRESSION_SCALED)[genes["entrez_id"].to_numpy()].to_numpy(np.float64), s.learner.target_clip)
    samples, designs = designs_for(ctx, genes)
    m = len(genes)
    console.print(f"deploy: {len(designs)} models fitted on all {len(samples)} samples x {m} genes (for kgexpr predict)")
    t0, held_out, sizes, in_sample = time.time(), {}, {}, {}
    with bar("deploy (gene fits)", len(designs) * m * 2) as advance:
        for name, design in designs.items():  # one model at a time: fitted forests are large until saved
            X, Xt = as_inputs(design)
            problem = StageInputs(X, Y, X, Xt, Xt, n_conditions=design.n_conditions, columns=tuple(design.X.columns))
            fitted = fit_two_stages(estimator, {name: problem}, random_state=s.seed, n_jobs=s.backend.n_jobs,
                                    targets_per_model=per_model, keep_models=True, stage2_importances="none",
                                    on_block_done=lambda _n, g, r: advance(len(g)))[name]
            path = A.deployed_model(name).path(ctx.out)
            # zlib's fastest level: most of the size for a third of the time
            joblib.dump(fitted.model.drop_training_diagnostics(), path, compress=1)
            sizes[name] = path.stat().st_size
            in_sample[name] = fitted.stage2.predictions.astype(np.float32)
            if name != BASELINE:
                held_out[name] = fitted.stage2.held_out
            del fitted
    from kgexpr.atomic import atomic_file

    with atomic_file(A.DEPLOY_IN_SAMPLE.path(ctx.out)) as tmp:
        np.savez_compressed(tmp, pert_id=samples["pert_id"].to_numpy(str), **in_sample)
    graph_models = list(held_out)
    if graph_models:
        W = stack_weights([held_out[g] for g in graph_models], Y)
        ctx.write(A.DEPLOY_STACKING_WEIGHTS, pd.DataFrame(W, index=graph_models, columns=genes["entrez_id"].astype(str)))
    info = {"format": A.DEPLOY_FORMAT, "models": list(designs), "graph_models": graph_models,
            "genes": [int(g) for g in genes["entrez_id"]], "samples": int(len(samples)), "bytes": sizes, "seconds": round(time.time() - t0, 1),
            "permute_features": s.evaluation.permute_features}
    A.DEPLOY_INFO.write(ctx.out, info)
    ctx.info.update({k: v for k, v in info.items() if k != "genes"})
    console.print(f"deploy: {len(designs)} models saved ({sum(sizes.values()) / 1e6:.0f} MB) in {info['seconds']} s")


STAGE = StageSpec(
    name=A.DEPLOY, needs=(A.LOAD, A.FEATURES, A.TRAIN), version=3, sections=("features", "learner", "evaluation", "deploy"), run=run,
    description="every model refitted on all samples and saved, for kgexpr predict",
)
