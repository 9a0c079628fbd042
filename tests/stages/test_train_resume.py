"""Training survives a hard kill: a re-run resumes the unfinished gene blocks and gives
the same numbers as a run that was never interrupted."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner

from kgexpr.atomic import TMP_MARK
from kgexpr.cli import main

pytestmark = pytest.mark.slow

TRAIN = ["--genes", "16", "--trees", "60", "--features", "cn", "--splits", "random", "--learner", "rf", "--n-jobs", "2"]


def _prepare(out, demo_data):
    for stage, own in (("load", []), ("features", ["--features", "cn"])):  # each command's own options
        res = CliRunner().invoke(main, [stage, "--data-dir", str(demo_data), "--out", str(out), *own])
        assert res.exit_code == 0, res.output


def _train_cmd(out, demo_data):
    return [sys.executable, "-m", "kgexpr", "train", "--data-dir", str(demo_data), "--out", str(out), *TRAIN]


def test_killed_training_resumes_with_identical_results(demo_data, tmp_path, train_arrays):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    for out in (whole, killed):
        _prepare(out, demo_data)
    subprocess.run(_train_cmd(whole, demo_data), check=True, capture_output=True)

    proc = subprocess.Popen(_train_cmd(killed, demo_data), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    blocks = killed / "train.partial"
    deadline = time.time() + 300
    try:
        while time.time() < deadline and proc.poll() is None:
            if len(list(blocks.glob("*/blocks/*.npz"))) >= 3:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "training finished before it could be interrupted"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert not (killed / "train" / "manifest.json").exists()
    done_before = len(list(blocks.glob("*/blocks/*.npz"))) + len(list(blocks.glob("*/*.npz")))
    assert done_before >= 3

    res = subprocess.run(_train_cmd(killed, demo_data), capture_output=True, text=True)
    assert res.returncode == 0, res.stderr + res.stdout
    assert "resuming an interrupted run" in res.stdout
    assert not [p for p in killed.rglob("*") if TMP_MARK in p.name]  # the killed run's hidden folders are gone
    a, b = train_arrays(whole), train_arrays(killed)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert not (killed / "train.partial").exists() or not list((killed / "train.partial").glob("**/*.npz"))
