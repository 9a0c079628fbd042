"""kgexpr.sources.gct writers: what write_gct / write_gctx write, the readers read back."""

import numpy as np

from kgexpr.sources.gct import read_gct, read_gctx, write_gct, write_gctx


def test_gct_and_gctx_round_trip(tmp_path):
    values = np.array([[1.25, -0.5, 0.0], [2.0, 3.125, -1.0]])  # genes x samples
    rows, cols = ["101", "102"], ["s1", "s2", "s3"]
    row_meta = {"pr_gene_symbol": ["A", "B"], "pr_is_lm": [1, 1]}
    col_meta = {"pert_id": ["p1", "p2", "DMSO"], "pert_dose": [0.1, 10.0, -666.0]}
    write_gct(tmp_path / "m.gct", rows, row_meta, cols, col_meta, values)
    write_gctx(tmp_path / "m.gctx", rows, row_meta, cols, col_meta, values)
    assert (tmp_path / "m.gct").read_text().splitlines()[:2] == ["#1.3", "2\t3\t2\t2"]
    for got in (read_gct(tmp_path / "m.gct"), read_gctx(tmp_path / "m.gctx")):
        assert list(got.data.index.astype(str)) == rows and list(got.data.columns.astype(str)) == cols
        np.testing.assert_allclose(got.data.to_numpy(), values)
    b1 = (tmp_path / "m.gctx").read_bytes()
    write_gctx(tmp_path / "m.gctx", rows, row_meta, cols, col_meta, values)
    assert (tmp_path / "m.gctx").read_bytes() == b1  # deterministic: no timestamps
