"""evaluate: training results -> per-gene R², win counts, pairwise tests against the baseline, stacking."""

from __future__ import annotations

from kgexpr import artifacts as A
from kgexpr.stages.base import StageContext, StageSpec


def run(ctx: StageContext) -> None:
    from kgexpr.evaluate import evaluate
    from kgexpr.learn.splits import SPLIT_ORDER

    train = ctx.needs[A.TRAIN]
    scale = ctx.read_if_exists(A.EXPRESSION_SCALE)
    result = evaluate(A.train_results(train.path), ctx.read(A.TARGET_GENES), train.manifest["info"]["models"],
                      SPLIT_ORDER, scale=scale)
    ctx.write(A.METRICS, result.metrics)
    demo = bool(ctx.read_if_exists(A.LOAD_SUMMARY, {}).get("demo"))
    ctx.write(A.METRICS_CSV, A.labelled(result.metrics, demo))
    ctx.write(A.SIGNATURE_METRICS, result.signatures)
    ctx.write(A.WINS, A.labelled(result.wins, demo))
    ctx.write(A.PAIRWISE, A.labelled(result.pairwise, demo))
    if result.stacking_weights is not None:
        ctx.write(A.STACKING_WEIGHTS, A.labelled(result.stacking_weights, demo))
    ctx.write(A.EVALUATION_SUMMARY, result.summary)
    ctx.info["summary"] = result.summary


STAGE = StageSpec(
    name=A.EVALUATE, needs=(A.LOAD, A.TRAIN), version=3, sections=(), run=run,
    description="per-gene R², win counts, pairwise vs baseline (Wilcoxon), stacking",
)
