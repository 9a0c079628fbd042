"""Per-sample designs: graph features reach a sample through its drug; unseen drugs get zeros and a flag."""

import numpy as np
import pandas as pd
import pytest

from kgexpr.features.design import (BASELINE, build_designs, condition_features, drug_descriptors,
                                   standard_features)


@pytest.fixture
def inputs():
    samples = pd.DataFrame({"pert_id": ["p1", "p1", "p2", "p3"], "dose_um": [1.0, 10.0, 0.1, 1.0],
                            "time_h": [24.0, 24.0, 6.0, 24.0], "cell_id": ["MCF7"] * 4})
    p2d = pd.Series({"p1": "D1", "p2": "D2", "p3": "D3"})  # D3 has no edges
    nodes = pd.DataFrame({"node_id": ["Drug:D1", "Drug:D2", "Drug:D3", "Gene:1", "Gene:2"], "degree": [2, 1, 0, 3, 1]})
    sim = pd.DataFrame([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], index=["Drug:D1", "Drug:D2", "Drug:D3"],
                       columns=["Gene:1", "Gene:2"])
    emb = pd.DataFrame([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
                       index=["Drug:D1", "Drug:D2", "Drug:D3", "Gene:1", "Gene:2"], columns=["d0", "d1"])
    return samples, p2d, nodes, {"cn": ("similarity", sim), "fastrp": ("embedding", emb)}


def test_designs_in_order_with_the_baseline_first(inputs):
    samples, p2d, nodes, tables = inputs
    designs = build_designs(samples, None, p2d, nodes, tables, [1, 2])
    assert list(designs) == [BASELINE, "cn", "fastrp"]
    assert designs[BASELINE].X_target is None
    assert list(designs[BASELINE].X.columns) == ["log10_dose_um", "time_h"]
    np.testing.assert_allclose(designs[BASELINE].X["log10_dose_um"], [0, 1, -1, 0])


def test_similarity_design_carries_the_drug_row_and_the_target_column(inputs):
    samples, p2d, nodes, tables = inputs
    d = build_designs(samples, None, p2d, nodes, tables, [1, 2])["cn"]
    np.testing.assert_array_equal(d.X[["cn_sim_Gene:1", "cn_sim_Gene:2"]].to_numpy(), [[1, 2], [1, 2], [3, 4], [0, 0]])
    np.testing.assert_array_equal(d.X["cn_graph_missing"], [0, 0, 0, 1])  # D3 has no edges
    assert d.X_target.shape == (4, 2, 1)
    np.testing.assert_array_equal(d.X_target[:, :, 0], [[1, 2], [1, 2], [3, 4], [0, 0]])


def test_embedding_design_has_the_cosine_to_each_gene(inputs):
    samples, p2d, nodes, tables = inputs
    d = build_designs(samples, None, p2d, nodes, tables, [1, 2])["fastrp"]
    np.testing.assert_allclose(d.X_target[:, :, 0], [[1, 1 / np.sqrt(2)], [1, 1 / np.sqrt(2)],
                                                    [0, 1 / np.sqrt(2)], [0, 0]])
    assert np.isfinite(d.X.to_numpy()).all()


def test_descriptors_and_cell_lines_enter_the_standard_features():
    samples = pd.DataFrame({"pert_id": ["p1", "p2"], "dose_um": [1.0, np.nan], "time_h": [6.0, np.nan],
                            "cell_id": ["MCF7", "A375"]})
    info = pd.DataFrame({"pert_id": ["p1"], "molecular_formula": ["C2H6O"], "molecular_wt": ["46.07"]})
    desc = drug_descriptors(info)
    assert desc.loc["p1", "C"] == 2 and desc.loc["p1", "molecular_wt"] == pytest.approx(46.07)
    X = standard_features(samples, desc)
    assert X.loc[1, "descriptors_missing"] == 1 and X.loc[0, "descriptors_missing"] == 0
    assert {"cell_A375", "cell_MCF7"} <= set(X.columns) and np.isfinite(X.to_numpy()).all()
    # the conditions lead (dose, time, cell line), then the drug's own columns
    assert list(X.columns[:4]) == ["log10_dose_um", "time_h", "cell_A375", "cell_MCF7"]
    assert list(condition_features(samples).columns) == list(X.columns[:4])
    pooled = samples[["pert_id", "cell_id"]].assign(dose_um=np.nan, time_h=np.nan)
    assert list(condition_features(pooled).columns) == ["cell_A375", "cell_MCF7"]  # consensus signatures: cell lines only
    assert list(standard_features(pooled, desc).columns[:2]) == ["cell_A375", "cell_MCF7"]


def test_every_design_of_a_run_has_the_same_leading_conditions(inputs):
    samples, p2d, nodes, tables = inputs
    designs = build_designs(samples, None, p2d, nodes, tables, [1, 2])
    assert {d.n_conditions for d in designs.values()} == {2}
    two_lines = samples.assign(cell_id=["MCF7", "A375", "MCF7", "A375"])
    for d in build_designs(two_lines, None, p2d, nodes, tables, [1, 2]).values():  # the design's own count, not a guess
        assert list(d.X.columns[:d.n_conditions]) == ["log10_dose_um", "time_h", "cell_A375", "cell_MCF7"]
    assert build_designs(samples.assign(dose_um=np.nan), None, p2d, nodes, tables, [1, 2])["cn"].n_conditions == 1


def test_an_unparseable_formula_gives_nan_descriptors_not_an_error():
    desc = drug_descriptors(pd.DataFrame({"pert_id": ["p1"], "molecular_formula": ["not a formula!"],
                                          "molecular_wt": [None]}))
    assert desc.loc["p1"].isna().all()


def test_rows_predicted_for_one_cell_line_get_the_models_cell_columns():
    samples = pd.DataFrame({"pert_id": ["a", "b", "c"], "dose_um": [1.0, 2.0, 3.0], "time_h": [6.0, 6.0, 24.0],
                            "cell_id": ["A375", "MCF7", "A375"]}, index=["x", "y", "z"])
    trained = standard_features(samples, None)
    one = standard_features(samples.iloc[[1]], None, cell_lines=["A375", "MCF7"])
    assert list(one.columns) == list(trained.columns)
    pd.testing.assert_frame_equal(one, trained.iloc[[1]])
    assert "cell_MCF7" not in standard_features(samples.iloc[[1]], None).columns  # one line alone: no one-hot
