"""scikit-learn's own estimator checks on small settings (a few trees: seconds, not minutes).

They cover the forest alone, MTRS over blocks of projected forests, MTRS with its
default per-gene random forest, the per-gene boosted model alone, and MTRS with a
forest in stage 1 and boosting on the predictions in stage 2. No check is marked as an expected failure.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from kgexpr.learn import GeneBoostingRegressor, MTRSRegressor, ProjectedForestRegressor, StagePair
from kgexpr.learn.ridge import StandardizedRidgeCV

# five-tree forests leave a few samples never out of bag; the engine predicts those instead
pytestmark = pytest.mark.filterwarnings("ignore:Some inputs do not have OOB scores:UserWarning")


@parametrize_with_checks([
    ProjectedForestRegressor(n_estimators=5),
    MTRSRegressor(ProjectedForestRegressor(n_estimators=5, n_components=4), targets_per_model=2),
    MTRSRegressor(n_estimators=5),
    GeneBoostingRegressor(),
    GeneBoostingRegressor(refit=True),
    GeneBoostingRegressor(screen_features=2, kept_features=1, refit=True),
    MTRSRegressor(StagePair(ProjectedForestRegressor(n_estimators=5, n_components=4),
                            GeneBoostingRegressor(), stage2_inputs="predictions"), targets_per_model=2),
    ProjectedForestRegressor(n_estimators=5, max_samples="auto"),
    StandardizedRidgeCV(),
    MTRSRegressor(StagePair(ProjectedForestRegressor(n_estimators=5, n_components=4, max_samples="auto"),
                            GeneBoostingRegressor(), stage2_inputs="conditions+predictions", stage2_target="residual",
                            stage2_without_conditions=StandardizedRidgeCV()), targets_per_model=2),
])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
