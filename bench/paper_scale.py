"""The paper's protocol at the paper's size: 13,000 compound samples of one cell line.

    python bench/paper_scale.py                          # protocol + reference, defaults below
    python bench/paper_scale.py --skip-reference
    python bench/paper_scale.py --reference-genes 2 --reference-trees 100 --reference-models baseline,cn

The data are simulated (kgexpr's demo generator, labelled so in the data folder) at the
paper's shape: ``--samples`` level-5 signatures of MCF7 (drugs x 6 doses), 978 landmark
genes, a KGML graph of ``--graph-genes`` genes in ``--pathways`` pathways, responses that
propagate from each drug's targets along signed relations. The protocol is
``kgexpr run``'s (load, features, train, evaluate; no deploy): 8 feature sets + the
baseline, two MTRS stages, both stackings, the random and the drug split, 300 target
genes, the installed defaults unless ``--trees`` / ``--learner-param`` say otherwise.
It runs in a child process from an empty run directory, so its wall time, CPU time
(the process and its workers) and peak RSS (summed over the process tree) are its own.

The fair reference is the paper's learner, one scikit-learn ``RandomForestRegressor``
per gene (``--reference-trees`` trees, every feature tried at every split), on the same
designs, split and ``--reference-genes`` genes, with stage-2 inputs that are out-of-bag
(the protocol run's own stage-1 out-of-bag predictions of all 300 genes, so stage 2
differs from kgexpr's only in the learner). Its per-fit times at full width are
measured; the time of the whole reference protocol (300 genes x 9 models x 2 stages x
2 splits) is EXTRAPOLATED from them, and labelled so. ``--reference-from`` reuses the
reference fits of an earlier result of this bench, model by model, when that result's
run gave exactly the same stage-1 inputs (checked array for array against its run
directory); the other models are measured. Results go to
bench/results/paper_scale.json. Run by hand, never as a test.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from train import _measured, machine, write_result  # noqa: E402  (bench/train.py: the same measurement for every bench)

DOSES_PER_DRUG = 6
PAPER_GENES = 300
SPLITS = ("random", "drug")


def _data_dir(args) -> Path:
    return Path(args.work) / "data"


def _run_dir(args) -> Path:
    return Path(args.work) / "run"


#: the paper's seven feature sets plus FastRP, the protocol measured here (kgexpr's default adds the mechanism sets)
PAPER_FEATURES = ("cn", "lpi", "entropy", "laplacian", "lle", "deepwalk", "node2vec", "fastrp")


def _settings(args):
    from kgexpr.cli import _assignments  # the CLI's own NAME=VALUE parsing
    from kgexpr.settings import Settings

    kw = dict(out=_run_dir(args), data_dir=_data_dir(args), expression="lincs-l1000-demo", cell_line="MCF7",
              n_genes=getattr(args, "genes", PAPER_GENES), include_genes=(), splits=SPLITS, deploy=False, seed=args.seed,
              graph_control=False,  # the paper's protocol: 9 models (the permuted controls would double the graph models)
              features=PAPER_FEATURES,
              learner_params=_assignments(args.learner_param or [], "--learner-param", nested=False))
    if args.learner:
        kw["learner"] = args.learner
    from kgexpr.learn.learners import LEARNERS
    from kgexpr.stages import ready

    # the learner's own trees unless given: the paper-size data are simulated, and the demo's fewer trees are not
    # the setting being measured
    kw["n_trees"] = args.trees or LEARNERS[kw.get("learner", Settings.default("learner"))].default_trees
    return ready(Settings.of(**kw))


def phase_data(args) -> dict:
    """The simulated data set at the paper's size (kept in --work and reused when its parameters match)."""
    from kgexpr.demo import write_demo_data

    params = {"n_genes": args.graph_genes, "n_pathways": args.pathways, "n_drugs": math.ceil(args.samples / DOSES_PER_DRUG),
              "n_landmarks": 978, "seed": args.seed}
    root, stamp = _data_dir(args), Path(args.work) / "data-params.json"
    if not (root.exists() and stamp.exists() and json.loads(stamp.read_text()) == params):
        root.parent.mkdir(parents=True, exist_ok=True)
        n_drugs = params["n_drugs"]
        write_demo_data(root, seed=args.seed, n_genes=args.graph_genes, n_pathways=args.pathways, n_drugs=n_drugs,
                        n_level5_drugs=n_drugs, n_landmarks=978)
        stamp.write_text(json.dumps(params))
    return {"params": params}


def phase_protocol(args) -> dict:
    """load -> features -> train -> evaluate from an empty run directory, each stage timed."""
    from kgexpr import artifacts as A
    from kgexpr.rundir import RunDir
    from kgexpr.stages import STAGES, execute

    from kgexpr.learn.learners import key_params
    from kgexpr.stages.train import learner_setup

    s = _settings(args)
    shutil.rmtree(s.out, ignore_errors=True)
    run = RunDir(s.out)
    stage_s = {}
    for name in (A.LOAD, A.FEATURES, A.TRAIN, A.EVALUATE):
        t = time.perf_counter()
        execute(STAGES[name], s, run)
        stage_s[name] = round(time.perf_counter() - t, 1)
    summary = json.loads(A.EVALUATION_SUMMARY.in_run(s.out).read_text())
    load = json.loads(A.LOAD_SUMMARY.in_run(s.out).read_text())
    return {"stage_s": stage_s, "median_r2": {sp: summary[sp]["median_r2"] for sp in SPLITS if sp in summary},
            "n_samples": int(load["samples"]), "n_genes": int(len(A.TARGET_GENES.read(run.stage_path(A.TRAIN)))),
            "n_models": 1 + len(s.features.methods), "n_trees": s.learner.n_trees, "learner": s.learner.learner,
            "learner_params": dict(s.learner.params), "learner_settings": key_params(learner_setup(s)[0])}


def phase_reference(args) -> dict:
    """Per-gene sklearn forests (stage 1, then stage 2 on the protocol's out-of-bag stage-1 inputs), timed."""
    from kgexpr import artifacts as A
    from kgexpr import evaluate as ev
    from kgexpr.learn.engine import default_forest
    from kgexpr.rundir import RunDir
    from kgexpr.stages import STAGES, StageContext
    from kgexpr.stages.train import designs_for

    s = _settings(args)
    run = RunDir(s.out)
    spec = STAGES[A.TRAIN]
    ctx = StageContext(spec, s, run, {name: run.require(name) for name in spec.needs})
    genes = A.TARGET_GENES.read(run.stage_path(A.TRAIN))  # the trained run's own genes
    _, designs = designs_for(ctx, genes)
    results = A.train_results(run.stage_path(A.TRAIN))[args.reference_split]
    models = [m for m in (args.reference_models.split(",") if args.reference_models else designs) if m in designs]
    models = [m for m in models if m not in (args.reuse_reference_models or "").split(",")]
    rng = np.random.default_rng(args.seed)
    picked = np.sort(rng.choice(len(genes), size=min(args.reference_genes, len(genes)), replace=False))
    out = {"split": args.reference_split, "genes": genes["entrez_id"].to_numpy()[picked].tolist(), "trees": args.reference_trees,
           "models": {}}
    for name in models:
        r, d = results[name], designs[name]
        X, Xt = d.X.to_numpy(np.float32), d.X_target
        tr, te = r.train_index, r.test_index
        rec = {"stage1_fit_s": [], "stage2_fit_s": [], "width_stage1": None, "width_stage2": None,
               "reference_stage1_r2": [], "reference_r2": [], "engine_stage1_r2": [], "engine_r2": []}
        for j in picked:
            Xj = X if Xt is None else np.hstack([X, Xt[:, j, :].astype(np.float32)])
            t = time.perf_counter()
            rf = default_forest(args.reference_trees, s.seed).set_params(n_jobs=-1).fit(Xj[tr], r.y_train[:, j])
            rec["stage1_fit_s"].append(time.perf_counter() - t)
            p1 = rf.predict(Xj[te])
            X2 = np.hstack([Xj[tr], r.stage1_oob.astype(np.float32)])
            t = time.perf_counter()
            rf2 = default_forest(args.reference_trees, s.seed + 1).set_params(n_jobs=-1).fit(X2, r.y_train[:, j])
            rec["stage2_fit_s"].append(time.perf_counter() - t)
            p2 = rf2.predict(np.hstack([Xj[te], r.stage1_test.astype(np.float32)]))
            rec["width_stage1"], rec["width_stage2"] = Xj.shape[1], X2.shape[1]
            y = r.y_test[:, [j]]
            rec["reference_stage1_r2"].append(float(ev.r2_per_gene(y, p1[:, None])[0]))
            rec["reference_r2"].append(float(ev.r2_per_gene(y, p2[:, None])[0]))
            rec["engine_stage1_r2"].append(float(ev.r2_per_gene(y, r.stage1_test[:, [j]])[0]))
            rec["engine_r2"].append(float(ev.r2_per_gene(y, r.stage2_test[:, [j]])[0]))
        out["models"][name] = rec
        print(f"  reference {name}: stage 1 {np.mean(rec['stage1_fit_s']):.0f} s, stage 2 "
              f"{np.mean(rec['stage2_fit_s']):.0f} s per gene; R2 reference {np.median(rec['reference_r2']):.4f} "
              f"engine {np.median(rec['engine_r2']):.4f}", flush=True)
    return out


def _child(args, phase: str, extra: tuple[str, ...] = ()) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "phase.json"
        subprocess.run([sys.executable, __file__, *sys.argv[1:], *extra, "--phase", phase, "--phase-out", str(out)],
                       check=True)
        return json.loads(out.read_text())


def _run_results(work: str, split: str):
    from kgexpr import artifacts as A
    from kgexpr.rundir import RunDir

    run = RunDir((Path(work) if Path(work).is_absolute() else ROOT / work) / "run")
    return A.TARGET_GENES.read(run.stage_path(A.TRAIN)), A.train_results(run.stage_path(A.TRAIN))[split]


def _reused_reference(args) -> dict:
    """The reference fits of --reference-from whose stage-1 inputs this run reproduces exactly, engine figures redone."""
    from kgexpr import evaluate as ev

    old = json.loads(Path(args.reference_from).read_text())
    ref = old["reference"]
    old_genes, old_results = _run_results(old["settings"]["work"], ref["split"])
    genes, results = _run_results(args.work, ref["split"])
    wanted = args.reference_models.split(",") if args.reference_models else list(results)
    if ref["split"] != args.reference_split or ref["trees"] != args.reference_trees or not old_genes.equals(genes):
        raise SystemExit(f"--reference-from {args.reference_from}: another split, tree count or target genes than this run")
    reused = {}
    for name, rec in ref["models"].items():
        if name not in wanted:
            continue
        a, b = old_results[name], results[name]
        same = all(np.array_equal(getattr(a, f), getattr(b, f))
                   for f in ("train_index", "test_index", "y_train", "y_test", "stage1_oob", "stage1_test"))
        if not same:
            raise SystemExit(f"--reference-from {args.reference_from}: model {name}'s stage-1 inputs differ from this run's")
        cols = [int(np.flatnonzero(genes["entrez_id"].to_numpy() == g)[0]) for g in ref["genes"]]
        r2 = lambda pred, j: float(ev.r2_per_gene(b.y_test[:, [j]], pred[:, [j]])[0])  # noqa: E731
        reused[name] = {**rec, "engine_stage1_r2": [r2(b.stage1_test, j) for j in cols],
                        "engine_r2": [r2(b.stage2_test, j) for j in cols], "reused_from": args.reference_from}
    return {"split": ref["split"], "genes": ref["genes"], "trees": ref["trees"], "models": reused}


PROTOCOL_SETTINGS = ("work", "samples", "graph_genes", "pathways", "genes", "trees", "learner", "learner_param", "seed")


def _reused_protocol(args) -> tuple[dict, dict]:
    """The data and protocol figures of an earlier run of this bench with the same settings (for --reuse-protocol)."""
    old = json.loads(Path(args.out).read_text())
    mine = {k: v for k, v in vars(args).items() if k in PROTOCOL_SETTINGS}
    theirs = {k: old["settings"].get(k) for k in PROTOCOL_SETTINGS}
    if mine != theirs:
        diff = {k: (theirs[k], mine[k]) for k in PROTOCOL_SETTINGS if theirs[k] != mine[k]}
        raise SystemExit(f"--reuse-protocol: {args.out} was measured with other settings (then, now): {diff}")
    print(f"== protocol: reusing {args.out} (measured earlier) and its run in {_run_dir(args)}", flush=True)
    return old["data"], old["protocol"]


def _reference_summary(ref: dict, protocol: dict) -> dict:
    """Medians on the reference genes, and the reference protocol's time extrapolated to the full protocol."""
    med = lambda v: round(float(np.median(v)), 4)  # noqa: E731
    models = ref["models"]
    per_gene_s = {m: float(np.mean(r["stage1_fit_s"]) + np.mean(r["stage2_fit_s"])) for m, r in models.items()}
    mean_model_s = float(np.mean(list(per_gene_s.values())))
    extrapolated = mean_model_s * PAPER_GENES * protocol["n_models"] * len(SPLITS)
    return {
        "reference_median_r2": {m: med(r["reference_r2"]) for m, r in models.items()},
        "engine_median_r2_on_reference_genes": {m: med(r["engine_r2"]) for m, r in models.items()},
        "reference_stage1_median_r2": {m: med(r["reference_stage1_r2"]) for m, r in models.items()},
        "engine_stage1_median_r2_on_reference_genes": {m: med(r["engine_stage1_r2"]) for m, r in models.items()},
        "reference_seconds_per_gene_and_model_measured": {m: round(v, 1) for m, v in per_gene_s.items()},
        "reference_protocol_wall_s_EXTRAPOLATED": round(extrapolated, 0),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--work", default=str(ROOT / "runs" / "paper-scale"), help="data and run directory of the bench")
    p.add_argument("--samples", type=int, default=13_000)
    p.add_argument("--graph-genes", type=int, default=3000)
    p.add_argument("--pathways", type=int, default=150)
    p.add_argument("--genes", type=int, default=PAPER_GENES,
                   help="target genes (the paper: 300; 0 = all 978 landmark genes)")
    p.add_argument("--trees", type=int, default=None, help="trees per forest (default: kgexpr's)")
    p.add_argument("--learner", default=None, help="kgexpr's learner (default: kgexpr's default)")
    p.add_argument("--learner-param", action="append", help="NAME=VALUE for the learner (repeatable)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--skip-reference", action="store_true")
    p.add_argument("--reuse-protocol", action="store_true",
                   help="take the protocol's figures from --out and its run from --work (same settings) instead of re-running it")
    p.add_argument("--reference-genes", type=int, default=2)
    p.add_argument("--reference-trees", type=int, default=300)
    p.add_argument("--reference-models", default="", help="comma-separated models (default: all)")
    p.add_argument("--reference-split", default="random", choices=SPLITS)
    p.add_argument("--reference-from", default=None,
                   help="an earlier result of this bench: reuse its reference fits where its run's stage-1 inputs equal this run's")
    p.add_argument("--reuse-reference-models", default=None, help=argparse.SUPPRESS)
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "paper_scale.json"))
    p.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    p.add_argument("--phase-out", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.phase:
        fn = {"data": phase_data, "protocol": phase_protocol, "reference": phase_reference}[args.phase]
        Path(args.phase_out).write_text(json.dumps(_measured(lambda: fn(args))))
        return

    if args.reuse_protocol:
        data, prot = _reused_protocol(args)
    else:
        print(f"== simulated data at the paper's size ({args.samples} samples)", flush=True)
        data = _child(args, "data")
        print("== protocol (load, features, train, evaluate; random + drug splits)", flush=True)
        prot = _child(args, "protocol")
    result = {
        "machine": machine(), "settings": {k: v for k, v in vars(args).items() if not k.startswith("phase")},
        "data": data, "n_samples": prot["n_samples"], "n_genes": prot.get("n_genes", PAPER_GENES),
        "protocol_wall_s": prot["wall_s"], "protocol_cpu_s": prot["cpu_s"], "peak_rss_mb": prot["peak_rss_mb"],
        "stage_s": prot["stage_s"], "median_r2": prot["median_r2"].get("random", {}),
        "median_r2_drug_split": prot["median_r2"].get("drug", {}), "protocol": prot,
    }
    lines = [f"paper-scale protocol: {prot['n_samples']} samples x {prot.get('n_genes', PAPER_GENES)} target genes, {prot['learner']} "
             f"{prot['learner_params']} {prot['n_trees']} trees; {machine()['cpus']} CPUs",
             f"  wall {prot['wall_s']:.0f} s, CPU {prot['cpu_s']:.0f} s, peak RSS {prot['peak_rss_mb']:.0f} MB; "
             f"stages {prot['stage_s']}"]
    for sp, med in prot["median_r2"].items():
        lines.append(f"  median test R2 ({sp} split): " + ", ".join(f"{k} {v:.4f}" for k, v in med.items()))
    if not args.skip_reference:
        reused = _reused_reference(args) if args.reference_from else None
        ref, extra = {"models": {}}, ()
        if reused is not None:
            print(f"== reference: reusing {sorted(reused['models'])} from {args.reference_from} (same stage-1 inputs)", flush=True)
            extra = ("--reuse-reference-models", ",".join(reused["models"]))
        wanted = args.reference_models.split(",") if args.reference_models else None
        if reused is None or wanted is None or set(wanted) - set(reused["models"]):
            print(f"== reference: per-gene RandomForestRegressor({args.reference_trees}), {args.reference_genes} genes", flush=True)
            ref = _child(args, "reference", extra)
        if reused is not None:
            if ref["models"] and ref["genes"] != reused["genes"]:
                raise SystemExit(f"--reference-from: its genes {reused['genes']} are not the ones measured now {ref['genes']}")
            ref = {**reused, **{k: v for k, v in ref.items() if k != "models"}, "models": {**reused["models"], **ref["models"]}}
        summ = _reference_summary(ref, prot)
        result.update({"reference": ref, "reference_genes": ref["genes"], **summ})
        lines.append(f"reference ({ref['split']} split, genes {ref['genes']}, {ref['trees']} trees, OOB stage-2 inputs):")
        for m in summ["reference_median_r2"]:
            lines.append(f"  {m:10s} reference {summ['reference_median_r2'][m]: .4f}  engine "
                         f"{summ['engine_median_r2_on_reference_genes'][m]: .4f}  (stage 1: "
                         f"{summ['reference_stage1_median_r2'][m]: .4f} / {summ['engine_stage1_median_r2_on_reference_genes'][m]: .4f})"
                         f"  {summ['reference_seconds_per_gene_and_model_measured'][m]:.0f} s per gene, measured")
        lines.append(f"  reference protocol (300 genes x all models x 2 stages x 2 splits): "
                     f"{summ['reference_protocol_wall_s_EXTRAPOLATED']:.0f} s EXTRAPOLATED from the fits above")
    write_result(result, lines, args.out)


if __name__ == "__main__":
    main()
