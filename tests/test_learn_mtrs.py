import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score

from kgexpr.learn import MTRSRegressor
from kgexpr.learn.mtrs import run_stage


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
    with pytest.raises(Exception):
        est.predict(X)  # not fitted
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
                    n_jobs=1, on_gene_done=lambda j, r: seen.append(j))
    assert sorted(seen) == list(range(5))
    assert res.predictions.shape == (10, 5)
    assert np.isfinite(res.held_out).all()
