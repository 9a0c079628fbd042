"""train: per-sample designs -> the two-stage MTRS protocol for the baseline and every feature set, per split."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kgexpr import artifacts as A
from kgexpr.errors import DamagedFile
from kgexpr.progress import bar, console
from kgexpr.settings import Settings
from kgexpr.stages.base import StageContext, StageSpec


def learner_setup(s: Settings):
    """(estimator, genes per model): the learner with every hyper-parameter set, as the key records it."""
    return s.learner.build(s.seed)


def code_constants() -> dict:
    """The comparators' fixed settings: scored beside every model, so a change to them is a change of results."""
    from kgexpr.learn.learners import REFERENCE_FOREST, REFERENCE_MAX_ROWS
    from kgexpr.learn.naive import NEAREST_K

    return {"reference": {**REFERENCE_FOREST, "max_rows_per_tree": REFERENCE_MAX_ROWS}, "nearest_structure_k": NEAREST_K}


def resolved_splits(s: Settings, samples) -> tuple[tuple[str, ...], int]:
    """(splits, folds) after ``auto``: cv for one sample per compound, else random + drug (+ cv with --folds)."""
    from kgexpr.learn.splits import resolve_splits
    from kgexpr.settings import DEFAULT_FOLDS

    one_each = bool(samples["pert_id"].is_unique)
    return resolve_splits(s.evaluation.splits, one_each, s.evaluation.folds is not None), s.evaluation.folds or DEFAULT_FOLDS


def target_genes_for(ctx: StageContext):
    from kgexpr.learn.targets import resolve_gene_names, select_genes

    s = ctx.settings
    genes = ctx.read(A.GENES)
    default = s.learner.include_genes == Settings.default("include_genes")
    if default:  # the paper's example gene, modelled only where the data has it: say so when it has not
        missing = [g for g in s.learner.include_genes if not len(resolve_gene_names(genes, [g], strict=False))]
        if missing:
            console.print(f"train: {', '.join(missing)} (the default --include-genes) is not among the "
                          f"{len(genes)} genes of this data; not modelled")
    return select_genes(genes, s.learner.n_genes, s.seed, s.learner.include_genes, strict=not default)


def designs_for(ctx: StageContext, target_genes, controls: bool = False):
    """Samples and the designs (baseline + one per feature set) from the load and features artifacts; with
    ``controls``, also each feature set's design on graph features permuted across drugs (``<name>-permuted``)."""
    from kgexpr.features.design import BASELINE, build_designs, control_of

    samples = ctx.read(A.SAMPLES)
    kinds = ctx.read(A.FEATURE_KINDS)
    tables = {name: (kinds[name], ctx.read(A.feature_table(name))) for name in ctx.settings.features.methods}
    inputs = (samples, ctx.read_if_exists(A.DESCRIPTORS), ctx.read(A.PERT_TO_DRUG).set_index("pert_id")["drug_id"],
              ctx.read(A.FEATURE_NODES), tables, target_genes["entrez_id"])
    designs = build_designs(*inputs, permute_seed=ctx.settings.seed if ctx.settings.evaluation.permute_features else None)
    if controls and not ctx.settings.evaluation.permute_features:
        permuted = build_designs(*inputs, permute_seed=ctx.settings.seed)
        designs.update({control_of(name): d for name, d in permuted.items() if name != BASELINE})
    return samples, designs


def as_inputs(design) -> tuple[np.ndarray, np.ndarray | None]:
    """(X, X_target) as float32: every learner's trees split on float32 (scikit-learn's and LightGBM's), so the
    models are the same as from float64, in half the memory."""
    Xt = design.X_target
    return design.X.to_numpy(np.float32), None if Xt is None else Xt.astype(np.float32, copy=False)


def _merge_folds(parts: list[A.TrainResult]) -> A.TrainResult:
    """The folds of one (split, model) side by side; importances averaged over folds."""
    cat = lambda name: np.concatenate([getattr(p, name) for p in parts])  # noqa: E731
    return A.TrainResult(
        genes=parts[0].genes, train_index=cat("train_index"), test_index=cat("test_index"),
        y_train=cat("y_train"), y_test=cat("y_test"), stage1_test=cat("stage1_test"), stage2_test=cat("stage2_test"),
        stage1_oob=cat("stage1_oob"), stage2_oob=cat("stage2_oob"),
        importances=np.nanmean(np.stack([p.importances for p in parts]), axis=0) if len(parts) > 1
        else parts[0].importances,
        n_features=parts[0].n_features,
        train_fold=np.concatenate([np.full(len(p.train_index), k) for k, p in enumerate(parts)]),
        test_fold=np.concatenate([np.full(len(p.test_index), k) for k, p in enumerate(parts)]),
        test_similarity=None if parts[0].test_similarity is None else cat("test_similarity"),
    )


def _one_stage_result(genes, tr, te, y_train, y_test, pred, held_out, n_features: int,
                      similarity=None) -> A.TrainResult:
    """A comparator's fold: one stage, whose predictions stand for both stages'; no importances."""
    return A.TrainResult(genes=genes, train_index=tr, test_index=te, y_train=y_train, y_test=y_test,
                         stage1_test=pred, stage2_test=pred, stage1_oob=held_out, stage2_oob=held_out,
                         importances=np.empty((len(genes), 0)), n_features=np.array([n_features]),
                         test_similarity=similarity)


def fit_reference(X: np.ndarray, y_train: np.ndarray, y_test: np.ndarray, tr: np.ndarray, te: np.ndarray, seed: int,
                  n_jobs: int, genes: np.ndarray) -> A.TrainResult:
    """The reference forest on one fold's (clipped) training targets."""
    from kgexpr.learn.learners import reference_forest

    forest = reference_forest(seed, n_jobs, len(tr)).fit(X[tr], y_train).set_params(n_jobs=1)  # one summation order
    pred = np.asarray(forest.predict(X[te]), dtype=np.float64).reshape(len(te), -1)
    oob = np.asarray(forest.oob_prediction_, dtype=np.float64).reshape(len(tr), -1)
    oob = np.where(np.isfinite(oob), oob, y_train.mean(axis=0))  # rows never out of bag (tiny forests)
    return _one_stage_result(genes, tr, te, y_train, y_test, pred, oob, X.shape[1])


def fit_naive(fp, y_train: np.ndarray, y_test: np.ndarray, tr: np.ndarray, te: np.ndarray,
              genes: np.ndarray) -> dict[str, A.TrainResult]:
    """The training-mean signature and, given fingerprints ``fp`` (bits, has_structure), the nearest compounds by
    structure on one fold's (clipped) training targets."""
    from kgexpr.learn.naive import MEAN_MODEL, NEAREST_MODEL, mean_signature, nearest_structure

    out = {MEAN_MODEL: _one_stage_result(genes, tr, te, y_train, y_test, *mean_signature(y_train, len(te)), 0)}
    if fp is not None:
        F, has = fp
        pred, held_out, similarity = nearest_structure(F[tr], has[tr], F[te], has[te], y_train)
        out[NEAREST_MODEL] = _one_stage_result(genes, tr, te, y_train, y_test, pred, held_out, 0, similarity)
    return out


@dataclass
class TrainPlan:
    """What one training run fits: the genes, their targets, the designs, the folds and the learner."""

    target_genes: pd.DataFrame
    Y: np.ndarray  # samples x genes, the load's (scaled) expression
    samples: pd.DataFrame
    designs: dict
    splits: tuple[str, ...]
    folds: dict  # split -> [(train rows, test rows)]
    estimator: object
    per_model: int
    comparators: list[str]
    fingerprints: object  # the baseline's ECFP bits, None when the design has none

    @property
    def entrez(self) -> np.ndarray:
        return self.target_genes["entrez_id"].to_numpy()

    @property
    def models(self) -> list[str]:
        return list(self.designs)

    @property
    def n_fits(self) -> int:
        return sum(len(f) for f in self.folds.values())


def plan_training(ctx: StageContext) -> TrainPlan:
    from kgexpr.features.design import BASELINE
    from kgexpr.learn.learners import REFERENCE_MODEL
    from kgexpr.learn.naive import MEAN_MODEL, NEAREST_MODEL, fingerprints
    from kgexpr.learn.splits import split_folds

    s = ctx.settings
    estimator, per_model = learner_setup(s)
    target_genes = target_genes_for(ctx)
    Y = ctx.read(A.EXPRESSION_SCALED)[target_genes["entrez_id"].to_numpy()].to_numpy(np.float64)
    samples, designs = designs_for(ctx, target_genes, controls=s.evaluation.graph_control)
    splits, n_folds = resolved_splits(s, samples)
    folds = {split: split_folds(samples, split, s.evaluation.test_size, s.seed, n_folds) for split in splits}
    fp = fingerprints(designs[BASELINE].X.to_numpy(), designs[BASELINE].X.columns)  # None: no ECFP bits
    comparators = [REFERENCE_MODEL, MEAN_MODEL] + ([NEAREST_MODEL] if fp is not None else [])
    return TrainPlan(target_genes, Y, samples, designs, splits, folds, estimator, per_model, comparators, fp)


def _announce(s: Settings, plan: TrainPlan) -> None:
    from kgexpr.learn.learners import REFERENCE_MODEL, learner_description

    lr, ev = s.learner, s.evaluation
    folds = ", ".join(f"{k}: {len(v)} fold(s)" for k, v in plan.folds.items())
    console.print(
        f"train: {len(plan.entrez)} genes x {len(plan.models)} models x {plan.n_fits} fits ({folds}), two MTRS stages; "
        f"{lr.learner} ({learner_description(lr.learner, plan.estimator.get_params(deep=True))}), {plan.per_model} "
        f"gene(s) per model, {lr.n_trees} trees; {len(plan.samples)} samples; training targets clipped at "
        f"{lr.target_clip:g} robust sd per fold" + ("" if lr.target_clip else " (off)")
        + f"; and the reference forest ({REFERENCE_MODEL}) on the baseline design"
        + ("; NEGATIVE CONTROL: graph features permuted across drugs" if ev.permute_features else "")
        + ("; each graph model also on permuted graph features (its control)"
           if ev.graph_control and not ev.permute_features else "")
    )


def _resumable(partial: Path) -> None:
    """Keep the finished parts of an interrupted run that still read; say how many."""
    for f in sorted(partial.glob("*.npz")):  # a finished fold counts as done by its file: it must still read
        try:
            A.TrainResult.load(f)
        except DamagedFile as e:
            console.print(f"[yellow]train: {e.path} is damaged; fitting it again[/]")
            f.unlink()
    kept = len(list(partial.glob("*.npz"))) + len(list((partial / "blocks").glob("*.npz")))
    if kept:
        console.print(f"train: resuming an interrupted run ({kept} finished parts kept in {partial})")


def _fit_comparators(s: Settings, plan: TrainPlan, y_fit: dict, partial: Path, advance) -> None:
    """The reference forest and the naive models, per fold (seconds each)."""
    from kgexpr.features.design import BASELINE
    from kgexpr.learn.learners import REFERENCE_MODEL

    X_base = as_inputs(plan.designs[BASELINE])[0]
    m = len(plan.entrez)
    for split, split_fold_list in plan.folds.items():
        for k, (tr, te) in enumerate(split_fold_list):
            done = A.train_fold_result(split, REFERENCE_MODEL, k)
            if not done.exists(partial):
                fit_reference(X_base, y_fit[split, k], plan.Y[te], tr, te, s.seed, s.backend.n_jobs, plan.entrez).save(
                    done.path(partial))
            for name, result in fit_naive(plan.fingerprints, y_fit[split, k], plan.Y[te], tr, te, plan.entrez).items():
                result.save(A.train_fold_result(split, name, k).path(partial))
            advance(m)


def _fit_models(s: Settings, plan: TrainPlan, y_fit: dict, partial: Path, advance) -> None:
    """Every (split, fold, model) fit not finished yet, in pools as large as the memory budget allows."""
    from kgexpr.learn.checkpoint import NpzBlockStore
    from kgexpr.learn.engine import StageInputs, fit_two_stages

    m = len(plan.entrez)
    todo = []
    for split, split_fold_list in plan.folds.items():
        for k in range(len(split_fold_list)):
            for name in plan.models:
                if A.train_fold_result(split, name, k).exists(partial):
                    advance(2 * m)
                else:
                    todo.append((split, k, name))
    # as many (split, fold, model) fits in one pool as the memory budget allows: fewer rounds that wait
    # for their slowest fit, and two cores busy until the end
    tag = {item: f"{item[0]}__{item[2]}__fold{item[1]:02d}" for item in todo}  # a fit's block-store prefix
    # a fit holds its design (float32), its targets and, until saved, both stages' held-out and test predictions
    # and stage-2 importances (float64): about 5 x samples x genes x 8 bytes beside the design
    per_fit = 5 * len(plan.samples) * m * 8
    for group in _rounds(todo, lambda item: plan.designs[item[2]].X.size * 4 + per_fit):
        problems, stores, arrays = {}, {}, {}
        for split, k, name in group:
            tr, te = plan.folds[split][k]
            if name not in arrays:  # one conversion per model, shared by its splits and folds
                arrays[name] = as_inputs(plan.designs[name])
            X, Xt = arrays[name]
            store = stores[tag[split, k, name]] = NpzBlockStore(partial / "blocks", tag[split, k, name])
            problems[tag[split, k, name]] = StageInputs(X[tr], y_fit[split, k], X[te], None if Xt is None else Xt[tr],
                                                        None if Xt is None else Xt[te], store=store,
                                                        n_conditions=plan.designs[name].n_conditions)
        del arrays
        fitted = fit_two_stages(plan.estimator, problems, random_state=s.seed, n_jobs=s.backend.n_jobs,
                                targets_per_model=plan.per_model, stage2_importances="extra",
                                on_block_done=lambda name, genes, r: advance(len(genes)))
        for split, k, name in group:
            tr, te = plan.folds[split][k]
            key = tag[split, k, name]
            s1, s2 = fitted[key].stage1, fitted[key].stage2
            importances = np.vstack([i if i is not None else np.full(m, np.nan) for i in s2.importances])
            A.TrainResult(
                genes=plan.entrez, train_index=tr, test_index=te,
                y_train=problems[key].Y, y_test=plan.Y[te], stage1_test=s1.predictions, stage2_test=s2.predictions,
                stage1_oob=s1.held_out, stage2_oob=s2.held_out, importances=importances,
                n_features=np.array([plan.designs[name].X.shape[1]]),
            ).save(A.train_fold_result(split, name, k).path(partial))
            stores[key].clear()
            del fitted[key], problems[key]  # free each fit's arrays as soon as it is saved


def run(ctx: StageContext) -> None:
    from kgexpr.learn.learners import REFERENCE_MODEL
    from kgexpr.learn.parallel import dask_backend
    from kgexpr.learn.scaling import clip_targets

    s = ctx.settings
    plan = plan_training(ctx)
    _announce(s, plan)
    partial = ctx.run.partial(A.TRAIN, ctx.key)  # survives interrupts: finished gene blocks are not redone
    _resumable(partial)
    m = len(plan.entrez)
    t_fit = time.time()
    with dask_backend(s.backend.dask), bar("train (gene fits)", plan.n_fits * (len(plan.models) * 2 + 1) * m) as advance:
        # each fold's training targets, clipped once on its own rows, for every model of the fold
        y_fit = {(split, k): clip_targets(plan.Y[tr], s.learner.target_clip)
                 for split, split_fold_list in plan.folds.items() for k, (tr, _) in enumerate(split_fold_list)}
        _fit_comparators(s, plan, y_fit, partial, advance)  # the comparators first: seconds per fold
        _fit_models(s, plan, y_fit, partial, advance)
    for split, split_fold_list in plan.folds.items():
        for name in [*plan.models, *plan.comparators]:
            parts = [A.TrainResult.load(A.train_fold_result(split, name, k).path(partial))
                     for k in range(len(split_fold_list))]
            _merge_folds(parts).save(A.train_result(split, name).path(ctx.out))
    ctx.write(A.TARGET_GENES, plan.target_genes)
    ctx.info.update({"genes": m, "models": plan.models, "reference": REFERENCE_MODEL, "comparators": plan.comparators,
                     "target_clip": s.learner.target_clip, "splits": list(plan.splits),
                     "folds": {k: len(v) for k, v in plan.folds.items()}, "samples": int(len(plan.samples)),
                     "learner": s.learner.learner, "n_trees": s.learner.n_trees, "targets_per_model": plan.per_model,
                     "seed": s.seed, "n_genes_asked": s.learner.n_genes,
                     "permute_features": s.evaluation.permute_features,
                     "design_columns": {n: int(d.X.shape[1]) for n, d in plan.designs.items()},
                     "fit_seconds_this_session": round(time.time() - t_fit, 1)})


#: bytes of fits (designs, targets, results) trained in one pool; a larger pool keeps the cores busier, a smaller one
#: the memory lower (on 936 samples x 978 genes, one pool of all 105 fits peaked at 6.4 GB)
ROUND_BYTES = int(1.5 * 2**30)


def _rounds(items: list, nbytes, budget: float | None = None) -> list[list]:
    """Consecutive groups of ``items`` whose summed ``nbytes(item)`` stays within ``budget`` (at least one each)."""
    budget = ROUND_BYTES if budget is None else budget
    groups, current, used = [], [], 0.0
    for item in items:
        size = nbytes(item)
        if current and used + size > budget:
            groups.append(current)
            current, used = [], 0.0
        current.append(item)
        used += size
    return groups + ([current] if current else [])


def finish(ctx: StageContext) -> None:
    ctx.run.drop_partial(A.TRAIN, ctx.key)


STAGE = StageSpec(
    name=A.TRAIN, needs=(A.LOAD, A.FEATURES), version=4, sections=("features", "learner", "evaluation"), code=code_constants, run=run, finish=finish,
    description="two-stage MTRS models: a baseline and one model per feature set, per split",
)
