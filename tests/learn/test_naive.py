"""The naive comparators: the training-mean signature and the nearest compounds by ECFP Tanimoto."""

import numpy as np
import pytest

from kgexpr.learn.naive import fingerprints, mean_signature, nearest_structure, tanimoto


def test_tanimoto_by_hand():
    A = np.array([[1, 1, 0, 0], [0, 0, 0, 0]])
    B = np.array([[1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0]])
    S = tanimoto(A, B)
    np.testing.assert_allclose(S[0], [1 / 3, 1.0, 0.0])
    np.testing.assert_allclose(S[1], [0.0, 0.0, 0.0])  # empty fingerprints share nothing


def test_mean_signature_and_its_leave_one_out():
    Y = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 9.0]])
    test, loo = mean_signature(Y, 2)
    np.testing.assert_allclose(test, [[3.0, 5.0], [3.0, 5.0]])
    np.testing.assert_allclose(loo[0], [4.0, 6.5])  # rows 1 and 2 only


def test_nearest_structure_uses_the_most_similar_training_compounds_only():
    F_train = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0], [0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0]])
    has_train = np.array([True, True, True, False])  # the last has no structure: never a neighbour
    Y = np.array([[1.0], [3.0], [100.0], [-50.0]])
    F_test = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    has_test = np.array([True, False])
    pred, held_out, sim = nearest_structure(F_train, has_train, F_test, has_test, Y, k=2)
    assert pred[0, 0] == pytest.approx(2.0)  # the two ring-1 compounds
    assert pred[1, 0] == pytest.approx(Y.mean())  # no structure: the training mean
    assert sim[0] == pytest.approx(1.0) and np.isnan(sim[1])
    assert held_out[0, 0] == pytest.approx((3.0 + 100.0) / 2)  # itself left out: its two nearest others
    assert held_out[3, 0] == pytest.approx((1.0 + 3.0 + 100.0) / 3)  # no structure: leave-one-out mean


def test_fingerprints_come_from_the_designs_ecfp_columns_and_missing_flag():
    X = np.array([[1, 0, 0.5, 0], [0, 0, 0.7, 0], [1, 1, 0.1, 1]])
    F, has = fingerprints(X, ["drug_ecfp_0000", "drug_ecfp_0001", "drug_pc_logp", "drug_structure_missing"])
    assert F.shape == (3, 2)
    assert has.tolist() == [True, False, False]
    assert fingerprints(X, ["a", "b", "c", "d"]) is None
