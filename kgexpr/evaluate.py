"""The paper's evaluation: per-gene R^2, win counts (Fig. 2), pairwise vs baseline (Fig. 3).

Every score is in the input's units first (the target scaling undone), and every table carries
the reference forest (scikit-learn's multi-output random forest on the baseline design) beside
the baseline: each model is tested against both.

Plus stacking: ``stacking`` is the paper's plain average of the graph feature-set
models' predictions (no meta-model); ``stacking-weighted`` learns non-negative
weights per gene on the models' out-of-bag training predictions, so no test
sample ever informs a weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import nnls

from kgexpr.features.design import BASELINE, control_of, is_control
from kgexpr.learn.learners import REFERENCE_MODEL
from kgexpr.learn.naive import NAIVE_MODELS, NEAREST_MODEL

#: models scored beside kgexpr's that are not graph models (never stacked, never deployed)
COMPARATORS = (REFERENCE_MODEL, *NAIVE_MODELS)
#: bins of a test compound's largest Tanimoto similarity to the training compounds
SIMILARITY_BINS = (0.0, 0.3, 0.5, 0.7, 1.0)
NO_STRUCTURE = "no structure"

STACKING = "stacking"
STACKING_WEIGHTED = "stacking-weighted"


def r2_per_gene(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Coefficient of determination per column (1 - SS_res/SS_tot); NaN for a constant column."""
    y_true = np.asarray(y_true, float)
    y_pred = np.asarray(y_pred, float)
    ss_res = ((y_true - y_pred) ** 2).sum(axis=0)
    ss_tot = ((y_true - y_true.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ss_tot > 0, 1.0 - ss_res / ss_tot, np.nan)


def pearson_per_gene(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    a = np.asarray(y_true, float) - np.mean(y_true, axis=0)
    b = np.asarray(y_pred, float) - np.mean(y_pred, axis=0)
    denom = np.sqrt((a**2).sum(axis=0) * (b**2).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom > 0, (a * b).sum(axis=0) / denom, np.nan)


def pearson_per_signature(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Pearson correlation of each sample's predicted and measured signature over the genes (the field's metric)."""
    return pearson_per_gene(np.asarray(y_true, float).T, np.asarray(y_pred, float).T)


def signature_k(n_genes: int) -> int:
    """k of precision@k: 50 genes, or 10 % of the genes when fewer than 500 are modelled."""
    return int(max(1, min(50, int(np.ceil(0.1 * n_genes)))))


def precision_at_k(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per sample, the share of its k most up- (and down-) regulated genes that the prediction also ranks in its
    top (bottom) k, as DeepCE and CIGER report."""
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    k = min(k, y_true.shape[1])

    def overlap(a, b):
        top_a = np.argpartition(-a, k - 1, axis=1)[:, :k]
        top_b = np.argpartition(-b, k - 1, axis=1)[:, :k]
        hits = (top_a[:, :, None] == top_b[:, None, :]).any(axis=2).sum(axis=1)
        return hits / k

    return overlap(y_true, y_pred), overlap(-y_true, -y_pred)


def similarity_bin(similarity: np.ndarray) -> np.ndarray:
    """A label per test sample: its Tanimoto bin, or 'no structure'."""
    edges = SIMILARITY_BINS
    labels = [f"{a:.1f}–{b:.1f}" for a, b in zip(edges[:-1], edges[1:])]
    sim = np.asarray(similarity, float)
    idx = np.clip(np.searchsorted(edges, sim, side="right") - 1, 0, len(labels) - 1)
    return np.where(np.isnan(sim), NO_STRUCTURE, np.array(labels, dtype=object)[idx])


def stack_mean(predictions: list[np.ndarray]) -> np.ndarray:
    return np.mean(np.stack(predictions), axis=0)


def stack_weights(held_out: list[np.ndarray], y: np.ndarray) -> np.ndarray:
    """Non-negative weights per gene, summing to 1: (n_models, n_genes), fitted on held-out predictions."""
    k, (_, m) = len(held_out), y.shape
    H = np.stack(held_out)  # k x n x m
    W = np.zeros((k, m))
    for j in range(m):
        w, _ = nnls(H[:, :, j].T, y[:, j])
        W[:, j] = w / w.sum() if w.sum() > 0 else np.full(k, 1.0 / k)
    return W


def stack_weighted(predictions: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
    return np.einsum("knm,km->nm", np.stack(predictions), weights)


def stack_weighted_by_fold(results: list) -> tuple[np.ndarray, np.ndarray]:
    """Weighted stacking of ``results`` (TrainResults of one split), its weights fitted per fold on that
    fold's out-of-bag training predictions only; returns (test predictions, weights averaged over folds)."""
    first = results[0]
    pred = np.zeros_like(first.stage2_test, dtype=float)
    weights = []
    for k in range(first.n_folds):
        tr, te = first.train_fold == k, first.test_fold == k
        W = stack_weights([r.stage2_oob[tr] for r in results], first.y_train[tr])
        pred[te] = stack_weighted([r.stage2_test[te] for r in results], W)
        weights.append(W)
    return pred, np.mean(weights, axis=0)


def win_counts(wide: pd.DataFrame) -> pd.Series:
    """For each gene (row) the model (column) with the highest score; ties go to the earlier column."""
    valid = wide.dropna(how="all")
    best = valid.to_numpy().argmax(axis=1) if len(valid) else np.array([], int)
    counts = pd.Series(0, index=wide.columns, dtype=int)
    for b in best:
        counts.iloc[b] += 1
    return counts


def pairwise_vs(wide: pd.DataFrame, reference: str = BASELINE) -> pd.DataFrame:
    """Each model against ``reference`` on the same genes: wins, losses, ties, Wilcoxon signed-rank p."""
    rows = []
    ref = wide[reference]
    for model in wide.columns:
        if model == reference:
            continue
        pair = pd.concat([wide[model], ref], axis=1).dropna()
        diff = (pair.iloc[:, 0] - pair.iloc[:, 1]).to_numpy()
        nonzero = diff[diff != 0]
        p = float(stats.wilcoxon(nonzero).pvalue) if len(nonzero) >= 1 else float("nan")
        rows.append(
            {
                "model": model,
                "reference": reference,
                "genes": int(len(diff)),
                "wins": int((diff > 0).sum()),
                "losses": int((diff < 0).sum()),
                "ties": int((diff == 0).sum()),
                "median_diff": float(np.median(diff)) if len(diff) else float("nan"),
                "wilcoxon_p": p,
            }
        )
    return pd.DataFrame(rows)


def top_associations(importances: np.ndarray, genes: np.ndarray, k: int) -> pd.DataFrame:
    """Top-k genes whose stage-1 prediction matters most in each gene's stage-2 model (self excluded)."""
    imp = np.array(importances, float, copy=True)
    np.fill_diagonal(imp, -np.inf)
    rows = []
    for j, g in enumerate(genes):
        if not np.isfinite(imp[j]).any():
            continue
        order = np.argsort(-imp[j], kind="stable")[:k]
        for rank, o in enumerate(order, 1):
            if not np.isfinite(imp[j, o]) or imp[j, o] <= 0:
                break
            rows.append({"source": int(g), "target": int(genes[o]), "weight": float(imp[j, o]), "rank": rank})
    return pd.DataFrame(rows, columns=["source", "target", "weight", "rank"])


def headline_column(metrics: pd.DataFrame) -> str:
    """The R² every table leads with: in the input's units (``r2_original``) when the scaling was recorded."""
    return "r2_original" if "r2_original" in metrics.columns else "r2"


@dataclass
class Evaluation:
    """The paper's tables for every split: per-gene metrics, wins, pairwise tests, stacking weights."""

    metrics: pd.DataFrame
    wins: pd.DataFrame
    pairwise: pd.DataFrame
    stacking_weights: pd.DataFrame | None
    summary: dict
    signatures: pd.DataFrame | None = None  # per split, model and test sample: Pearson, precision@k, similarity bin


def evaluate(results: dict, genes: pd.DataFrame, models: list[str], split_order=("cv", "random", "drug"),
             scale: pd.DataFrame | None = None) -> Evaluation:
    """Score ``results`` (split -> model -> TrainResult); ``models`` fixes the report order.

    With ``scale`` (the load stage's per-gene scaling parameters) every score is also computed
    in the input's units, the scaling undone (``r2_original``): the same R² for min-max, not
    for the robust transform, whose R² weighs the heavy tails less.
    """
    symbol = dict(zip(genes["entrez_id"], genes["symbol"]))
    rows, signature_frames, weight_frames = [], [], []
    ordered = [x for x in split_order if x in results] + [x for x in results if x not in split_order]
    for split in ordered:
        scored = _score_split(split, results[split], symbol, scale)
        rows += scored.rows
        signature_frames += scored.signatures
        if scored.weights is not None:
            weight_frames.append(scored.weights)
    metrics = pd.concat(rows, ignore_index=True)
    signatures = pd.concat(signature_frames, ignore_index=True)
    headline = headline_column(metrics)
    summary, win_frames, pair_frames = {}, [], []
    for split, df in metrics[metrics["stage"] == "final"].groupby("split", sort=False):
        wins, pairs, summary[split] = _summarise_split(split, df, results[split], models, headline, signatures)
        win_frames.append(wins)
        pair_frames += pairs
    return Evaluation(metrics, pd.concat(win_frames), pd.concat(pair_frames),
                      pd.concat(weight_frames) if weight_frames else None, summary, signatures)


@dataclass
class _SplitScores:
    rows: list  # per-gene metric frames, one per model and stage
    signatures: list  # per-signature metric frames, one per model
    weights: pd.DataFrame | None  # the weighted stacking's weights per gene


def _stacked(per_model: dict, split: str, gene_ids) -> tuple[dict, pd.DataFrame | None]:
    """Every model's final test predictions, plus both stackings of the graph models (and of their controls,
    when every graph model has one), and the weighted stacking's weights."""
    graph_models = [m for m in per_model if m != BASELINE and m not in COMPARATORS and not is_control(m)]
    controls = [control_of(m) for m in graph_models if control_of(m) in per_model]
    final = {m: r.stage2_test for m, r in per_model.items()}
    weights = None
    for members, suffix in ((graph_models, ""), (controls, control_of(""))):
        if not members or (suffix and len(members) != len(graph_models)):
            continue  # a stacking control only over the same models' controls
        final[STACKING + suffix] = stack_mean([per_model[m].stage2_test for m in members])
        final[STACKING_WEIGHTED + suffix], W = stack_weighted_by_fold([per_model[m] for m in members])
        if not suffix:
            weights = pd.DataFrame(W.T, columns=graph_models)
            weights.insert(0, "entrez_id", gene_ids)
            weights.insert(0, "split", split)
    return final, weights


def _score_split(split: str, per_model: dict, symbol: dict, scale: pd.DataFrame | None) -> _SplitScores:
    """Per-gene R² and Pearson (both stages; also in the input's units) and per-signature metrics of one split."""
    from kgexpr.learn.scaling import inverse

    first = next(iter(per_model.values()))
    y_test, gene_ids = first.y_test, first.genes
    params = scale.reindex(gene_ids) if scale is not None else None
    y_test_orig = inverse(y_test, params) if params is not None else None
    nearest = per_model.get(NEAREST_MODEL)
    similarity = (nearest.test_similarity if nearest is not None and nearest.test_similarity is not None
                  else np.full(len(first.test_index), np.nan))
    k = signature_k(len(gene_ids))
    y_sig = y_test_orig if y_test_orig is not None else y_test
    final, weights = _stacked(per_model, split, gene_ids)
    rows, signatures = [], []
    for m, pred in final.items():
        p_sig = inverse(pred, params) if params is not None else pred
        up, down = precision_at_k(y_sig, p_sig, k)
        signatures.append(pd.DataFrame({
            "split": split, "model": m, "sample": first.test_index, "fold": first.test_fold,
            "pearson": pearson_per_signature(y_sig, p_sig), "precision_up": up, "precision_down": down,
            "k": k, "max_similarity": similarity, "similarity_bin": similarity_bin(similarity)}))
        scored = [("final", pred)] + ([("stage1", per_model[m].stage1_test)]
                                      if m in per_model and m not in COMPARATORS else [])
        for stage_name, p in scored:
            row = pd.DataFrame({"split": split, "model": m, "stage": stage_name, "entrez_id": gene_ids,
                                "symbol": [symbol.get(g, "") for g in gene_ids],
                                "r2": r2_per_gene(y_test, p), "pearson": pearson_per_gene(y_test, p)})
            if y_test_orig is not None:
                p_orig = inverse(p, params)
                row["r2_original"] = r2_per_gene(y_test_orig, p_orig)
                row["pearson_original"] = pearson_per_gene(y_test_orig, p_orig)
            rows.append(row)
    return _SplitScores(rows, signatures, weights)


def _against(pairs: pd.DataFrame) -> dict:
    return pairs.set_index("model")[["wins", "losses", "wilcoxon_p"]].to_dict(orient="index")


def _summarise_split(split: str, df: pd.DataFrame, per_model: dict, models: list[str], headline: str,
                     signatures: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.DataFrame], dict]:
    """One split's win counts, tests (against the baseline, the reference forest and each model's control) and
    summary, in the report's order: the models, the stackings, the comparators, then the controls."""
    wide = df.pivot(index="entrez_id", columns="model", values=headline)
    stackings = [STACKING, STACKING_WEIGHTED, control_of(STACKING), control_of(STACKING_WEIGHTED)]
    order = [m for m in [*(m for m in models if not is_control(m)), *stackings[:2], *COMPARATORS,
                         *(m for m in models if is_control(m)), *stackings[2:]] if m in wide.columns]
    wide = wide[order]
    wins = win_counts(wide[[m for m in order if not is_control(m)]]).rename("wins").rename_axis("model")
    wins = wins.reset_index().assign(split=split)
    pairs = pairwise_vs(wide).assign(split=split)
    against_reference = (pairwise_vs(wide, REFERENCE_MODEL).assign(split=split)
                         if REFERENCE_MODEL in wide.columns else pd.DataFrame())
    against_control = pd.concat([pairwise_vs(wide[[m, control_of(m)]], control_of(m)).assign(split=split)
                                 for m in wide.columns if control_of(m) in wide.columns] or [pd.DataFrame()])
    first = next(iter(per_model.values()))
    summary = {
        "folds": first.n_folds, "test_samples": int(len(first.test_index)), "units": "input",
        "median_r2": wide.median().round(4).to_dict(),
        **({"median_r2_scaled": df.pivot(index="entrez_id", columns="model", values="r2")[order]
            .median().round(4).to_dict()} if headline != "r2" else {}),
        "wins": dict(zip(wins["model"], wins["wins"].astype(int))),
        "vs_baseline": _against(pairs),
        **({"vs_reference": _against(against_reference)} if len(against_reference) else {}),
        **({"vs_control": _against(against_control)} if len(against_control) else {}),
        **signature_summary(signatures[signatures["split"] == split], order),
    }
    return wins, [pairs, against_reference, against_control], summary


def signature_summary(sig: pd.DataFrame, order: list[str]) -> dict:
    """The field's metrics of one split: median per-signature Pearson, mean precision@k, and both by similarity bin."""
    def per_model(values: pd.Series) -> dict:
        return values.reindex(order).dropna().round(4).to_dict()

    by_model = sig.groupby("model")
    bins = {str(label): {"compounds": int(part["sample"].nunique()),
                         "median_signature_pearson": per_model(part.groupby("model")["pearson"].median())}
            for label, part in sig.groupby("similarity_bin", sort=True)}
    return {"k": int(sig["k"].iloc[0]) if len(sig) else 0,
            "median_signature_pearson": per_model(by_model["pearson"].median()),
            "precision_up_at_k": per_model(by_model["precision_up"].mean()),
            "precision_down_at_k": per_model(by_model["precision_down"].mean()), "by_similarity": bins}
