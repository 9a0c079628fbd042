"""Stage-2 learners on the paper-scale run's own stage-1 out-of-bag predictions (issue 12 trials).

    python bench/stage2_learners.py --models cn,lpi --inputs oob           # after bench/paper_scale.py
    python bench/stage2_learners.py --models cn --inputs oob,all --learners lightgbm,projected

The protocol run of bench/paper_scale.py keeps, per split and model, the stage-1 out-of-bag
predictions of all 300 genes (training rows) and their stage-1 test predictions. This refits
stage 2 alone with other learners on exactly those inputs, so the comparison with the engine's
stage 2 (and with the fair reference's, on its genes) measures the stage-2 learner only:

- ``lightgbm``: one gradient-boosted model per gene (LightGBM, histogram splits; 7 leaves, 50
  rounds, learning rate 0.1, half-row bagging, half the features per tree), one binned Dataset
  per model shared by its genes, fitted on all training rows (the trial that led to kgexpr's
  ``rf-projected-gbm`` learner, whose stage 2 cross-fits the same models).
- ``projected``: kgexpr's ProjectedForestRegressor as the protocol fits it (``--trees`` trees).

``--inputs oob``: stage 2 sees only the stage-1 predictions of all genes (classic stacking);
``all``: the model's design plus them (the paper's MTRS stage 2). Prints the median test R2 per
model and learner, the engine's stage-1 and stage-2 medians on the same rows, the genes where the
trial beats the engine's stage 2, and seconds. Results go to bench/results/stage2_learners.json.
Run by hand, never as a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from train import machine, write_result  # noqa: E402

LGB_PARAMS = {"objective": "l2", "num_leaves": 7, "learning_rate": 0.1, "feature_fraction": 0.5,
              "bagging_fraction": 0.5, "bagging_freq": 1, "min_data_in_leaf": 20, "verbose": -1}
LGB_ROUNDS = 50


def _inputs(work: Path, split: str):
    """Designs, genes and the protocol's train results of the paper-scale run."""
    import paper_scale as ps

    from kgexpr import artifacts as A
    from kgexpr.rundir import RunDir
    from kgexpr.stages import STAGES, StageContext
    from kgexpr.stages.train import designs_for

    s = ps._settings(SimpleNamespace(work=str(work), seed=0, learner="rf-projected", learner_param=None, trees=None))
    run = RunDir(s.out)
    spec = STAGES[A.TRAIN]
    ctx = StageContext(spec, s, run, {n: run.require(n) for n in spec.needs})
    genes = A.TARGET_GENES.read(run.stage_path(A.TRAIN))
    _, designs = designs_for(ctx, genes)
    return genes, designs, A.train_results(run.stage_path(A.TRAIN))[split]


def _lightgbm(X, Y, Xe, threads: int):
    import lightgbm as lgb

    data = lgb.Dataset(X, label=Y[:, 0], params={"max_bin": 255, "verbose": -1}, free_raw_data=False).construct()
    out = np.zeros((len(Xe), Y.shape[1]))
    for g in range(Y.shape[1]):
        data.set_label(Y[:, g])
        booster = lgb.train({**LGB_PARAMS, "num_threads": threads, "seed": g}, data, LGB_ROUNDS)
        out[:, g] = booster.predict(Xe)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--work", default=str(ROOT / "runs" / "paper-scale"))
    p.add_argument("--split", default="random")
    p.add_argument("--models", default="cn")
    p.add_argument("--inputs", default="oob", help="oob, all, or both comma-separated")
    p.add_argument("--learners", default="lightgbm")
    p.add_argument("--trees", type=int, default=100, help="trees of the projected forest")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "stage2_learners.json"))
    args = p.parse_args(argv)

    from kgexpr import evaluate as ev
    from kgexpr.learn.engine import block_design

    genes, designs, results = _inputs(Path(args.work), args.split)
    rows, lines = [], []
    for model in args.models.split(","):
        r, d = results[model], designs[model]
        X = block_design(d.X.to_numpy(np.float32), d.X_target, np.arange(len(genes)), None).astype(np.float32)
        oob, test1 = np.nan_to_num(r.stage1_oob).astype(np.float32), r.stage1_test.astype(np.float32)
        engine1, engine2 = ev.r2_per_gene(r.y_test, r.stage1_test), ev.r2_per_gene(r.y_test, r.stage2_test)
        for inputs in args.inputs.split(","):
            if inputs == "oob":
                X2, X2e = oob, test1
            else:
                X2, X2e = np.hstack([X[r.train_index], oob]), np.hstack([X[r.test_index], test1])
            for learner in args.learners.split(","):
                t = time.perf_counter()
                if learner == "lightgbm":
                    pred = _lightgbm(X2, r.y_train, X2e, args.threads)
                else:
                    from kgexpr.learn.learners import build_learner

                    est = build_learner("rf-projected", args.trees, 0).set_params(n_jobs=args.threads)
                    pred = est.fit(X2, r.y_train).predict(X2e)
                seconds = time.perf_counter() - t
                r2 = ev.r2_per_gene(r.y_test, pred)
                row = {"model": model, "inputs": inputs, "learner": learner, "width": int(X2.shape[1]),
                       "median_r2": round(float(np.median(r2)), 4),
                       "engine_stage1_median_r2": round(float(np.median(engine1)), 4),
                       "engine_stage2_median_r2": round(float(np.median(engine2)), 4),
                       "genes_better_than_engine_stage2": int((r2 > engine2).sum()), "seconds": round(seconds, 1),
                       "r2_per_gene": {int(g): round(float(v), 4) for g, v in zip(genes["entrez_id"], r2)}}
                rows.append(row)
                line = (f"{model:10s} {inputs:4s} {learner:10s} median R2 {row['median_r2']:.4f} (engine stage 1 "
                        f"{row['engine_stage1_median_r2']:.4f}, stage 2 {row['engine_stage2_median_r2']:.4f}); better "
                        f"on {row['genes_better_than_engine_stage2']} of {len(r2)} genes; {seconds:.0f} s")
                print(line, flush=True)
                lines.append(line)
    write_result({"machine": machine(), "settings": vars(args), "lightgbm_params": {**LGB_PARAMS, "rounds": LGB_ROUNDS},
                  "trials": rows}, lines, args.out)


if __name__ == "__main__":
    main()
