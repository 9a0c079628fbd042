"""Scale-out: `kgexpr train --dask ADDRESS` sends the gene-block fits to a Dask cluster
through joblib's Dask backend and gets the local run's numbers."""

import numpy as np
import pytest
from click.testing import CliRunner

from kgexpr.cli import main

distributed = pytest.importorskip("dask.distributed", reason="the dask extra is not installed: pip install 'kgexpr[dask]'")

pytestmark = pytest.mark.slow

ARGS = ["--genes", "8", "--trees", "30", "--features", "cn,laplacian", "--splits", "random", "--genes-per-model", "3"]


def _prepare(out, demo_data):
    for stage, own in (("load", []), ("features", ["--features", "cn,laplacian"])):  # each command's own options
        res = CliRunner().invoke(main, [stage, "--data-dir", str(demo_data), "--out", str(out), *own])
        assert res.exit_code == 0, res.output


def _train(out, demo_data, *extra):
    res = CliRunner().invoke(main, ["train", "--data-dir", str(demo_data), "--out", str(out), *ARGS, *extra])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("learner", ["rf-projected", "rf-projected-gbm"])
def test_dask_cluster_gives_the_local_results(demo_data, tmp_path, train_arrays, learner):
    for name in ("local", "dask"):
        _prepare(tmp_path / name, demo_data)
    _train(tmp_path / "local", demo_data, "--n-jobs", "1", "--learner", learner)
    local = train_arrays(tmp_path / "local")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client, distributed.get_task_stream(client) as stream:
            _train(tmp_path / "dask", demo_data, "--dask", cluster.scheduler_address, "--learner", learner)
        # the fits really ran on the cluster: 3 models x 2 stages x 3 blocks of genes
        workers = {t["worker"] for t in stream.data}
        assert len(stream.data) >= 18 and workers
    remote = train_arrays(tmp_path / "dask")
    assert local.keys() == remote.keys()
    for k in local:
        np.testing.assert_array_equal(local[k], remote[k], err_msg=k)


def test_unreachable_scheduler_is_one_clear_error(demo_data, tmp_path):
    _prepare(tmp_path, demo_data)
    res = CliRunner().invoke(main, ["train", "--data-dir", str(demo_data), "--out", str(tmp_path), *ARGS,
                                    "--dask", "tcp://127.0.0.1:9"])
    assert res.exit_code == 2
    assert "error:" in res.output and "dask" in res.output.lower()
