"""Which genes a run models, and how samples are split."""

import numpy as np
import pandas as pd
import pytest

from kgexpr.errors import KgexprError
from kgexpr.learn.splits import SPLITS, compound_folds, resolve_splits, split_folds, split_indices
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
    assert set(SPLITS) == {"cv", "random", "drug"}
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


def test_compound_cv_predicts_every_sample_once_with_its_compound_unseen():
    samples = pd.DataFrame({"pert_id": np.repeat([f"p{i}" for i in range(23)], [1, 2, 3] * 7 + [1, 1])})
    folds = split_folds(samples, "cv", 0.25, seed=4, n_folds=5)
    assert len(folds) == 5
    tests = np.concatenate([te for _, te in folds])
    assert sorted(tests) == list(range(len(samples)))  # each sample tested exactly once
    for tr, te in folds:
        assert not set(samples["pert_id"].iloc[tr]) & set(samples["pert_id"].iloc[te])
        assert sorted(np.concatenate([tr, te])) == list(range(len(samples)))
    per_fold = [samples["pert_id"].iloc[te].nunique() for _, te in folds]
    assert max(per_fold) - min(per_fold) <= 1  # compounds dealt evenly
    again = split_folds(samples, "cv", 0.25, seed=4, n_folds=5)
    assert all((a[1] == b[1]).all() for a, b in zip(folds, again))
    other = compound_folds(samples["pert_id"], 5, seed=5)
    assert not (other == compound_folds(samples["pert_id"], 5, seed=4)).all()
    with pytest.raises(KgexprError, match="only 23 compounds"):
        split_folds(samples, "cv", 0.25, seed=0, n_folds=30)
    with pytest.raises(KgexprError, match="has 5 folds"):
        split_indices(samples, "cv", 0.25, 0)


def test_auto_splits_follow_the_data():
    assert resolve_splits(("auto",), True, False) == ("cv",)
    assert resolve_splits(("auto",), False, False) == ("random", "drug")
    assert resolve_splits(("auto",), False, True) == ("random", "drug", "cv")
    assert resolve_splits(("drug",), True, False) == ("drug",)
