"""Learning: the MTRS estimator, the per-model training plan, stacking."""

from kgexpr.learn.mtrs import MTRSRegressor, default_forest, run_stage, run_stages
from kgexpr.learn.projected_forest import ProjectedForestRegressor

__all__ = ["MTRSRegressor", "ProjectedForestRegressor", "default_forest", "run_stage", "run_stages"]
