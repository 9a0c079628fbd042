"""Target scaling: the paper's min-max, and the robust transform for heavy-tailed consensus signatures."""

import numpy as np
import pandas as pd
import pytest

from kgexpr.learn.scaling import SCALINGS, fit_transform, inverse, resolve_scaling


def _heavy_tailed(n=400, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=1.3, size=(n, 3))
    x[:3, 0] = [200.0, -180.0, 150.0]  # a few HDAC-inhibitor-like compounds
    return pd.DataFrame(x, columns=pd.Index([16, 10058, 1001], name="entrez_id"))


@pytest.mark.parametrize("name", list(SCALINGS))
def test_scaled_to_unit_interval_and_invertible(name):
    values = _heavy_tailed()
    scaled, params = fit_transform(values, name)
    assert scaled.min().min() == pytest.approx(0.0) and scaled.max().max() == pytest.approx(1.0)
    assert set(params["method"]) == {name} and list(params.index) == list(values.columns)
    np.testing.assert_allclose(inverse(scaled.to_numpy(), params), values.to_numpy(), atol=1e-8)


def test_robust_keeps_the_bulk_of_compounds_apart_where_minmax_flattens_it():
    values = _heavy_tailed()
    bulk = slice(3, None)
    mm, _ = fit_transform(values, "minmax")
    rb, _ = fit_transform(values, "robust")
    iqr = lambda s: float(np.subtract(*np.percentile(s, [75, 25])))  # noqa: E731
    assert iqr(mm[16].iloc[bulk]) < 0.02  # 397 ordinary compounds squeezed into 2 % of [0, 1]
    assert iqr(rb[16].iloc[bulk]) > 0.1
    assert np.corrcoef(rb[16].iloc[bulk].rank(), values[16].iloc[bulk].rank())[0, 1] == pytest.approx(1.0)


def test_constant_gene_and_auto_choice():
    values = pd.DataFrame({1: [2.0, 2.0, 2.0], 2: [0.0, 1.0, 5.0]})
    for name in SCALINGS:
        scaled, params = fit_transform(values, name)
        assert (scaled[1] == 0.0).all() and np.isfinite(scaled.to_numpy()).all()
        np.testing.assert_allclose(inverse(scaled.to_numpy(), params), values.to_numpy(), atol=1e-9)
    assert resolve_scaling("auto", "consensus") == "robust"
    assert resolve_scaling("auto", "level5") == "minmax"
    assert resolve_scaling("minmax", "consensus") == "minmax"
