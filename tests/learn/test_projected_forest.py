import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import InvalidParameterError

from kgexpr.learn import MTRSRegressor, ProjectedForestRegressor


def _many_outputs(n=300, p=6, m=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    # 40 genes driven by 3 programmes (co-expression), plus noise
    programmes = np.column_stack([np.sin(2 * X[:, 0]), X[:, 1] * X[:, 2], np.abs(X[:, 3])])
    Y = programmes @ rng.normal(size=(3, m)) + 0.1 * rng.normal(size=(n, m))
    return X, Y


def test_estimator_conventions_and_shapes():
    est = ProjectedForestRegressor(n_estimators=15, n_components=4, random_state=0)
    assert clone(est).get_params() == est.get_params()
    X, Y = _many_outputs()
    with pytest.raises(NotFittedError):
        est.predict(X)
    est.fit(X, Y)
    assert est.predict(X).shape == Y.shape
    assert est.oob_prediction_.shape == Y.shape
    assert est.target_importances_.shape == (Y.shape[1], X.shape[1])
    one = ProjectedForestRegressor(n_estimators=15, random_state=0).fit(X, Y[:, 0])
    assert one.predict(X).shape == (len(X),) and one.oob_prediction_.shape == (len(X),)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :3])


def test_learns_many_outputs_through_a_small_projection():
    from sklearn.ensemble import RandomForestRegressor

    X, Y = _many_outputs()
    est = ProjectedForestRegressor(n_estimators=60, n_components=4, max_features=1.0, random_state=0).fit(X[:220], Y[:220])
    full = RandomForestRegressor(n_estimators=60, random_state=0).fit(X[:220], Y[:220])  # splits on all 40 outputs
    r2 = r2_score(Y[220:], est.predict(X[220:]))
    assert r2 > 0.3 and r2 > r2_score(Y[220:], full.predict(X[220:])) - 0.05
    # out-of-bag predictions are honest: worse on the training data than in-sample ones
    assert np.mean((est.oob_prediction_ - Y[:220]) ** 2) > 1.5 * np.mean((est.predict(X[:220]) - Y[:220]) ** 2)


def test_leaves_hold_the_mean_of_every_original_output():
    X, Y = _many_outputs(n=120, m=30)
    est = ProjectedForestRegressor(n_estimators=1, n_components=3, min_samples_leaf=6, bootstrap=False,
                                   oob_score=False, random_state=1).fit(X, Y)
    leaves = est.estimators_[0].apply(X.astype(np.float32))
    expected = np.vstack([Y[leaves == leaf].mean(axis=0) for leaf in leaves])
    np.testing.assert_allclose(est.predict(X), expected, rtol=1e-5, atol=1e-5)


def test_same_seed_same_forest_for_any_n_jobs():
    X, Y = _many_outputs()
    a = ProjectedForestRegressor(n_estimators=20, n_jobs=1, random_state=3).fit(X, Y)
    b = ProjectedForestRegressor(n_estimators=20, n_jobs=2, random_state=3).fit(X, Y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(a.oob_prediction_, b.oob_prediction_)
    c = ProjectedForestRegressor(n_estimators=20, random_state=4).fit(X, Y)
    assert not np.array_equal(a.predict(X), c.predict(X))


def test_per_gene_importances_find_each_genes_driver():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 5))
    Y = np.column_stack([np.sin(2 * X[:, 0])] * 10 + [X[:, 4] ** 2] * 10) + 0.05 * rng.normal(size=(400, 20))
    est = ProjectedForestRegressor(n_estimators=40, n_components=4, max_features=1.0, random_state=0).fit(X, Y)
    imp = est.target_importances_
    np.testing.assert_allclose(imp.sum(axis=1), 1.0)
    assert (imp[:10].argmax(axis=1) == 0).all() and (imp[10:].argmax(axis=1) == 4).all()


def test_as_the_learner_of_mtrs_blocks():
    X, Y = _many_outputs()
    est = MTRSRegressor(ProjectedForestRegressor(n_estimators=30, n_components=4), targets_per_model=25,
                        random_state=0).fit(X[:220], Y[:220])
    assert len(est.stage1_estimators_) == 2
    assert r2_score(Y[220:], est.predict(X[220:])) > 0.3
    assoc = est.target_associations()
    assert assoc.shape == (40, 40) and np.isfinite(assoc).all()


def test_random_state_int_instance_and_none():
    X, Y = _many_outputs(n=80, m=6)
    kw = dict(n_estimators=5, n_components=2)
    a = ProjectedForestRegressor(random_state=5, **kw).fit(X, Y).predict(X)
    np.testing.assert_array_equal(a, ProjectedForestRegressor(random_state=5, **kw).fit(X, Y).predict(X))
    b = ProjectedForestRegressor(random_state=np.random.RandomState(5), **kw).fit(X, Y).predict(X)
    c = ProjectedForestRegressor(random_state=np.random.RandomState(5), **kw).fit(X, Y).predict(X)
    np.testing.assert_array_equal(b, c)  # the same seed object, recreated
    np.testing.assert_array_equal(a, b)  # an int seeds the same generator the instance is
    rs = np.random.RandomState(5)
    est = ProjectedForestRegressor(random_state=rs, **kw)
    assert not np.array_equal(est.fit(X, Y).predict(X), est.fit(X, Y).predict(X))  # draws from it
    fresh = ProjectedForestRegressor(**kw)
    first = fresh.fit(X, Y).predict(X)
    assert first.shape == Y.shape and np.isfinite(first).all()
    assert not np.array_equal(first, fresh.fit(X, Y).predict(X))  # None: fresh randomness each fit


@pytest.mark.parametrize("params", [
    {"n_components": 0}, {"n_estimators": 0}, {"max_features": 1.5}, {"max_features": "all"},
    {"min_samples_leaf": 0}, {"bootstrap": "yes"}, {"random_state": "seed"}, {"splitter": "hist"},
    {"max_samples": 0.0}, {"max_samples": 1.5},
])
def test_bad_parameters_are_rejected_at_fit(params):
    X, Y = _many_outputs(n=40, m=3)
    est = ProjectedForestRegressor(**params)
    name = next(iter(params))
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of ProjectedForestRegressor ") as err:  # ours, not a tree's
        est.fit(X, Y)
    assert isinstance(err.value, ValueError)


def test_refit_without_oob_drops_the_old_oob_predictions():
    X, Y = _many_outputs(n=60, m=3)
    est = ProjectedForestRegressor(n_estimators=5, random_state=0).fit(X, Y)
    assert est.oob_prediction_.shape == Y.shape
    est.set_params(oob_score=False).fit(X, Y)
    assert not hasattr(est, "oob_prediction_")


def test_a_pickled_forest_keeps_leaf_members_not_leaf_means_and_predicts_the_same():
    import pickle

    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 20))
    Y = X[:, :2] @ rng.normal(size=(2, 120)) + 0.5 * rng.normal(size=(300, 120))
    forest = ProjectedForestRegressor(n_estimators=30, random_state=1).fit(X, Y)
    full = sum(values.nbytes for _, values in forest._leaves)
    blob = pickle.dumps(forest)
    assert len(blob) < full / 2  # leaf means of 120 genes are not stored
    back = pickle.loads(blob)
    Xq = rng.normal(size=(25, 20))
    np.testing.assert_allclose(back.predict(Xq), forest.predict(Xq), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(back.predict(X), forest.predict(X), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(back.estimators_[0].apply(Xq.astype(np.float32)),
                                  forest.estimators_[0].apply(Xq.astype(np.float32)))
    again = pickle.loads(pickle.dumps(back))  # a compact forest pickles again
    np.testing.assert_allclose(again.predict(Xq), back.predict(Xq))


def test_random_splits_still_learn_and_differ_from_best_splits():
    X, Y = _many_outputs()
    kw = dict(n_estimators=60, n_components=4, max_features=1.0, random_state=0)
    best = ProjectedForestRegressor(**kw).fit(X[:220], Y[:220])
    rand = ProjectedForestRegressor(splitter="random", **kw).fit(X[:220], Y[:220])
    assert r2_score(Y[220:], rand.predict(X[220:])) > 0.3
    assert not np.array_equal(best.predict(X[220:]), rand.predict(X[220:]))
    # thresholds drawn at random, not at midpoints between neighbouring training values
    t = rand.estimators_[0].tree_
    inner = t.children_left >= 0
    mids = {float(v) for j in range(X.shape[1]) for v in np.convolve(np.unique(X[:220, j].astype(np.float32)), [0.5, 0.5], "valid")}
    assert sum(float(v) in mids for v in t.threshold[inner]) < inner.sum() / 2


def test_max_samples_draws_fewer_rows_per_tree_and_leaves_more_out_of_bag():
    X, Y = _many_outputs()
    full = ProjectedForestRegressor(n_estimators=1, random_state=0).fit(X, Y)
    half = ProjectedForestRegressor(n_estimators=1, max_samples=0.5, random_state=0).fit(X, Y)
    assert half.estimators_[0].tree_.weighted_n_node_samples[0] == pytest.approx(0.5 * len(X))
    assert full.estimators_[0].tree_.weighted_n_node_samples[0] == pytest.approx(len(X))
    assert np.isnan(half.oob_prediction_[:, 0]).sum() < np.isnan(full.oob_prediction_[:, 0]).sum()
