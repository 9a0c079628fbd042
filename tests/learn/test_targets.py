"""Which genes a run models, and how samples are split."""

import numpy as np
import pandas as pd
import pytest

from kgexpr.errors import KgexprError
from kgexpr.learn.splits import SPLITS, split_indices
from kgexpr.learn.targets import select_genes


def test_gene_choice_is_seeded_and_keeps_included_genes():
    genes = pd.DataFrame({"entrez_id": range(100, 150), "symbol": [f"G{i}" for i in range(50)]})
    a = select_genes(genes, 10, seed=1, include=("g7", "149"))
    b = select_genes(genes, 10, seed=1, include=("g7", "149"))
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 10 and {"G7", "G49"} <= set(a["symbol"])
    assert list(a["entrez_id"]) == sorted(a["entrez_id"])
    c = select_genes(genes, 10, seed=2, include=("G7",))
    assert set(c["symbol"]) != set(a["symbol"]) and "G7" in set(c["symbol"])
    assert len(select_genes(genes, 0, seed=0)) == 50


def test_a_named_gene_the_data_lacks_is_an_error_unless_lenient():
    genes = pd.DataFrame({"entrez_id": [7157, 1, 2], "symbol": ["TP53", "A1BG", "A2M"]})
    with pytest.raises(KgexprError, match="did you mean TP53"):
        select_genes(genes, 2, seed=0, include=("TP35",))
    assert len(select_genes(genes, 2, seed=0, include=("TP35",), strict=False)) == 2
    with pytest.raises(KgexprError, match="--genes -1"):
        select_genes(genes, -1, seed=0)


def test_splits_are_seeded_and_the_drug_split_holds_whole_drugs_out():
    samples = pd.DataFrame({"pert_id": np.repeat([f"p{i}" for i in range(10)], 4)})
    assert set(SPLITS) == {"random", "drug"}
    tr, te = split_indices(samples, "drug", 0.3, seed=1)
    assert not set(samples["pert_id"].iloc[tr]) & set(samples["pert_id"].iloc[te])
    assert sorted(np.concatenate([tr, te])) == list(range(40))
    a, b = split_indices(samples, "random", 0.25, 3), split_indices(samples, "random", 0.25, 3)
    np.testing.assert_array_equal(a[1], b[1])
    assert len(a[1]) == 10 and list(a[0]) == sorted(a[0])
    with pytest.raises(KgexprError, match="did you mean 'drug'"):
        split_indices(samples, "drugs", 0.3, 0)
    with pytest.raises(KgexprError, match="two perturbagens"):
        split_indices(samples.assign(pert_id="p0"), "drug", 0.3, 0)
