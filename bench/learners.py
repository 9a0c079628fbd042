"""Learners against the reference forest on the real consensus signatures, all genes, in the input's units.

    python bench/learners.py --run runs/default                  # after `kgexpr load/features --out runs/default`
    python bench/learners.py --run runs/default --candidates rf-projected-adaptive,rf-projected-gbm@robust

Compound k-fold cross-validation (the run's folds: ``split_folds(..., "cv")``, seeded), every gene of
the run's expression data (978 landmark genes on the consensus set), the baseline design (structure
only) unless ``--models`` adds feature sets. Each candidate runs in its own process, which measures its
wall time, CPU and peak RSS (process tree). Targets are learnt clipped at 10 robust sd of each fold's
training rows (``@clip``, kgexpr's default), or through the asinh-robust scaling fitted on the training
rows and inverted (``@robust``, the previous default's), or as they are (``@raw``); every score is
per-gene R² over all out-of-fold predictions against the unclipped values (the input's units), and
each candidate is tested gene by gene against the reference forest (Wilcoxon signed-rank).
Results go to bench/results/learners.json. Run by hand, never as a test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from train import _measured, machine, write_result  # noqa: E402

REFERENCE = "reference-rf"
DEFAULT_CANDIDATES = f"{REFERENCE},rf-projected-adaptive,rf-projected-adaptive@raw,rf-projected@clip,rf-projected-gbm@robust"


def _inputs(run: str, models: list[str]):
    from kgexpr import artifacts as A
    from kgexpr.learn.splits import split_folds
    from kgexpr.rundir import RunDir
    from kgexpr.settings import Settings
    from kgexpr.stages import STAGES, StageContext
    from kgexpr.stages.train import designs_for

    features = tuple(m for m in models if m != "baseline")
    s = Settings.of(out=Path(run), n_genes=0, features=features, n_trees=100).resolved()  # trees: unused here
    rd = RunDir(s.out)
    spec = STAGES[A.TRAIN]
    ctx = StageContext(spec, s, rd, {n: rd.require(n) for n in spec.needs})
    genes = ctx.read(A.GENES)
    samples, designs = designs_for(ctx, genes)
    raw = ctx.read(A.EXPRESSION_RAW)[genes["entrez_id"].to_numpy()].to_numpy(np.float64)
    folds = split_folds(samples, "cv", 0.25, 0, 5)
    return genes, designs, raw, folds


def _targets(Y_train: np.ndarray, how: str):
    """(training targets, back to the input's units) for one fold, fitted on its training rows only."""
    import pandas as pd

    from kgexpr.learn.scaling import DEFAULT_CLIP, clip_targets, fit_transform, inverse

    if how == "clip":
        return clip_targets(Y_train, DEFAULT_CLIP), lambda P: P
    if how == "raw":
        return Y_train, lambda P: P
    scaled, params = fit_transform(pd.DataFrame(Y_train), how)
    return scaled.to_numpy(), lambda P: inverse(P, params)


def phase(args) -> dict:
    """One candidate: out-of-fold predictions of every gene, per model; arrays saved beside the JSON."""
    from kgexpr.learn.engine import StageInputs, fit_two_stages
    from kgexpr.learn.learners import build_learner, get_learner, reference_forest
    from kgexpr.stages.train import as_inputs

    name, _, how = args.candidate.partition("@")
    how = how or "clip"
    genes, designs, raw, folds = _inputs(args.run, args.models.split(","))
    out = {}
    for model in args.models.split(",") if name != REFERENCE else ["baseline"]:
        X, Xt = as_inputs(designs[model])
        final, first = np.zeros_like(raw), np.zeros_like(raw)
        for tr, te in folds:
            if name == REFERENCE:
                y_fit, back = _targets(raw[tr], how)
                forest = reference_forest(args.seed, -1, len(tr)).fit(X[tr], y_fit).set_params(n_jobs=1)
                final[te] = first[te] = back(forest.predict(X[te]))
                continue
            est = build_learner(name, args.trees or get_learner(name).default_trees, args.seed)
            y_fit, back = _targets(raw[tr], how)
            problem = StageInputs(X[tr], y_fit, X[te], None if Xt is None else Xt[tr], None if Xt is None else Xt[te],
                                  n_conditions=designs[model].n_conditions)
            fitted = fit_two_stages(est, {model: problem}, random_state=args.seed, n_jobs=-1,
                                    targets_per_model=get_learner(name).targets_per_model,
                                    stage2_importances="none")[model]
            final[te], first[te] = back(fitted.stage2.predictions), back(fitted.stage1.predictions)
        out[model] = {"final": final, "stage1": first}
    np.savez_compressed(args.arrays, **{f"{m}__{k}": v for m, d in out.items() for k, v in d.items()})
    return {"candidate": args.candidate, "models": list(out)}


def _child(args, candidate: str, arrays: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "phase.json"
        cmd = [sys.executable, __file__, "--run", args.run, "--models", args.models, "--seed", str(args.seed),
               "--phase", candidate, "--phase-out", str(out), "--arrays", str(arrays)]
        if args.trees:
            cmd += ["--trees", str(args.trees)]
        subprocess.run(cmd, check=True)
        return json.loads(out.read_text())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", default=str(ROOT / "runs" / "default"), help="a run directory with load and features")
    p.add_argument("--candidates", default=DEFAULT_CANDIDATES, help="learner[@clip|@raw|@robust], comma-separated")
    p.add_argument("--models", default="baseline", help="designs: baseline and/or feature sets of the run")
    p.add_argument("--trees", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "learners.json"))
    p.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    p.add_argument("--phase-out", default=None, help=argparse.SUPPRESS)
    p.add_argument("--arrays", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.phase:
        args.candidate = args.phase
        Path(args.phase_out).write_text(json.dumps(_measured(lambda: phase(args))))
        return

    from scipy import stats

    from kgexpr.evaluate import pearson_per_gene, r2_per_gene

    genes, _, raw, folds = _inputs(args.run, args.models.split(","))
    candidates = args.candidates.split(",")
    if REFERENCE not in [c.partition("@")[0] for c in candidates]:
        candidates.insert(0, REFERENCE)
    result = {"machine": machine(), "run": args.run, "genes": int(raw.shape[1]), "samples": int(raw.shape[0]),
              "folds": len(folds), "units": "input (unclipped values)", "candidates": {}}
    scores, lines = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        for c in candidates:
            print(f"== {c}", flush=True)
            arrays = Path(tmp) / f"{c.replace('@', '_')}.npz"
            measured = _child(args, c, arrays)
            with np.load(arrays) as z:
                for key in z.files:
                    model, stage = key.split("__")
                    r2 = r2_per_gene(raw, z[key])
                    scores[(c, model, stage)] = r2
                    entry = result["candidates"].setdefault(c, {"wall_s": measured["wall_s"], "cpu_s": measured["cpu_s"],
                                                                "peak_rss_mb": measured["peak_rss_mb"], "models": {}})
                    entry["models"].setdefault(model, {})[stage] = {
                        "median_r2": round(float(np.nanmedian(r2)), 4), "mean_r2": round(float(np.nanmean(r2)), 4),
                        "median_pearson": round(float(np.nanmedian(pearson_per_gene(raw, z[key]))), 4)}
    ref = scores[(next(c for c in candidates if c.partition("@")[0] == REFERENCE), "baseline", "final")]
    lines.append(f"{raw.shape[0]} compounds x {raw.shape[1]} genes, {len(folds)}-fold compound CV, input units; "
                 f"{result['machine']['cpus']} cores, {result['machine']['date']}")
    lines.append("| candidate | model | median R² (stage 1) | median R² (final) | better than reference on | "
                 "Wilcoxon p | wall s | peak RSS MB |")
    for (c, model, stage), r2 in scores.items():
        if stage != "final":
            continue
        diff = r2 - ref
        better = int((diff > 0).sum())
        p = float(stats.wilcoxon(diff[diff != 0]).pvalue) if (diff != 0).any() else float("nan")
        e = result["candidates"][c]
        e["models"][model]["final"].update({"genes_better_than_reference": better, "wilcoxon_p_vs_reference": p})
        s1 = e["models"][model].get("stage1", {}).get("median_r2", float("nan"))
        lines.append(f"| {c} | {model} | {s1:.4f} | {np.nanmedian(r2):.4f} | {better} of {len(r2)} | {p:.1e} | "
                     f"{e['wall_s']:.0f} | {e['peak_rss_mb']:.0f} |")
    write_result(result, lines, args.out)


if __name__ == "__main__":
    main()
