import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    """The simulated data set, written once per test session."""
    from kgexpr.demo import write_demo_data

    root = tmp_path_factory.mktemp("demo") / "data"
    write_demo_data(root, seed=0, n_genes=160, n_pathways=10, n_drugs=16, n_landmarks=60)
    return root


@pytest.fixture(scope="session")
def real_data_dir() -> Path | None:
    d = os.environ.get("KGEXPR_DATA")
    return Path(d) if d and Path(d).is_dir() else None


def _train_arrays(out: Path) -> dict:
    """Every array of a run's train/*.npz, keyed 'file:array' (to compare two runs exactly)."""
    import numpy as np

    files = sorted((Path(out) / "train").glob("*.npz"))
    assert files, f"no training results in {out}"
    arrays = {}
    for f in files:
        with np.load(f) as z:
            arrays.update({f"{f.name}:{k}": z[k] for k in z.files})
    return arrays


@pytest.fixture
def train_arrays():
    return _train_arrays
