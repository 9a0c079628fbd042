"""Artifacts, atomic writes and the run directory."""

import hashlib
import json
import os

import numpy as np
import pandas as pd
import pytest

from kgexpr import artifacts as A
from kgexpr.atomic import TMP_MARK, atomic_dir, atomic_file
from kgexpr.errors import KgexprError
from kgexpr.rundir import RunDir


def test_artifact_formats_round_trip(tmp_path):
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}, index=pd.Index([10, 20], name="k"))
    kept = A.Artifact("s", "t.parquet", "")
    dropped = A.Artifact("s", "u.parquet", "", index=False)
    kept.write(tmp_path, frame)
    dropped.write(tmp_path, frame)
    pd.testing.assert_frame_equal(kept.read(tmp_path), frame)
    assert list(dropped.read(tmp_path).index) == [0, 1]
    A.Artifact("s", "t.json", "").write(tmp_path, {"n": np.int64(3)})
    assert A.Artifact("s", "t.json", "").read(tmp_path) == {"n": 3}
    A.Artifact("s", "t.csv", "").write(tmp_path, frame)
    assert list(A.Artifact("s", "t.csv", "").read(tmp_path).columns) == ["a", "b"]
    assert A.Artifact("s", "missing.json", "").read_if_exists(tmp_path, {}) == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.json", "t.parquet", "u.parquet"]


def test_artifact_paths():
    assert A.GENES.in_run("r") == A.GENES.path("r/load") and A.SUMMARY_MD.in_run("r").as_posix() == "r/summary.md"
    assert A.train_result("drug", "cn").filename == "drug__cn.npz"
    assert A.feature_table("lpi").stage == A.FEATURES


def test_train_results_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {name: rng.normal(size=(3, 2)) for name in ("y_train", "y_test", "stage1_test", "stage2_test",
                                                        "stage1_oob", "stage2_oob", "importances")}
    r = A.TrainResult(genes=np.array([7157, 1]), train_index=np.arange(3), test_index=np.arange(3),
                      n_features=np.array([5]), **arrays)
    r.save(A.train_result("random", "cn").path(tmp_path))
    r.save(A.train_result("drug", "baseline").path(tmp_path))
    back = A.train_results(tmp_path)
    assert set(back) == {"random", "drug"} and set(back["random"]) == {"cn"}
    for name in arrays:
        np.testing.assert_array_equal(getattr(back["random"]["cn"], name), arrays[name])
    assert not [p for p in tmp_path.iterdir() if TMP_MARK in p.name]


def test_atomic_dir_replaces_whole_or_not_at_all(tmp_path):
    dest = tmp_path / "d"
    with atomic_dir(dest) as tmp:
        (tmp / "a").write_text("1")
    assert (dest / "a").read_text() == "1"
    with pytest.raises(RuntimeError):
        with atomic_dir(dest) as tmp:
            (tmp / "b").write_text("2")
            raise RuntimeError("boom")
    assert sorted(p.name for p in dest.iterdir()) == ["a"]
    with atomic_dir(dest) as tmp:
        (tmp / "c").write_text("3")
    assert sorted(p.name for p in dest.iterdir()) == ["c"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]
    assert oct(os.stat(dest).st_mode & 0o777) == oct(0o755)


def test_atomic_file_keeps_the_old_file_on_failure(tmp_path):
    dest = tmp_path / "f.txt"
    dest.write_text("old")
    with pytest.raises(ValueError):
        with atomic_file(dest) as tmp:
            tmp.write_text("half")
            raise ValueError
    assert dest.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_run_dir_writes_a_manifest_and_reuses_by_key(tmp_path):
    run = RunDir(tmp_path / "run")
    with pytest.raises(KgexprError, match="has not been run"):
        run.require("load")
    with run.writing("load", "k1", {"params": {"x": 1}}, seed=3) as (tmp, info):
        (tmp / "out.txt").write_text("x")
        info["n"] = 1
    m = run.manifest("load")
    assert m["key"] == "k1" and m["params"] == {"x": 1} and m["seed"] == 3 
    assert m["outputs"] == {"out.txt": {"size": 1, "sha256": hashlib.sha256(b"x").hexdigest()}}
    assert m["info"] == {"n": 1} and "versions" in m
    assert run.done("load", "k1") is not None and run.done("load", "k2") is None
    assert run.broken(run.done("load", "k1")) is None
    with pytest.raises(RuntimeError):
        with run.writing("load", "k2", {}) as (tmp, _):
            (tmp / "other.txt").write_text("y")
            raise RuntimeError
    assert run.manifest("load")["key"] == "k1"
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["load"]
    assert json.loads((tmp_path / "run" / "load" / A.MANIFEST).read_text())["stage"] == "load"


@pytest.mark.parametrize("change, why", [
    (lambda f: f.unlink(), "is missing"),
    (lambda f: f.write_text("xy"), "is 2 bytes, 1 when written"),
    (lambda f: f.write_text("y"), "changed since it was written"),
])
def test_a_stage_whose_file_changed_is_not_reusable(tmp_path, change, why):
    run = RunDir(tmp_path / "run")
    with run.writing("load", "k1", {}) as (tmp, _):
        (tmp / "out.txt").write_text("x")
    change(tmp_path / "run" / "load" / "out.txt")
    assert why in run.broken(run.done("load", "k1"))


def test_an_older_manifest_without_hashes_is_not_trusted(tmp_path):
    run = RunDir(tmp_path / "run")
    with run.writing("load", "k1", {}) as (tmp, _):
        (tmp / "out.txt").write_text("x")
    f = tmp_path / "run" / "load" / A.MANIFEST
    f.write_text(json.dumps({**json.loads(f.read_text()), "outputs": ["out.txt"]}))
    assert "no sizes or content hashes" in run.broken(run.done("load", "k1"))


def test_damaged_files_read_as_one_error_naming_them(tmp_path):
    import joblib

    from kgexpr.errors import DamagedFile, reading

    art = A.Artifact("evaluate", "m.parquet", "")
    art.write(tmp_path, pd.DataFrame({"a": range(100)}))
    npz = tmp_path / "r.npz"
    np.savez(npz, a=np.arange(1000))
    jl = tmp_path / "m.joblib"
    joblib.dump({"a": np.arange(1000)}, jl, compress=1)
    for f in (art.path(tmp_path), npz, jl):
        f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with pytest.raises(DamagedFile, match=r"m\.parquet: damaged or incomplete"):
        art.read(tmp_path)
    with pytest.raises(DamagedFile, match=r"r\.npz: damaged"):
        A.TrainResult.load(npz)
    with pytest.raises(DamagedFile, match=r"m\.joblib: damaged"):
        with reading(jl):
            joblib.load(jl)
    with pytest.raises(FileNotFoundError):  # a missing file stays the OS's error
        A.Artifact("evaluate", "gone.parquet", "").read(tmp_path)


def test_partial_results_folder_goes_when_the_stage_finishes(tmp_path):
    run = RunDir(tmp_path)
    a, b = run.partial("train", "ka"), run.partial("train", "kb")
    for d in (a, b):
        d.mkdir(parents=True)
        (d / "x.npz").write_bytes(b"")
    run.drop_partial("train", "ka")
    assert not a.exists() and b.exists()
    run.drop_partial("train", "kb")
    assert not (tmp_path / A.partial_folder("train")).exists()


def test_written_files_and_folders_follow_the_umask(tmp_path):
    import os

    from kgexpr.atomic import atomic_dir, atomic_file

    old = os.umask(0o022)
    try:
        with atomic_file(tmp_path / "a.txt") as tmp:
            tmp.write_text("x")
        with atomic_dir(tmp_path / "d") as tmp:
            (tmp / "f").write_text("y")
        os.umask(0o027)
        with atomic_file(tmp_path / "b.txt") as tmp:
            tmp.write_text("x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "b.txt").stat().st_mode & 0o777 == 0o640
