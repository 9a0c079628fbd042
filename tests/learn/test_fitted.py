"""FittedTwoStage: the one fitted two-stage model that the Python API, deploy and predict share."""

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestRegressor

from kgexpr.learn import GeneBoostingRegressor, MTRSRegressor, ProjectedForestRegressor, StagePair
from kgexpr.learn.engine import FittedTwoStage, StageInputs, fit_two_stages


def _dose_problem(n=240, p=8, m=6, seed=0):
    """A dose column first (the condition), drug columns, and one target-specific column per gene."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    X_target = rng.normal(size=(n, m, 1))
    Y = X[:, :3] @ rng.normal(size=(3, m)) + np.tanh(X[:, :1]) * X_target[:, :, 0] + 0.1 * rng.normal(size=(n, m))
    return X, X_target, Y


@pytest.mark.parametrize("estimator", [
    RandomForestRegressor(n_estimators=10, max_features=1.0, oob_score=True),
    StagePair(ProjectedForestRegressor(10, n_components=3),
              GeneBoostingRegressor(n_estimators=20, screen_features=3, kept_features=5),
              stage2_inputs="conditions+predictions", stage2_target="residual"),
], ids=["paper", "conditions-residual"])
def test_the_fitted_model_predicts_what_the_fit_predicted_and_survives_joblib(estimator, tmp_path):
    X, Xt, Y = _dose_problem()
    tr, te = slice(0, 180), slice(180, None)
    columns = tuple(f"c{i}" for i in range(X.shape[1]))
    problem = StageInputs(X[tr], Y[tr], X[te], Xt[tr], Xt[te], n_conditions=1, columns=columns)
    fitted = fit_two_stages(estimator, {"m": problem}, random_state=0, keep_models=True, targets_per_model=3)["m"]
    model = fitted.model
    assert isinstance(model, FittedTwoStage)
    assert (model.n_conditions, model.columns, model.n_target_features, model.n_targets) == (1, columns, 1, Y.shape[1])
    # the model on the held-out rows is what the fit predicted for them (stage 2 plus stage 1 for a residual one)
    np.testing.assert_allclose(model.predict(X[te], Xt[te]), fitted.stage2.predictions, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model.predict_stage1(X[te], Xt[te]), fitted.stage1.predictions, rtol=1e-12, atol=1e-12)
    before = model.predict(X[te], Xt[te])
    path = tmp_path / "m.joblib"
    joblib.dump(model.drop_training_diagnostics(), path, compress=1)  # as the deploy stage saves it
    loaded = joblib.load(path)
    assert isinstance(loaded, FittedTwoStage)
    assert loaded.plan.stage2_inputs == model.plan.stage2_inputs and loaded.plan.residual == model.plan.residual
    assert not any(hasattr(m, "oob_prediction_") for m in (*loaded.stage1, *loaded.stage2))
    if isinstance(estimator, StagePair):  # a projected forest pickles its leaves' members, not their means
        np.testing.assert_allclose(loaded.predict(X[te], Xt[te]), before, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_array_equal(loaded.predict(X[te], Xt[te]), before)
    with pytest.raises(ValueError, match="X_target"):
        loaded.predict(X[te])


def test_models_are_kept_only_when_asked():
    X, Xt, Y = _dose_problem(n=60)
    fitted = fit_two_stages(RandomForestRegressor(n_estimators=5, oob_score=True), {"m": StageInputs(X, Y)},
                            random_state=0)["m"]
    assert fitted.model is None and fitted.stage2.held_out.shape == Y.shape


def test_mtrs_regressor_holds_a_fitted_two_stage_with_its_column_names():
    X, Xt, Y = _dose_problem(n=120)
    frame = pd.DataFrame(X, columns=[f"c{i}" for i in range(X.shape[1])])
    est = MTRSRegressor(ProjectedForestRegressor(10, n_components=3), targets_per_model=3, n_conditions=1,
                        random_state=0).fit(frame, Y, X_target=Xt)
    assert isinstance(est.model_, FittedTwoStage) and est.model_.columns == tuple(frame.columns)
    assert est.model_.n_conditions == 1 and est.stage2_estimators_ is est.model_.stage2
    np.testing.assert_array_equal(est.predict(frame, Xt), est.model_.predict(X, Xt))
