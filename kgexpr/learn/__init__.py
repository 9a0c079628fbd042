"""Learning: the MTRS estimator, the per-model training plan, stacking."""

from kgexpr.learn.mtrs import MTRSRegressor, default_forest, run_stage

__all__ = ["MTRSRegressor", "default_forest", "run_stage"]
