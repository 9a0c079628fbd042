import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kgexpr import evaluate as ev


def test_r2_and_pearson_by_hand():
    y = np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 2.0], [4.0, 3.0]])
    p = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [5.0, 0.0]])
    # gene 0: SS_res = 1, SS_tot = 5 -> 0.8 ; gene 1: reversed -> SS_res = 9+1+1+9 = 20, SS_tot = 5 -> -3
    np.testing.assert_allclose(ev.r2_per_gene(y, p), [0.8, -3.0])
    r = ev.pearson_per_gene(y, p)
    assert r[1] == pytest.approx(-1.0)
    assert r[0] == pytest.approx(stats.pearsonr(y[:, 0], p[:, 0])[0])
    const = ev.r2_per_gene(np.ones((3, 1)), np.zeros((3, 1)))
    assert np.isnan(const[0])


def test_stacking_mean_and_weights():
    a = np.array([[1.0], [2.0], [3.0]])
    b = np.array([[3.0], [2.0], [1.0]])
    np.testing.assert_allclose(ev.stack_mean([a, b]), [[2.0], [2.0], [2.0]])
    y = a.copy()
    W = ev.stack_weights([a, b], y)
    np.testing.assert_allclose(W[:, 0], [1.0, 0.0], atol=1e-9)  # a alone fits y exactly
    assert (W >= 0).all()
    np.testing.assert_allclose(ev.stack_weighted([a, b], W), a)


def test_win_counts_ties_go_to_first_column():
    wide = pd.DataFrame({"baseline": [0.1, 0.5, 0.2], "cn": [0.3, 0.5, 0.1], "st": [0.2, 0.4, 0.3]})
    wins = ev.win_counts(wide)
    assert wins.to_dict() == {"baseline": 1, "cn": 1, "st": 1}


def test_pairwise_vs_baseline_matches_scipy():
    rng = np.random.default_rng(0)
    base = rng.normal(size=40)
    better = base + np.abs(rng.normal(size=40)) * 0.2
    better[:5] = base[:5] - 0.1
    wide = pd.DataFrame({"baseline": base, "m": better})
    out = ev.pairwise_vs(wide).set_index("model")
    assert out.loc["m", "wins"] == 35 and out.loc["m", "losses"] == 5 and out.loc["m", "ties"] == 0
    assert out.loc["m", "wilcoxon_p"] == pytest.approx(stats.wilcoxon(better - base).pvalue)


def test_top_associations_exclude_self_and_rank():
    imp = np.array([[0.9, 0.3, 0.1], [0.2, 0.8, 0.0], [0.4, 0.5, 0.7]])
    genes = np.array([10, 20, 30])
    out = ev.top_associations(imp, genes, k=2)
    g10 = out[out.source == 10]
    assert list(g10.target) == [20, 30] and list(g10["rank"]) == [1, 2]
    g20 = out[out.source == 20]
    assert list(g20.target) == [10]  # zero importance is not an association
    assert not (out.source == out.target).any()


def _results(seed=0, n_train=40, n_test=30, genes=(11, 12, 13)):
    from kgexpr.artifacts import TrainResult
    from kgexpr.features.design import BASELINE

    rng = np.random.default_rng(seed)
    g = len(genes)

    def one(noise):
        y_tr, y_te = rng.uniform(size=(n_train, g)), rng.uniform(size=(n_test, g))
        return y_tr, y_te, np.clip(y_te + rng.normal(scale=noise, size=y_te.shape), 0, 1)

    y_tr, y_te, _ = one(0.1)
    out = {}
    for name, noise in ((BASELINE, 0.3), ("cn", 0.1)):
        p = np.clip(y_te + rng.normal(scale=noise, size=y_te.shape), 0, 1)
        oob = np.clip(y_tr + rng.normal(scale=noise, size=y_tr.shape), 0, 1)
        out[name] = TrainResult(np.asarray(genes), np.arange(n_train), np.arange(n_test), y_tr, y_te, p, p, oob, oob,
                                np.zeros((g, g)), np.array([5]))
    return {"random": out}


def test_scores_in_the_input_units_undo_the_scaling():
    from kgexpr.evaluate import evaluate
    from kgexpr.learn.scaling import fit_transform

    genes = pd.DataFrame({"entrez_id": [11, 12, 13], "symbol": ["A", "B", "C"]})
    raw = pd.DataFrame(np.random.default_rng(1).standard_t(2, size=(50, 3)) * 5, columns=[11, 12, 13])
    results = _results()
    plain = evaluate(results, genes, ["baseline", "cn"])
    assert "r2_original" not in plain.metrics.columns
    _, minmax = fit_transform(raw, "minmax")
    mm = evaluate(results, genes, ["baseline", "cn"], scale=minmax).metrics
    np.testing.assert_allclose(mm["r2_original"], mm["r2"], atol=1e-9)  # affine: R² unchanged
    _, robust = fit_transform(raw, "robust")
    rb = evaluate(results, genes, ["baseline", "cn"], scale=robust)
    assert not np.allclose(rb.metrics["r2_original"], rb.metrics["r2"])
    # the summary leads with the input's units; the scaled ones follow
    summary = rb.summary["random"]
    assert summary["units"] == "input" and set(summary["median_r2_scaled"]) >= {"baseline", "cn", "stacking"}
    wide = rb.metrics[rb.metrics["stage"] == "final"].pivot(index="entrez_id", columns="model", values="r2_original")
    assert summary["median_r2"]["cn"] == pytest.approx(round(wide["cn"].median(), 4))


def test_weighted_stacking_is_fitted_per_fold_on_that_folds_training_rows_only():
    from kgexpr.artifacts import TrainResult
    from kgexpr.evaluate import stack_weighted_by_fold, stack_weights

    rng = np.random.default_rng(0)
    n, m = 30, 4
    y = rng.random((n, m))
    test_fold = np.repeat([0, 1, 2], 10)
    train_index = np.concatenate([np.flatnonzero(test_fold != k) for k in range(3)])
    train_fold = np.repeat([0, 1, 2], 20)

    def result(noise, seed):
        r = np.random.default_rng(seed)
        return TrainResult(genes=np.arange(m), train_index=train_index, test_index=np.arange(n),
                           y_train=y[train_index], y_test=y, stage1_test=y, stage2_test=y + noise * r.normal(size=(n, m)),
                           stage1_oob=y[train_index], stage2_oob=y[train_index] + noise * r.normal(size=(60, m)),
                           importances=np.zeros((m, m)), n_features=np.array([1]), train_fold=train_fold,
                           test_fold=test_fold)

    a, b = result(0.05, 1), result(0.5, 2)
    pred, W = stack_weighted_by_fold([a, b])
    for k in range(3):
        Wk = stack_weights([a.stage2_oob[train_fold == k], b.stage2_oob[train_fold == k]], a.y_train[train_fold == k])
        te = test_fold == k
        np.testing.assert_allclose(pred[te], np.einsum("knm,km->nm", np.stack([a.stage2_test[te], b.stage2_test[te]]), Wk))
    assert (W[0] > W[1]).all()  # the less noisy model weighs more
    # the test targets never enter a weight
    a2 = TrainResult(**{**a.__dict__, "y_test": y + 100.0})
    np.testing.assert_allclose(stack_weighted_by_fold([a2, b])[0], pred)


def test_the_reference_forest_is_scored_beside_the_models_and_tested_against_them():
    from kgexpr.artifacts import TrainResult
    from kgexpr.learn.learners import REFERENCE_MODEL

    results = _results()
    cn = results["random"]["cn"]
    # a reference that predicts the test targets better than every model: each model loses to it
    noisy = cn.y_test + np.random.default_rng(5).normal(scale=0.01, size=cn.y_test.shape)
    results["random"][REFERENCE_MODEL] = TrainResult(cn.genes, cn.train_index, cn.test_index, cn.y_train, cn.y_test,
                                                     noisy, noisy, cn.y_train, cn.y_train, np.empty((3, 0)),
                                                     np.array([5]))
    genes = pd.DataFrame({"entrez_id": [11, 12, 13], "symbol": ["A", "B", "C"]})
    out = ev.evaluate(results, genes, ["baseline", "cn"])
    summary = out.summary["random"]
    assert REFERENCE_MODEL in summary["median_r2"]
    # not a graph model: stacking averages cn alone, so it equals cn
    assert summary["median_r2"]["stacking"] == pytest.approx(summary["median_r2"]["cn"])
    vs_ref = out.pairwise[out.pairwise["reference"] == REFERENCE_MODEL].set_index("model")
    assert set(vs_ref.index) == {"baseline", "cn", "stacking", "stacking-weighted"}
    assert (vs_ref["losses"] == 3).all()
    assert summary["vs_reference"]["cn"]["losses"] == 3
    ref_rows = out.metrics[out.metrics["model"] == REFERENCE_MODEL]
    assert set(ref_rows["stage"]) == {"final"}  # one stage: no duplicate stage-1 rows


def test_the_fields_signature_metrics_by_hand():
    y = np.array([[3.0, 2.0, 1.0, -1.0, -2.0, -3.0], [1.0, 0.5, 0.2, -0.2, -0.5, -1.0]])
    p = np.array([[2.0, 3.0, -1.0, 1.0, -3.0, -2.0], -y[1]])
    r = ev.pearson_per_signature(y, p)
    assert r[0] == pytest.approx(stats.pearsonr(y[0], p[0])[0]) and r[1] == pytest.approx(-1.0)
    up, down = ev.precision_at_k(y, p, 2)
    # sample 0: top-2 up {0, 1} vs {1, 0}: 2/2; bottom-2 {5, 4} vs {4, 5}: 2/2; sample 1: reversed
    np.testing.assert_allclose(up, [1.0, 0.0])
    np.testing.assert_allclose(down, [1.0, 0.0])
    assert ev.signature_k(978) == 50 and ev.signature_k(200) == 20
    labels = ev.similarity_bin(np.array([0.1, 0.3, 0.69, 1.0, np.nan]))
    assert list(labels) == ["0.0–0.3", "0.3–0.5", "0.5–0.7", "0.7–1.0", "no structure"]


def test_signature_metrics_and_bins_reach_the_summary():
    from kgexpr.artifacts import TrainResult
    from kgexpr.learn.naive import MEAN_MODEL, NEAREST_MODEL

    results = _results()
    cn = results["random"]["cn"]
    mean = np.repeat(cn.y_train.mean(axis=0)[None, :], len(cn.y_test), axis=0)
    sim = np.linspace(0, 1, len(cn.y_test))
    sim[:3] = np.nan
    for name, pred, similarity in ((MEAN_MODEL, mean, None), (NEAREST_MODEL, mean, sim)):
        results["random"][name] = TrainResult(cn.genes, cn.train_index, cn.test_index, cn.y_train, cn.y_test, pred,
                                              pred, cn.y_train, cn.y_train, np.empty((3, 0)), np.array([0]),
                                              test_similarity=similarity)
    genes = pd.DataFrame({"entrez_id": [11, 12, 13], "symbol": ["A", "B", "C"]})
    out = ev.evaluate(results, genes, ["baseline", "cn"])
    summary = out.summary["random"]
    assert summary["k"] == 1 and set(summary["median_signature_pearson"]) >= {"cn", MEAN_MODEL, NEAREST_MODEL}
    # the comparators are not graph models: stacking is cn alone
    assert summary["median_signature_pearson"]["stacking"] == pytest.approx(summary["median_signature_pearson"]["cn"])
    bins = summary["by_similarity"]
    assert bins["no structure"]["compounds"] == 3 and sum(b["compounds"] for b in bins.values()) == len(cn.y_test)
    sig = out.signatures
    assert len(sig) == len(cn.y_test) * sig["model"].nunique()
    row = sig[(sig["model"] == "cn")].iloc[0]
    assert row["pearson"] == pytest.approx(stats.pearsonr(cn.y_test[0], cn.stage2_test[0])[0])


def test_each_graph_model_and_the_stackings_are_tested_against_their_permuted_controls():
    from kgexpr.artifacts import TrainResult

    results = _results()
    cn = results["random"]["cn"]
    rng = np.random.default_rng(9)
    noise = np.clip(cn.y_test + rng.normal(scale=0.3, size=cn.y_test.shape), 0, 1)  # as poor as the baseline
    results["random"]["cn-permuted"] = TrainResult(cn.genes, cn.train_index, cn.test_index, cn.y_train, cn.y_test,
                                                   noise, noise, cn.stage2_oob, cn.stage2_oob, np.zeros((3, 3)),
                                                   np.array([5]))
    genes = pd.DataFrame({"entrez_id": [11, 12, 13], "symbol": ["A", "B", "C"]})
    out = ev.evaluate(results, genes, ["baseline", "cn", "cn-permuted"])
    summary = out.summary["random"]
    # the control is stacked apart: the real stacking is cn alone, its control cn-permuted alone
    assert summary["median_r2"]["stacking"] == pytest.approx(summary["median_r2"]["cn"])
    assert summary["median_r2"]["stacking-permuted"] == pytest.approx(summary["median_r2"]["cn-permuted"])
    assert summary["vs_control"]["cn"]["wins"] == 3  # cn's own predictions beat their noisy control on every gene
    assert set(summary["vs_control"]) == {"cn", "stacking", "stacking-weighted"}
    assert "cn-permuted" not in summary["wins"]  # the paper's Fig. 2 counts real models only
