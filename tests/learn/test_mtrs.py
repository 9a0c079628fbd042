import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import RandomForestRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import InvalidParameterError

from kgexpr.learn import MTRSRegressor
from kgexpr.learn.engine import run_stage


def _data(n=160, p=6, m=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    base = X[:, :2] @ rng.normal(size=(2, m))
    Y = base + 0.1 * rng.normal(size=(n, m))
    return X, Y


def test_follows_estimator_conventions():
    est = MTRSRegressor(n_estimators=10, random_state=1)
    assert est.get_params()["n_estimators"] == 10
    c = clone(est)
    assert c.get_params() == est.get_params()
    X, Y = _data()
    for method in (est.predict, est.predict_stage1):
        with pytest.raises(NotFittedError):
            method(X)
    with pytest.raises(NotFittedError):
        est.target_associations()
    est.fit(X, Y)
    for attr in ("stage1_estimators_", "stage2_estimators_", "oob_predictions_", "n_features_in_", "n_targets_"):
        assert hasattr(est, attr)
    assert est.predict(X).shape == Y.shape
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :3])


def test_learns_and_is_reproducible():
    X, Y = _data()
    a = MTRSRegressor(n_estimators=30, random_state=3, n_jobs=1).fit(X[:120], Y[:120])
    b = MTRSRegressor(n_estimators=30, random_state=3, n_jobs=2).fit(X[:120], Y[:120])
    pa, pb = a.predict(X[120:]), b.predict(X[120:])
    np.testing.assert_array_equal(pa, pb)
    assert r2_score(Y[120:], pa) > 0.6


def test_stage2_inputs_are_out_of_bag_not_in_sample():
    X, Y = _data()
    est = MTRSRegressor(n_estimators=30, random_state=0).fit(X, Y)
    in_sample = np.column_stack([m.predict(X) for m in est.stage1_estimators_])
    # OOB predictions are worse fits of the training targets than in-sample ones
    err_oob = np.mean((est.stage1_oob_predictions_ - Y) ** 2)
    err_in = np.mean((in_sample - Y) ** 2)
    assert err_oob > 1.5 * err_in


def test_non_forest_learner_uses_out_of_fold_predictions():
    X, Y = _data()
    est = MTRSRegressor(estimator=Ridge(alpha=1.0), cv=4, random_state=0).fit(X, Y)
    in_sample = np.column_stack([m.predict(X) for m in est.stage1_estimators_])
    assert not np.allclose(est.stage1_oob_predictions_, in_sample)
    assert r2_score(Y, est.predict(X)) > 0.9


def test_target_specific_columns_reach_only_their_gene():
    rng = np.random.default_rng(5)
    n, m = 200, 3
    X = rng.normal(size=(n, 2))
    Xt = rng.normal(size=(n, m, 1))
    Y = Xt[:, :, 0] * 2.0  # gene j depends only on its own target column
    est = MTRSRegressor(n_estimators=40, random_state=0).fit(X[:150], Y[:150], X_target=Xt[:150])
    assert r2_score(Y[150:], est.predict(X[150:], X_target=Xt[150:])) > 0.8
    with pytest.raises(ValueError):
        est.predict(X[150:])  # target columns were used in fit
    with pytest.raises(ValueError, match="X_target"):
        MTRSRegressor(n_estimators=5).fit(X, Y, X_target=Xt[:, :2])


def test_associations_find_the_informative_gene():
    # gene 1 is a noisy copy of gene 0's signal: gene 0's stage-1 prediction should help gene 1
    rng = np.random.default_rng(0)
    n = 300
    X = rng.normal(size=(n, 5))
    g0 = np.sin(X[:, 0]) + X[:, 1] ** 2
    Y = np.column_stack([g0, g0 + 0.05 * rng.normal(size=n), rng.normal(size=n)])
    est = MTRSRegressor(n_estimators=50, random_state=0).fit(X, Y)
    assoc = est.target_associations()
    assert assoc.shape == (3, 3)
    assert np.all(np.diag(assoc) == 0)
    assert assoc[1, 0] > assoc[1, 2]


def test_run_stage_reports_every_gene_once():
    X, Y = _data(m=5)
    seen = []
    res = run_stage(RandomForestRegressor(n_estimators=5, oob_score=True), X, Y, X[:10], random_state=0,
                    n_jobs=1, on_block_done=lambda genes, r: seen.extend(genes.tolist()))
    assert sorted(seen) == list(range(5))
    assert res.predictions.shape == (10, 5)
    assert np.isfinite(res.held_out).all()


def test_per_target_importances_match_sklearn_for_one_output():
    from kgexpr.learn.engine import forest_target_importances

    X, Y = _data(m=1)
    rf = RandomForestRegressor(n_estimators=20, random_state=0).fit(X, Y[:, 0])
    np.testing.assert_allclose(forest_target_importances(rf)[0], rf.feature_importances_, rtol=1e-9, atol=1e-12)


def test_per_target_importances_separate_the_outputs_of_one_forest():
    from kgexpr.learn.engine import per_target_importances

    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4))
    Y = np.column_stack([np.sin(2 * X[:, 0]), X[:, 2] ** 2, X[:, 0] + X[:, 3]])
    rf = RandomForestRegressor(n_estimators=30, random_state=0).fit(X, Y)
    imp = per_target_importances(rf, 3)
    assert imp.shape == (3, 4)
    np.testing.assert_allclose(imp.sum(axis=1), 1.0)
    assert imp[0].argmax() == 0 and imp[1].argmax() == 2
    assert imp[2, [0, 3]].sum() > 0.8 and imp[2, 1] < 0.1


def test_multi_output_blocks_learn_and_do_not_depend_on_n_jobs():
    X, Y = _data(n=200, m=7)
    kw = dict(n_estimators=30, targets_per_model=3, random_state=4)
    a = MTRSRegressor(n_jobs=1, **kw).fit(X[:150], Y[:150])
    b = MTRSRegressor(n_jobs=2, **kw).fit(X[:150], Y[:150])
    assert [blk.tolist() for blk in a.target_blocks_] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(a.stage1_estimators_) == 3
    np.testing.assert_array_equal(a.predict(X[150:]), b.predict(X[150:]))
    assert r2_score(Y[150:], a.predict(X[150:])) > 0.6
    assoc = a.target_associations()
    assert assoc.shape == (7, 7) and np.isfinite(assoc).all() and np.all(np.diag(assoc) == 0)


def test_target_specific_columns_reach_only_their_block():
    rng = np.random.default_rng(5)
    n, m = 240, 4
    X = rng.normal(size=(n, 2))
    Xt = rng.normal(size=(n, m, 1))
    Y = Xt[:, :, 0] * 2.0
    est = MTRSRegressor(n_estimators=40, targets_per_model=2, random_state=0).fit(X[:180], Y[:180], X_target=Xt[:180])
    assert est.stage1_estimators_[0].n_features_in_ == 2 + 2  # X plus the two genes' own columns
    assert r2_score(Y[180:], est.predict(X[180:], X_target=Xt[180:])) > 0.7


def test_stage_results_come_back_from_the_store():
    from kgexpr.learn.checkpoint import NpzBlockStore

    X, Y = _data(m=5)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        store = NpzBlockStore(Path(tmp), "split__model")
        est = RandomForestRegressor(n_estimators=10, oob_score=True)
        kw = dict(random_state=0, n_jobs=1, targets_per_model=2, store=store)
        first = run_stage(est, X, Y, X[:10], **kw)
        assert len(list(Path(tmp).glob("*.npz"))) == 3
        fitted = []
        again = run_stage(est, X, Y, X[:10], on_block_done=lambda g, r: fitted.append(r.model), **kw)
        np.testing.assert_array_equal(first.held_out, again.held_out)
        np.testing.assert_array_equal(first.predictions, again.predictions)
        for a, b in zip(first.importances, again.importances):
            np.testing.assert_array_equal(a, b)
        store.clear()
        assert not list(Path(tmp).glob("*.npz"))


def _tiny(n=40, p=3, m=2, seed=0):
    return _data(n=n, p=p, m=m, seed=seed)


def test_int_random_state_gives_the_same_model_every_fit():
    X, Y = _tiny()
    a = MTRSRegressor(n_estimators=5, random_state=11).fit(X, Y).predict(X)
    np.testing.assert_array_equal(a, MTRSRegressor(n_estimators=5, random_state=11).fit(X, Y).predict(X))
    np.testing.assert_array_equal(a, MTRSRegressor(n_estimators=5, random_state=np.int64(11)).fit(X, Y).predict(X))
    assert not np.array_equal(a, MTRSRegressor(n_estimators=5, random_state=12).fit(X, Y).predict(X))


def test_random_state_instance_draws_one_seed_from_the_generator():
    X, Y = _tiny()
    a = MTRSRegressor(n_estimators=5, random_state=np.random.RandomState(7)).fit(X, Y).predict(X)
    b = MTRSRegressor(n_estimators=5, random_state=np.random.RandomState(7)).fit(X, Y).predict(X)
    np.testing.assert_array_equal(a, b)  # the same seed object, recreated
    # the seed it draws is an int as an int random_state uses it
    drawn = np.random.RandomState(7).randint(np.iinfo(np.int32).max)
    np.testing.assert_array_equal(a, MTRSRegressor(n_estimators=5, random_state=drawn).fit(X, Y).predict(X))
    # and it draws: a second fit with the same generator gets a fresh seed
    rs = np.random.RandomState(7)
    est = MTRSRegressor(n_estimators=5, random_state=rs)
    first = est.fit(X, Y).predict(X)
    assert not np.array_equal(first, est.fit(X, Y).predict(X))


def test_random_state_none_is_fresh_randomness_each_fit():
    X, Y = _tiny()
    est = MTRSRegressor(n_estimators=5)
    first = est.fit(X, Y).predict(X)
    assert first.shape == Y.shape and np.isfinite(first).all()
    assert not np.array_equal(first, est.fit(X, Y).predict(X))


def test_one_dimensional_y_predicts_one_dimension():
    X, Y = _tiny(m=1)
    flat = MTRSRegressor(n_estimators=5, random_state=0).fit(X, Y[:, 0])
    col = MTRSRegressor(n_estimators=5, random_state=0).fit(X, Y)
    assert flat.predict(X).shape == (len(X),) and flat.predict_stage1(X).shape == (len(X),)
    assert flat.oob_predictions_.shape == (len(X),) and flat.stage1_oob_predictions_.shape == (len(X),)
    assert col.predict(X).shape == (len(X), 1) and col.oob_predictions_.shape == (len(X), 1)
    np.testing.assert_array_equal(flat.predict(X), col.predict(X)[:, 0])


def test_fit_takes_X_y_and_X_target():
    import inspect

    assert list(inspect.signature(MTRSRegressor.fit).parameters) == ["self", "X", "y", "X_target"]
    X, Y = _tiny()
    est = MTRSRegressor(n_estimators=5, random_state=0).fit(X=X, y=Y)
    assert est.predict(X).shape == Y.shape


def test_n_estimators_is_set_on_a_copy_of_the_given_estimator():
    X, Y = _tiny()
    rf = RandomForestRegressor(n_estimators=20, oob_score=True)
    est = MTRSRegressor(rf, n_estimators=3, random_state=0).fit(X, Y)
    assert all(m.n_estimators == 3 and len(m.estimators_) == 3 for m in est.stage1_estimators_ + est.stage2_estimators_)
    assert rf.n_estimators == 20  # the given estimator is left as it was
    kept = MTRSRegressor(rf, random_state=0).fit(X, Y)  # n_estimators=None keeps the estimator's own
    assert all(len(m.estimators_) == 20 for m in kept.stage1_estimators_)


def test_n_estimators_reaches_a_projected_forest_too():
    from kgexpr.learn import ProjectedForestRegressor

    X, Y = _tiny(m=4)
    est = MTRSRegressor(ProjectedForestRegressor(20, n_components=2), n_estimators=4, targets_per_model=2,
                        random_state=0).fit(X, Y)
    assert [len(m.estimators_) for m in est.stage1_estimators_] == [4, 4]


def test_n_estimators_is_rejected_for_an_estimator_without_it():
    X, Y = _tiny()
    with pytest.raises(ValueError, match="n_estimators=10.*Ridge.*no n_estimators parameter"):
        MTRSRegressor(Ridge(), n_estimators=10).fit(X, Y)
    MTRSRegressor(Ridge(), random_state=0).fit(X, Y)  # without n_estimators it fits


def test_default_is_the_papers_forest_of_300_trees():
    assert MTRSRegressor().n_estimators is None
    X, Y = _tiny(n=20, m=1)
    est = MTRSRegressor(random_state=0).fit(X, Y[:, 0])
    assert [len(m.estimators_) for m in est.stage1_estimators_ + est.stage2_estimators_] == [300, 300]


@pytest.mark.parametrize("params", [
    {"targets_per_model": 0}, {"n_estimators": 0}, {"n_estimators": 2.5}, {"cv": 1}, {"n_jobs": "all"},
    {"random_state": "seed"}, {"estimator": "rf"},
])
def test_bad_parameters_are_rejected_at_fit(params):
    X, Y = _tiny()
    est = MTRSRegressor(**params)  # not at construction
    name = next(iter(params))
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of MTRSRegressor ") as err:  # ours, not a tree's
        est.fit(X, Y)
    assert isinstance(err.value, ValueError)


def test_predict_checks_X_target_against_fit():
    rng = np.random.default_rng(0)
    X, Y = _tiny()
    Xt = rng.normal(size=(len(X), Y.shape[1], 2))
    est = MTRSRegressor(n_estimators=5, random_state=0).fit(X, Y, X_target=Xt)
    assert est.n_target_features_ == 2
    with pytest.raises(ValueError, match="X_target must have shape"):
        est.predict(X, X_target=Xt[:, :, :1])
    with pytest.raises(ValueError, match="X_target must have shape"):
        est.predict(X[:10], X_target=Xt)
