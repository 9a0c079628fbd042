"""The per-gene boosted model of stage 2, and MTRS with a different estimator per stage."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import r2_score

from kgexpr.errors import KgexprError
from kgexpr.learn import GeneBoostingRegressor, MTRSRegressor, ProjectedForestRegressor, StagePair
from kgexpr.learn import learners
from kgexpr.learn.learners import build_learner, key_params


def _data(n=400, p=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    Y = np.column_stack([np.sin(X[:, 0]) + 0.5 * X[:, 1], X[:, 2] * X[:, 3], rng.standard_normal(n)])
    return X, Y


def test_held_out_predictions_are_out_of_fold_not_in_sample():
    X, Y = _data()
    est = GeneBoostingRegressor(early_stopping_rounds=None, random_state=0).fit(X, Y)
    in_sample = est.predict(X)
    # the noise column: the fold models fit it in sample, but cannot predict the rows they did not see
    assert r2_score(Y[:, 2], in_sample[:, 2]) > 0.05
    assert r2_score(Y[:, 2], est.oob_prediction_[:, 2]) < 0.02
    # the signal columns are learnt out of fold too
    assert r2_score(Y[:, 0], est.oob_prediction_[:, 0]) > 0.6
    assert not np.allclose(in_sample, est.oob_prediction_)


def test_early_stopping_keeps_each_fold_model_at_its_best_round():
    X, Y = _data()
    stopped = GeneBoostingRegressor(n_estimators=200, random_state=0).fit(X, Y)
    assert stopped.n_rounds_.shape == (3, 2) and stopped.n_rounds_.max() <= 200
    assert all(b.num_trees() == r for per_fold, rounds in zip(stopped.boosters_, stopped.n_rounds_)
               for b, r in zip(per_fold, rounds))
    # the noise target stops within a few rounds, the smooth signal keeps going
    assert stopped.n_rounds_[2].max() < 10 < stopped.n_rounds_[0].min()
    full = GeneBoostingRegressor(n_estimators=200, early_stopping_rounds=None, random_state=0).fit(X, Y)
    assert (full.n_rounds_ == 200).all()
    # on the noise target the stopped models overfit less out of fold
    assert r2_score(Y[:, 2], stopped.oob_prediction_[:, 2]) > r2_score(Y[:, 2], full.oob_prediction_[:, 2])


def test_refit_predicts_with_one_model_of_all_rows_and_keeps_the_cross_fit_held_out():
    X, Y = _data()
    folds = GeneBoostingRegressor(random_state=0).fit(X, Y)
    final = GeneBoostingRegressor(refit=True, random_state=0).fit(X, Y)
    # the cross-fit is the same models: the same held-out predictions
    np.testing.assert_array_equal(folds.oob_prediction_, final.oob_prediction_)
    assert final.n_rounds_.shape == (3, 3)
    for per_fold, rounds in zip(final.boosters_, final.n_rounds_):
        assert len(per_fold) == 3
        assert rounds[-1] == max(1, round(rounds[:2].mean()))
    # predict is the final model's alone, and it learnt from every row
    manual = np.column_stack([per_fold[-1].predict(X.astype(np.float32)) for per_fold in final.boosters_])
    np.testing.assert_allclose(final.predict(X), manual)
    assert not np.allclose(final.predict(X), folds.predict(X))
    test_X, test_Y = _data(n=2000, seed=5)
    signal = slice(0, 2)
    assert r2_score(test_Y[:, signal], final.predict(test_X)[:, signal]) > \
        r2_score(test_Y[:, signal], folds.predict(test_X)[:, signal])


def test_models_do_not_depend_on_n_jobs_and_follow_the_seed():
    X, Y = _data()
    one = GeneBoostingRegressor(random_state=3, n_jobs=1).fit(X, Y)
    two = GeneBoostingRegressor(random_state=3, n_jobs=2).fit(X, Y)
    np.testing.assert_array_equal(one.predict(X), two.predict(X))
    np.testing.assert_array_equal(one.oob_prediction_, two.oob_prediction_)
    other = GeneBoostingRegressor(random_state=4).fit(X, Y)
    assert not np.array_equal(one.predict(X), other.predict(X))


def test_importances_per_target_find_each_targets_own_inputs():
    X, Y = _data()
    est = GeneBoostingRegressor(early_stopping_rounds=None, random_state=0).fit(X, Y)
    imp = est.target_importances_
    assert imp.shape == (3, 6)
    np.testing.assert_allclose(imp.sum(axis=1), 1.0)
    assert set(np.argsort(imp[0])[-2:]) == {0, 1}
    assert set(np.argsort(imp[1])[-2:]) == {2, 3}


def test_pickled_model_predicts_the_same():
    X, Y = _data(n=200)
    est = GeneBoostingRegressor(random_state=0).fit(X, Y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(est.predict(X[:50]), again.predict(X[:50]))


def _genes(n=300, p=5, m=6, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    latent = X[:, :2] @ rng.standard_normal((2, m))
    return X, latent + 0.3 * rng.standard_normal((n, m))


def test_mtrs_stage2_on_predictions_alone_sees_only_the_genes_predictions():
    X, Y = _genes()
    pair = StagePair(ProjectedForestRegressor(40, n_components=3), GeneBoostingRegressor(), stage2_inputs="predictions")
    est = MTRSRegressor(pair, targets_per_model=3, random_state=0).fit(X[:240], Y[:240])
    assert est.stage2_inputs_ == "predictions"
    assert all(m.n_features_in_ == Y.shape[1] for m in est.stage2_estimators_)
    assert all(m.n_features_in_ == X.shape[1] for m in est.stage1_estimators_)
    # predict = stage-2 models on the stage-1 predictions of all genes
    Z = est.predict_stage1(X[240:])
    manual = np.hstack([m.predict(Z) for m in est.stage2_estimators_])
    np.testing.assert_allclose(est.predict(X[240:]), manual)
    assoc = est.target_associations()
    assert assoc.shape == (6, 6) and np.all(np.diag(assoc) == 0) and np.all(assoc >= 0)
    assert r2_score(Y[240:], est.predict(X[240:])) > 0.5
    # n_estimators sets the stage-1 forest's trees
    forty = MTRSRegressor(pair, n_estimators=7, targets_per_model=3, random_state=0).fit(X[:100], Y[:100])
    assert all(len(m.estimators_) == 7 for m in forty.stage1_estimators_)


def test_a_residual_stage_2_corrects_stage_1_and_falls_back_to_it():
    from sklearn.dummy import DummyRegressor

    X, Y = _genes()
    forest = ProjectedForestRegressor(30, n_components=3)
    # a stage 2 that learns nothing (predicts 0) leaves stage 1's predictions as they are
    nothing = StagePair(forest, DummyRegressor(strategy="constant", constant=np.zeros(3)), "predictions", "residual")
    est = MTRSRegressor(nothing, targets_per_model=3, random_state=0).fit(X[:240], Y[:240])
    assert est.stage2_target_ == "residual"
    np.testing.assert_allclose(est.predict(X[240:]), est.predict_stage1(X[240:]))
    np.testing.assert_allclose(est.oob_predictions_, est.stage1_oob_predictions_)
    # a boosted one is fitted to y minus the gene's held-out stage-1 prediction; predict adds it back
    pair = StagePair(forest, GeneBoostingRegressor(), "predictions", "residual")
    est = MTRSRegressor(pair, targets_per_model=3, random_state=0).fit(X[:240], Y[:240])
    Z = est.predict_stage1(X[240:])
    correction = np.hstack([m.predict(Z) for m in est.stage2_estimators_])
    np.testing.assert_allclose(est.predict(X[240:]), Z + correction)
    assert not np.allclose(correction, 0)
    assert r2_score(Y[240:], est.predict(X[240:])) > 0.5
    with pytest.raises(ValueError, match="stage2_target"):
        MTRSRegressor(StagePair(forest, GeneBoostingRegressor(), stage2_target="residuals")).fit(X, Y)


def test_stage_pair_with_the_design_gives_stage2_the_design_and_predictions():
    X, Y = _genes(n=150)
    pair = StagePair(ProjectedForestRegressor(10, n_components=3), GeneBoostingRegressor(n_estimators=10))
    est = MTRSRegressor(pair, targets_per_model=6, random_state=0).fit(X, Y)
    assert est.stage2_estimators_[0].n_features_in_ == X.shape[1] + Y.shape[1]


def test_the_named_learner_takes_nested_parameters_and_refuses_unknown_ones():
    est = build_learner("rf-projected-gbm", 40, 0, {"stage2__num_leaves": 5})
    params = key_params(est)
    assert params["stage1__n_estimators"] == 40 and params["stage2__num_leaves"] == 5
    assert params["stage1__max_samples"] == learners.GBM_STAGE1_MAX_SAMPLES
    assert params["stage2_inputs"] == "conditions+predictions" and params["stage2_target"] == "residual"
    defaults = key_params(build_learner("rf-projected-gbm", 40, 0))
    assert defaults["stage2__num_leaves"] == learners.GBM_STAGE2_LEAVES
    assert defaults["stage2__n_folds"] == learners.GBM_STAGE2_FOLDS and defaults["stage2__refit"] is True
    assert defaults["stage2__screen_features"] == learners.GBM_STAGE2_SCREENED
    assert defaults["stage2__n_estimators"] == learners.GBM_STAGE2_ROUNDS
    assert defaults["stage2_without_conditions__num_leaves"] == learners.GBM_STAGE2_LEAVES
    assert defaults["stage2_without_conditions__screen_features"] is None
    assert not any(hasattr(v, "fit") for v in params.values())
    # a bare name that only one stage has is that stage's: the same estimator, so the same training key
    assert key_params(build_learner("rf-projected-gbm", 40, 0, {"n_components": 8})) == \
        key_params(build_learner("rf-projected-gbm", 40, 0, {"stage1__n_components": 8}))
    with pytest.raises(KgexprError, match="stage2__num_leafs"):
        build_learner("rf-projected-gbm", 40, 0, {"stage2__num_leafs": 5})
    with pytest.raises(KgexprError, match="num_leaves"):
        build_learner("rf-projected-gbm", 40, 0, {"stage2__num_leaves": 1})


def _dose_data(n=600, p=40, seed=0):
    """Column 0 a dose, column 1 a signal whose effect the dose scales, the rest noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 0] = rng.choice([0.2, 0.6, 1.0, 1.4], n)
    Y = np.column_stack([X[:, 0] * (2 * X[:, 1] + np.tanh(3 * X[:, 1])), X[:, 7] - X[:, 9]]) + 0.1 * rng.standard_normal((n, 2))
    return X, Y


def test_screening_keeps_the_leading_columns_and_each_targets_most_correlated_ones():
    X, Y = _dose_data()
    est = GeneBoostingRegressor(screen_features=2, kept_features=1, refit=True, random_state=0).fit(X, Y)
    assert len(est.features_) == 2 and all(len(cols) == est.n_folds + 1 for cols in est.features_)
    for target, wanted in ((0, {1}), (1, {7, 9})):
        for cols in est.features_[target]:
            assert cols[0] == 0 and len(cols) == 3 and wanted <= set(cols.tolist())
    # importances are spread back to the full width: nothing on columns no model saw
    seen = {int(c) for per_target in est.features_ for cols in per_target for c in cols}
    assert est.target_importances_.shape == (2, X.shape[1])
    assert np.all(est.target_importances_[:, sorted(set(range(X.shape[1])) - seen)] == 0)
    # each prediction comes from its final model on that model's own columns
    expected = np.column_stack([b[-1].predict(X[:, c[-1]]) for b, c in zip(est.boosters_, est.features_)])
    np.testing.assert_allclose(est.predict(X), expected)
    assert GeneBoostingRegressor(random_state=0).fit(X, Y).features_ is None


def test_screening_is_done_on_each_fold_models_own_training_rows():
    X, Y = _dose_data()
    # column 5 copies the target on one fold's held-out rows only: no fold model's own rows favour it there
    est = GeneBoostingRegressor(screen_features=1, kept_features=1, n_folds=2, random_state=0)
    est.fit(X, Y[:, 1])
    from sklearn.model_selection import KFold
    rng = np.random.RandomState(0)
    folds = list(KFold(2, shuffle=True, random_state=rng.randint(np.iinfo(np.int32).max)).split(X))
    X2 = X.copy()
    X2[folds[0][1], 5] = Y[folds[0][1], 1] * 10
    cheat = GeneBoostingRegressor(screen_features=1, kept_features=1, n_folds=2, random_state=0).fit(X2, Y[:, 1])
    # the model held out on fold 0 learnt from fold 1's rows, where column 5 is noise: it does not pick it
    assert 5 not in cheat.features_[0][0].tolist()
    assert 5 in cheat.features_[0][1].tolist()


def test_screening_finds_the_dose_interaction_that_the_full_width_misses():
    X, Y = _dose_data(n=900, p=300, seed=1)
    train, test = slice(0, 600), slice(600, None)
    common = dict(num_leaves=4, n_estimators=100, early_stopping_rounds=30, random_state=0)
    screened = GeneBoostingRegressor(screen_features=3, kept_features=1, colsample_bytree=1.0, **common)
    full = GeneBoostingRegressor(colsample_bytree=0.5, **common)
    r2 = [r2_score(Y[test, 0], m.fit(X[train], Y[train]).predict(X[test])[:, 0]) for m in (screened, full)]
    assert r2[0] > r2[1]


def test_stage_pair_with_conditions_gives_stage2_them_and_the_predictions_and_keeps_them():
    X, Y = _dose_data(n=300, p=12)
    Y = np.column_stack([Y, Y[:, 0] + Y[:, 1], X[:, 2]])
    pair = StagePair(ProjectedForestRegressor(10, n_components=2),
                     GeneBoostingRegressor(n_estimators=20, screen_features=2, kept_features=5),
                     stage2_inputs="conditions+predictions", stage2_target="residual")
    est = MTRSRegressor(pair, targets_per_model=4, n_conditions=1, random_state=0).fit(X, Y)
    s2 = est.stage2_estimators_[0]
    assert s2.n_features_in_ == 1 + Y.shape[1] and s2.kept_features == 1
    assert all(cols[0] == 0 for per_target in s2.features_ for cols in per_target)
    Z = np.hstack([X[:, :1], est.predict_stage1(X)])
    np.testing.assert_allclose(est.predict(X), est.predict_stage1(X) + s2.predict(Z))
    with pytest.raises(ValueError, match="n_conditions"):
        MTRSRegressor(pair, n_conditions=X.shape[1] + 1).fit(X, Y)


@pytest.mark.parametrize("screen", [None, 10])
def test_a_final_model_does_not_split_where_no_fold_model_could(screen):
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((72, 30)), rng.standard_normal((72, 2))  # fold models see 48 rows, half per round
    est = GeneBoostingRegressor(n_folds=3, refit=True, screen_features=screen, random_state=0).fit(X, Y)
    assert all(b.feature_importance(importance_type="split").sum() == 0 for per_fold in est.boosters_ for b in per_fold)
    # with enough rows the final model splits as its fold models do
    X, Y = _dose_data(n=300, p=30)
    est = GeneBoostingRegressor(n_folds=3, refit=True, screen_features=screen, random_state=0).fit(X, Y)
    assert all(per_fold[-1].feature_importance(importance_type="split").sum() > 0 for per_fold in est.boosters_)


def test_data_without_conditions_gets_the_stage_2_made_for_it():
    X, Y = _dose_data(n=300, p=12)
    pair = StagePair(ProjectedForestRegressor(10, n_components=2), GeneBoostingRegressor(n_estimators=20, screen_features=2),
                     stage2_inputs="conditions+predictions", stage2_target="residual",
                     stage2_without_conditions=GeneBoostingRegressor(n_estimators=7, early_stopping_rounds=None))
    without = MTRSRegressor(pair, targets_per_model=2, random_state=0).fit(X, Y)  # n_conditions=0
    s2 = without.stage2_estimators_[0]
    assert s2.features_ is None and s2.n_features_in_ == Y.shape[1] and s2.n_rounds_.max() == 7
    with_dose = MTRSRegressor(pair, targets_per_model=2, n_conditions=1, random_state=0).fit(X, Y)
    s2 = with_dose.stage2_estimators_[0]
    assert s2.features_ is not None and s2.n_features_in_ == 1 + Y.shape[1] and s2.kept_features == 1
    # without the fallback, the screening stage 2 serves data without conditions too (nothing kept)
    alone = MTRSRegressor(clone(pair).set_params(stage2_without_conditions=None), targets_per_model=2, random_state=0)
    assert alone.fit(X, Y).stage2_estimators_[0].features_ is not None
