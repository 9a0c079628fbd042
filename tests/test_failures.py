"""Faults outside kgexpr (no permission, a read-only or full disk, a killed earlier command) end a command
with one ``error:`` line and exit code 2, never a traceback, and leave no half-written or empty folders."""

import errno
import fcntl
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kgexpr import artifacts as A
from kgexpr.atomic import TMP_MARK
from kgexpr.cli import main, os_error_line
from kgexpr.rundir import RunDir

ARGS = ["--genes", "8", "--trees", "10", "--features", "cn", "--splits", "random", "--n-jobs", "1"]


def _one_error_line(res) -> str:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    lines = [x for x in res.output.splitlines() if x.startswith("error:")]
    assert len(lines) == 1, res.output
    return lines[0]


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if TMP_MARK in p.name]


@pytest.mark.slow
def test_a_full_disk_during_training_is_one_line_and_keeps_the_finished_stages(demo_data, tmp_path, monkeypatch):
    out = tmp_path / "run"

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full)  # the first file the train stage writes
    res = CliRunner().invoke(main, ["run", "--data-dir", str(demo_data), "--out", str(out), *ARGS])
    line = _one_error_line(res)
    assert line.startswith(f"error: no space left on the disk of {out}: free some space")
    assert (out / A.LOAD / A.MANIFEST).exists() and (out / A.FEATURES / A.MANIFEST).exists()
    assert not (out / A.TRAIN).exists() and not _leftovers(out)


def test_a_new_out_under_an_unwritable_folder_is_one_line_and_leaves_nothing(demo_data, tmp_path, monkeypatch):
    parent = tmp_path / "shared"
    parent.mkdir()
    real_mkdir = os.mkdir

    def denied(path, *a, **k):
        if Path(path).parent == parent:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_mkdir(path, *a, **k)

    monkeypatch.setattr(os, "mkdir", denied)
    res = CliRunner().invoke(main, ["run", "--data-dir", str(demo_data), "--out", str(parent / "run"), *ARGS])
    assert _one_error_line(res) == (f"error: permission denied: cannot write in {parent}: fix its permissions or "
                                    "give --out another folder")
    assert list(parent.iterdir()) == []


def test_a_failed_run_removes_the_run_directory_it_created(demo_data, tmp_path, monkeypatch):
    out = tmp_path / "run"

    def read_only(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system", str(out / f".load-x{TMP_MARK}"))

    monkeypatch.setattr("kgexpr.atomic.tempfile.mkdtemp", read_only)  # the load stage's folder, the first write
    res = CliRunner().invoke(main, ["run", "--data-dir", str(demo_data), "--out", str(out), *ARGS])
    assert _one_error_line(res) == f"error: {out} is on a read-only file system: give --out another folder on a writable disk"
    assert not out.exists()


@pytest.mark.parametrize("err, expected", [
    (OSError(errno.ENOSPC, "No space left on device"), "no space left on the disk of /o: free some space"),
    (OSError(errno.EDQUOT, "Disk quota exceeded", "/o/x"), "no space left on the disk of /o/x (or over its quota)"),
    (OSError(errno.EROFS, "Read-only file system", "/o/x"), "/o/x is on a read-only file system: give --out"),
    # pyarrow's write errors carry the errno in their text only
    (OSError("Error writing bytes to file. Detail: [errno 28] No space left on device"), "no space left on the disk"),
    (OSError(errno.EIO, "Input/output error", "/o/x"), "Input/output error: /o/x"),
])
def test_os_error_lines(err, expected):
    assert os_error_line(err, Path("/o")).startswith(expected)


def test_an_unreadable_file_is_named_as_unreadable(tmp_path):
    f = tmp_path / "x.gct"
    f.write_text("x")
    f.chmod(0)
    try:
        if os.access(f, os.R_OK):
            pytest.skip("this user reads any file (root)")
        line = os_error_line(PermissionError(errno.EACCES, "Permission denied", str(f)), None)
        assert line == f"permission denied: cannot read {f}: fix its permissions or choose another path"
    finally:
        f.chmod(0o644)


def test_leftovers_of_a_killed_command_are_removed_when_the_next_one_starts(tmp_path):
    run = RunDir(tmp_path / "run")
    with run.writing("load", "k", {}) as (tmp, _):
        (tmp / "a.txt").write_text("a")
    # what kill -9 leaves, named as the atomic writers name them: a stage folder being written, the report being
    # renamed into place, a gene block being saved
    half = Path(tempfile.mkdtemp(prefix=".train-", suffix=TMP_MARK, dir=run.root))
    (half / "x.npz").write_bytes(b"12")
    tempfile.mkstemp(prefix=".summary.", suffix=f"{TMP_MARK}.md", dir=run.root)
    (run.root / "train.partial" / "k").mkdir(parents=True)
    tempfile.mkstemp(prefix=".b.", suffix=f"{TMP_MARK}.npz", dir=run.root / "train.partial" / "k")
    assert len(_leftovers(run.root)) == 3
    with run.locked():
        assert _leftovers(run.root) == []
    assert (run.root / "load" / "a.txt").read_text() == "a" and (run.root / "train.partial" / "k").is_dir()


def test_a_second_command_on_the_same_run_directory_is_refused(demo_data, tmp_path):
    run = RunDir(tmp_path / "run")
    with run.locked():
        res = CliRunner().invoke(main, ["load", "--data-dir", str(demo_data), "--out", str(run.root)])
    line = _one_error_line(res)
    assert line == f"error: {run.root} is in use by another kgexpr command: wait for it to finish, or choose another --out"
    with open(run.root / A.LOCK) as f:  # released: the lock is free again
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_a_lost_neo4j_connection_names_the_os_reason():
    """The driver's first line ends in a colon ('Failed to read from defunct connection ...:'); its reason is on
    the next line or only in the OSError it was raised from."""
    pytest.importorskip("neo4j")
    from kgexpr.graph.neo4j import _first_line

    assert _first_line("Failed to read from defunct connection IPv4Address(('127.0.0.1', 7687)):\n"
                       "Connection refused") == ("Failed to read from defunct connection IPv4Address(('127.0.0.1', "
                                                 "7687)): Connection refused")
    try:
        try:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        except OSError as cause:
            raise RuntimeError("Failed to read from defunct connection IPv4Address(('127.0.0.1', 7687)):") from cause
    except RuntimeError as e:
        assert _first_line(e).endswith("7687)): Connection refused")
    assert _first_line("one line") == "one line"


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its parent's wait is missing


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_local_workers_end_with_a_killed_run():
    """loky's workers do not watch their parent: those of a kill -9'd run lived on up to 300 s idle, longer when
    blocked. Each now ends once its parent is gone."""
    import signal
    import subprocess
    import sys
    import time

    script = ("import os, time\n"
              "from joblib import Parallel, delayed\n"
              "from kgexpr.learn.parallel import dask_backend\n"
              "with dask_backend(None):\n"
              "    pids = Parallel(n_jobs=2)(delayed(os.getpid)() for _ in range(8))\n"
              "print(' '.join(map(str, sorted(set(pids)))), flush=True)\n"
              "time.sleep(600)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    workers = [int(x) for x in proc.stdout.readline().split()]
    assert workers and proc.pid not in workers
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 120  # only so that a regression fails instead of hanging; they go within seconds
    while any(_running(w) for w in workers) and time.time() < deadline:
        time.sleep(0.2)
    assert not [w for w in workers if _running(w)]
