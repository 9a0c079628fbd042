"""Training pools as many (split, fold, model) fits as its memory budget allows; how they are grouped
never changes a number."""

import numpy as np
from click.testing import CliRunner

from kgexpr.cli import main
from kgexpr.stages import train as train_stage

# train alone runs no deploy stage, so it takes no --no-deploy
ARGS = ["--genes", "6", "--trees", "8", "--features", "cn,laplacian", "--splits", "random,drug", "--n-jobs", "2"]


def _train(out, demo_data):
    res = CliRunner().invoke(main, ["train", "--data-dir", str(demo_data), "--out", str(out), *ARGS])
    assert res.exit_code == 0, res.output


def test_rounds_respect_the_budget_and_keep_every_item_in_order():
    items = list(range(7))
    groups = train_stage._rounds(items, lambda i: 10.0, budget=25.0)
    assert groups == [[0, 1], [2, 3], [4, 5], [6]]
    assert train_stage._rounds(items, lambda i: 100.0, budget=1.0) == [[i] for i in items]  # at least one each
    assert train_stage._rounds([], lambda i: 1.0, budget=1.0) == []


def test_one_fit_per_round_gives_the_numbers_of_one_pool(demo_data, tmp_path, train_arrays, monkeypatch):
    _train(tmp_path / "pooled", demo_data)
    monkeypatch.setattr(train_stage, "ROUND_BYTES", 1)
    _train(tmp_path / "apart", demo_data)
    a, b = train_arrays(tmp_path / "pooled"), train_arrays(tmp_path / "apart")
    assert a.keys() == b.keys() and len(a) > 0
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
