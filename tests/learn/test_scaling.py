"""Target scaling (none, the paper's min-max, the robust transform) and clipping inside the training rows."""

import numpy as np
import pandas as pd
import pytest

from kgexpr.learn.scaling import SCALINGS, clip_bounds, clip_targets, fit_transform, inverse, resolve_scaling

UNIT_SCALINGS = [name for name in SCALINGS if name != "none"]


def _heavy_tailed(n=400, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=1.3, size=(n, 3))
    x[:3, 0] = [200.0, -180.0, 150.0]  # a few HDAC-inhibitor-like compounds
    return pd.DataFrame(x, columns=pd.Index([16, 10058, 1001], name="entrez_id"))


@pytest.mark.parametrize("name", UNIT_SCALINGS)
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
    for name in UNIT_SCALINGS:
        scaled, params = fit_transform(values, name)
        assert (scaled[1] == 0.0).all() and np.isfinite(scaled.to_numpy()).all()
        np.testing.assert_allclose(inverse(scaled.to_numpy(), params), values.to_numpy(), atol=1e-9)
    assert resolve_scaling("auto", "consensus") == "none"
    assert resolve_scaling("auto", "level5") == "minmax"
    assert resolve_scaling("minmax", "consensus") == "minmax"


def test_none_keeps_the_input_units_and_records_the_genes():
    values = _heavy_tailed()
    scaled, params = fit_transform(values, "none")
    np.testing.assert_array_equal(scaled.to_numpy(), values.to_numpy())
    assert list(params.index) == list(values.columns) and set(params["method"]) == {"none"}
    np.testing.assert_array_equal(inverse(scaled.to_numpy(), params), values.to_numpy())


def test_clipping_uses_only_the_rows_given_and_keeps_the_bulk():
    values = _heavy_tailed().to_numpy()
    clipped = clip_targets(values, 10.0)
    low, high = clip_bounds(values, 10.0)
    assert clipped[0, 0] == pytest.approx(high[0]) and clipped[1, 0] == pytest.approx(low[0])
    assert high[0] < 20  # 10 robust sd of a gene whose sd is 1.3
    np.testing.assert_array_equal(clipped[3:], values[3:])  # the ordinary compounds are untouched
    assert not np.allclose(clip_bounds(values[:50], 2.0)[1], clip_bounds(values[50:], 2.0)[1])
    np.testing.assert_array_equal(clip_targets(values, 0), values)  # 0: off
