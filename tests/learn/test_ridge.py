"""The closed-form stage 2: ridge on standardised inputs, each target's penalty by leave-one-out."""

import numpy as np
import pytest

from kgexpr.learn.engine import StageInputs, StagePair, fit_two_stages
from kgexpr.learn.projected_forest import AUTO_BOOTSTRAP_ROWS, ProjectedForestRegressor, bootstrap_fraction
from kgexpr.learn.ridge import StandardizedRidgeCV


def test_each_target_gets_its_own_penalty_and_noise_is_shrunk_away():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 20)) * rng.uniform(0.1, 10, size=20)  # scales differ: standardised inside
    signal = 2.0 * X[:, 3] / X[:, 3].std()
    Y = np.column_stack([signal + rng.normal(scale=0.5, size=200), rng.normal(size=200)])
    model = StandardizedRidgeCV().fit(X, Y)
    assert model.alpha_[0] < model.alpha_[1]  # the pure-noise target is shrunk harder
    assert np.argmax(model.target_importances_[0]) == 3
    assert np.abs(model.coef_[1]).max() < 0.2 * np.abs(model.coef_[0]).max()
    X_new = rng.normal(size=(100, 20)) * X.std(axis=0)
    pred = model.predict(X_new)
    assert np.corrcoef(pred[:, 0], 2.0 * X_new[:, 3] / X[:, 3].std())[0, 1] > 0.95
    assert pred[:, 1].std() < 0.3  # close to the training mean


def test_bad_penalty_range_is_an_error():
    X, y = np.random.default_rng(1).normal(size=(30, 3)), np.arange(30.0)
    with pytest.raises(ValueError, match="alpha_max"):
        StandardizedRidgeCV(alpha_min=10, alpha_max=1).fit(X, y)


def test_bootstrap_by_row_count():
    assert bootstrap_fraction("auto", 750) == 1.0
    assert bootstrap_fraction("auto", AUTO_BOOTSTRAP_ROWS) == 1.0
    assert bootstrap_fraction("auto", 5000) == pytest.approx(0.5)
    assert bootstrap_fraction("auto", 9751) == pytest.approx(0.3)  # the paper's size: its 30 %
    assert bootstrap_fraction(None, 10) == 1.0 and bootstrap_fraction(0.4, 10) == 0.4
    X = np.random.default_rng(2).normal(size=(60, 4))
    auto = ProjectedForestRegressor(5, max_samples="auto", random_state=0).fit(X, X[:, :2])
    full = ProjectedForestRegressor(5, max_samples=None, random_state=0).fit(X, X[:, :2])
    np.testing.assert_array_equal(auto.predict(X), full.predict(X))  # 60 rows: every draw, as full bootstraps


def test_ridge_stage2_corrects_a_shrunken_stage1_from_the_other_genes():
    """Stage 1 sees only noisy inputs; gene 1 is gene 0's mirror, which a ridge on both predictions learns."""
    rng = np.random.default_rng(3)
    n = 300
    z = rng.normal(size=n)
    X = np.column_stack([z + rng.normal(scale=0.5, size=n), rng.normal(size=(n, 4))])
    Y = np.column_stack([z, -z + rng.normal(scale=0.1, size=n), rng.normal(size=n)])
    tr, te = np.arange(200), np.arange(200, n)
    # no conditions in X: the pair's stage2_without_conditions (the ridge) is the stage 2
    pair = StagePair(ProjectedForestRegressor(50, n_components=3), ProjectedForestRegressor(5),
                     stage2_inputs="conditions+predictions", stage2_target="residual",
                     stage2_without_conditions=StandardizedRidgeCV())
    fitted = fit_two_stages(pair, {"m": StageInputs(X[tr], Y[tr], X[te])}, random_state=0, targets_per_model=3)["m"]
    err1 = ((fitted.stage1.predictions - Y[te]) ** 2).mean(axis=0)
    err2 = ((fitted.stage2.predictions - Y[te]) ** 2).mean(axis=0)
    assert err2[0] < err1[0] and err2[1] < err1[1]  # forests shrink toward the mean; the ridge rescales
    assert err2[2] < 1.1 * err1[2]  # noise: the correction stays small
