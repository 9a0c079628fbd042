"""Training benchmark: the paper's plain per-gene loop against kgexpr's default engine.

    python bench/train.py                       # 20-gene comparison + the 300-gene protocol
    python bench/train.py --genes 40 --panel 978

On the same data, split and designs (baseline + every feature set), it runs

  (a) the reference: for every model and gene, sklearn RandomForestRegressor(300,
      n_jobs=-1) exactly as the paper describes, stage-2 inputs being the stage-1
      models' *in-sample* predictions;
  (b) kgexpr's engine (``--learner``, default rf-projected) through ``run_stages``;

each in its own child process, so wall time, CPU time (process + its workers) and
peak RSS are that phase's alone. Both run on an N-gene panel (``--genes``), where
their median test R^2 are compared gene for gene. The engine then runs the full
panel (``--panel``, the paper's 300 genes); the reference is *extrapolated* to that
panel from timed reference fits at the full panel's design width (stage 2 sees all
panel genes' predictions, so its fits are wider than at N genes). Results go to
bench/results/train.json with machine info. Run by hand, never as a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _settings(args, n_genes):
    from kgexpr.settings import Settings

    from kgexpr.stages import ready

    return ready(Settings.of(out=Path(args.run_dir), data_dir=Path(args.data_dir) if args.data_dir else None,
                             n_genes=n_genes, n_trees=args.trees, learner=args.learner, seed=args.seed))


def prepare(args):
    """Load + features into the bench run directory (reused there after the first time)."""
    from kgexpr import artifacts as A
    from kgexpr.stages import run_stage

    run_stage(A.FEATURES, _settings(args, args.genes))


def _inputs(args, n_genes):
    """The training stage's own designs, targets and split, read from the bench run directory."""
    from kgexpr import artifacts as A
    from kgexpr.learn.splits import split_indices
    from kgexpr.learn.targets import select_genes
    from kgexpr.rundir import RunDir
    from kgexpr.stages import STAGES, StageContext
    from kgexpr.stages.train import designs_for

    s = _settings(args, n_genes)
    run = RunDir(s.out)
    spec = STAGES[A.TRAIN]
    ctx = StageContext(spec, s, run, {name: run.require(name) for name in spec.needs})
    genes = select_genes(ctx.read(A.GENES), n_genes, s.seed, s.learner.include_genes, strict=False)
    Y = ctx.read(A.EXPRESSION_SCALED)[genes["entrez_id"].to_numpy()].to_numpy(float)
    samples, designs = designs_for(ctx, genes)
    tr, te = split_indices(samples, args.split, s.evaluation.test_size, s.seed)
    return s, designs, Y, tr, te


def _with_target(X, Xt, j):
    return X if Xt is None else np.hstack([X, Xt[:, j, :]])


def reference_forest(seed):
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(n_estimators=300, n_jobs=-1, random_state=seed)


def phase_reference(args):
    """The plain loop: per model, per gene, stage 1 then stage 2 on in-sample stage-1 fits."""
    s, designs, Y, tr, te = _inputs(args, args.genes)
    m = Y.shape[1]
    final = {}
    for name, d in designs.items():
        X, Xt = d.X.to_numpy(float), d.X_target
        Z_tr, Z_te = np.zeros((len(tr), m)), np.zeros((len(te), m))
        for j in range(m):
            Xj = _with_target(X, Xt, j)
            rf = reference_forest(s.seed).fit(Xj[tr], Y[tr, j])
            Z_tr[:, j], Z_te[:, j] = rf.predict(Xj[tr]), rf.predict(Xj[te])
        P = np.zeros((len(te), m))
        for j in range(m):
            Xj = _with_target(X, Xt, j)
            rf = reference_forest(s.seed).fit(np.hstack([Xj[tr], Z_tr]), Y[tr, j])
            P[:, j] = rf.predict(np.hstack([Xj[te], Z_te]))
        final[name] = P
        print(f"  reference: {name} done", flush=True)
    return {"scores": _scores(final, Y[te])}


def phase_engine(args, n_genes):
    """kgexpr's training as the pipeline runs it: stage 1 of every model, then stage 2."""
    from kgexpr.learn.engine import StageInputs, fit_two_stages
    from kgexpr.stages.train import learner_setup

    s, designs, Y, tr, te = _inputs(args, n_genes)
    est, per_model = learner_setup(s)
    inputs = {}
    for name, d in designs.items():
        X, Xt = d.X.to_numpy(float), d.X_target
        inputs[name] = StageInputs(X[tr], Y[tr], X[te], None if Xt is None else Xt[tr], None if Xt is None else Xt[te])
    fitted = fit_two_stages(est, inputs, random_state=s.seed, n_jobs=-1, targets_per_model=per_model)
    s2 = {name: r.stage2 for name, r in fitted.items()}
    print(f"  engine ({n_genes} genes): done", flush=True)
    return {"scores": _scores({name: r.predictions for name, r in s2.items()}, Y[te])}


def phase_extrapolate(args):
    """Time reference fits at the full panel's width; scale to every gene of the panel."""
    s, designs, Y, tr, te = _inputs(args, args.panel)
    m = Y.shape[1]
    rng = np.random.default_rng(s.seed)
    sample = rng.choice(m, size=min(args.timed_genes, m), replace=False)
    per_gene = {}
    for name, d in designs.items():
        X, Xt = d.X.to_numpy(float), d.X_target
        Z_tr, Z_te = rng.normal(size=(len(tr), m)), rng.normal(size=(len(te), m))  # stand-in stage-1 fits
        times = []
        for j in sample:
            Xj = _with_target(X, Xt, int(j))
            t = time.perf_counter()
            rf = reference_forest(s.seed).fit(Xj[tr], Y[tr, j])
            rf.predict(Xj[tr]), rf.predict(Xj[te])
            rf = reference_forest(s.seed).fit(np.hstack([Xj[tr], Z_tr]), Y[tr, j])
            rf.predict(np.hstack([Xj[te], Z_te]))
            times.append(time.perf_counter() - t)
        per_gene[name] = float(np.mean(times))
        print(f"  reference timing at {m} genes: {name} {per_gene[name]:.2f} s per gene", flush=True)
    return {"seconds_per_gene": per_gene, "extrapolated_wall_s": float(m * sum(per_gene.values())),
            "timed_genes": int(len(sample))}


def _scores(final: dict, Y_test: np.ndarray) -> dict:
    from kgexpr import evaluate as ev

    graph = [k for k in final if k != ev.BASELINE]
    if graph:
        final = {**final, ev.STACKING: ev.stack_mean([final[k] for k in graph])}
    return {k: ev.r2_per_gene(Y_test, p).tolist() for k, p in final.items()}


def _child(args, phase: str, **extra) -> dict:
    """Run one phase in a fresh process; measure its wall, CPU and peak RSS there."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "phase.json"
        cmd = [sys.executable, __file__, "--phase", phase, "--phase-out", str(out)] + _passthrough(args, **extra)
        subprocess.run(cmd, check=True)
        return json.loads(out.read_text())


def _passthrough(args, **extra):
    opts = {"run_dir": args.run_dir, "data_dir": args.data_dir, "genes": args.genes, "panel": args.panel,
            "trees": args.trees, "learner": args.learner, "seed": args.seed, "split": args.split,
            "timed_genes": args.timed_genes, **extra}
    out = []
    for k, v in opts.items():
        if v is not None:
            out += [f"--{k.replace('_', '-')}", str(v)]
    return out


class _TreeRSS:
    """Peak summed resident memory of this process and all its descendants, sampled from /proc.

    (ru_maxrss is inherited across exec on Linux, so a child's own figure can be its
    parent's; sampling the process tree measures what the phase itself used.)
    """

    def __init__(self, interval: float = 0.2):
        import threading

        self.peak_kb, self.interval = 0, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _tree_kb(root: int) -> int:
        parents, rss = {}, {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/status") as f:
                    fields = dict(line.split(":", 1) for line in f if ":" in line)
                parents[int(entry)] = int(fields["PPid"])
                rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0])
            except (OSError, KeyError, ValueError):
                continue
        tree, frontier = {root}, [root]
        while frontier:
            kids = [p for p, pp in parents.items() if pp in frontier and p not in tree]
            tree.update(kids)
            frontier = kids
        return sum(rss.get(p, 0) for p in tree)

    def _run(self):
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, self._tree_kb(os.getpid()))
            self._stop.wait(self.interval)

    def __enter__(self):
        if os.path.isdir("/proc"):
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def _measured(fn):
    from joblib.externals.loky import get_reusable_executor

    t0, c0 = time.perf_counter(), os.times()
    with _TreeRSS() as rss:
        result = fn()
        get_reusable_executor().shutdown(wait=True)  # reap the workers so their CPU time counts below
    c1 = os.times()
    cpu = (c1.user - c0.user) + (c1.system - c0.system) + (c1.children_user - c0.children_user) + (
        c1.children_system - c0.children_system)
    result.update({
        "wall_s": round(time.perf_counter() - t0, 2), "cpu_s": round(cpu, 2),
        "peak_rss_mb": round(rss.peak_kb / 1024, 1),  # this process + its workers, summed
    })
    return result


def _medians(scores: dict) -> dict:
    return {k: round(float(np.median(v)), 4) for k, v in scores.items()}


def machine() -> dict:
    import sklearn

    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "sklearn": sklearn.__version__, "date": time.strftime("%Y-%m-%d")}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run-dir", default=str(ROOT / "runs" / "bench"))
    p.add_argument("--data-dir", default=None)
    p.add_argument("--genes", type=int, default=20, help="panel size for the head-to-head comparison")
    p.add_argument("--panel", type=int, default=300, help="full protocol panel (the paper: 300)")
    p.add_argument("--trees", type=int, default=300)
    p.add_argument("--learner", default="rf-projected")
    p.add_argument("--split", default="random")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timed-genes", type=int, default=2, help="reference genes timed per model for the extrapolation")
    p.add_argument("--skip-reference", action="store_true", help="engine only (no comparison)")
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "train.json"))
    p.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    p.add_argument("--phase-out", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.phase:
        fn = {"prepare": lambda: (prepare(args), {})[1], "reference": lambda: phase_reference(args), "engine": lambda: phase_engine(args, args.genes),
              "engine-panel": lambda: phase_engine(args, args.panel), "extrapolate": lambda: phase_extrapolate(args)}
        Path(args.phase_out).write_text(json.dumps(_measured(fn[args.phase])))
        return

    _child(args, "prepare")
    result = {"machine": machine(), "settings": {k: v for k, v in vars(args).items() if not k.startswith("phase")}}
    print(f"== engine ({args.learner}), {args.genes} genes", flush=True)
    eng = _child(args, "engine")
    result["engine_small"] = eng
    if not args.skip_reference:
        print(f"== reference (per-gene RandomForestRegressor(300), in-sample stage 2), {args.genes} genes", flush=True)
        ref = _child(args, "reference")
        result["reference_small"] = ref
    print(f"== engine ({args.learner}), full panel of {args.panel} genes", flush=True)
    result["engine_panel"] = _child(args, "engine-panel")
    if not args.skip_reference:
        print(f"== reference timing for the {args.panel}-gene extrapolation", flush=True)
        result["reference_panel_extrapolated"] = _child(args, "extrapolate")

    lines = [f"training benchmark: split={args.split}, seed={args.seed}, {os.cpu_count()} CPUs"]
    em, e_pan = result["engine_small"], result["engine_panel"]
    if not args.skip_reference:
        rm, rx = result["reference_small"], result["reference_panel_extrapolated"]
        ratio_small = rm["wall_s"] / em["wall_s"]
        ratio_panel = rx["extrapolated_wall_s"] / e_pan["wall_s"]
        med_r, med_e = _medians(rm["scores"]), _medians(em["scores"])
        diff = {k: round(med_e[k] - med_r[k], 4) for k in med_r}
        result["summary"] = {
            "ratio_small": round(ratio_small, 1), "ratio_panel_extrapolated": round(ratio_panel, 1),
            "median_r2_reference": med_r, "median_r2_engine": med_e, "median_r2_engine_minus_reference": diff,
            "engine_panel_wall_s": e_pan["wall_s"],
            "reference_panel_wall_s_extrapolated": round(rx["extrapolated_wall_s"], 1),
        }
        lines += [
            f"{args.genes} genes: reference {rm['wall_s']:.1f} s wall / {rm['cpu_s']:.1f} s CPU / {rm['peak_rss_mb']:.0f} MB;"
            f" engine {em['wall_s']:.1f} s wall / {em['cpu_s']:.1f} s CPU / {em['peak_rss_mb']:.0f} MB;"
            f" ratio {ratio_small:.1f}x (peak RSS: the phase's processes summed)",
            f"{args.panel} genes: engine {e_pan['wall_s']:.1f} s wall / {e_pan['cpu_s']:.1f} s CPU / "
            f"{e_pan['peak_rss_mb']:.0f} MB (measured); reference "
            f"{rx['extrapolated_wall_s']:.0f} s (EXTRAPOLATED from {rx['timed_genes']} timed genes per model); "
            f"ratio {ratio_panel:.0f}x",
            "median test R^2 per model (reference / engine / difference):",
        ]
        lines += [f"  {k:18s} {med_r[k]: .4f} {med_e[k]: .4f} {diff[k]:+.4f}" for k in med_r]
    else:
        lines.append(f"{args.panel} genes: engine {e_pan['wall_s']:.1f} s wall, {e_pan['cpu_s']:.1f} s CPU")
    lines.append(f"engine at {args.panel} genes, median test R^2: {_medians(e_pan['scores'])}")
    write_result(result, lines, args.out)


def write_result(result: dict, lines: list[str], out) -> None:
    """Print the summary lines and keep them, with everything measured, in the JSON file ``out``."""
    print("\n".join(lines))
    result["printed"] = lines
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(result, indent=1))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
