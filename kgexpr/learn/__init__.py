"""Learning: the MTRS engine and protocol, the MTRS estimator, the named learners."""

from kgexpr.learn.boosting import GeneBoostingRegressor
from kgexpr.learn.engine import FittedTwoStage, StagePair, default_forest, fit_two_stages, run_stage, run_stages
from kgexpr.learn.mtrs import MTRSRegressor
from kgexpr.learn.projected_forest import ProjectedForestRegressor
from kgexpr.learn.ridge import StandardizedRidgeCV

__all__ = ["FittedTwoStage", "GeneBoostingRegressor", "MTRSRegressor", "ProjectedForestRegressor", "StagePair",
           "StandardizedRidgeCV", "default_forest", "fit_two_stages", "run_stage", "run_stages"]
