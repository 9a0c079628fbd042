"""Into a log file or a pipe, a long stage still prints where it is (no bar can redraw there)."""

import io
import time

from rich.console import Console

from kgexpr import progress


def _piped(monkeypatch) -> io.StringIO:
    out = io.StringIO()
    monkeypatch.setattr(progress, "console", Console(file=out, force_terminal=False, highlight=False))
    monkeypatch.setattr(progress, "HEARTBEAT_S", 0.01)
    return out


def _wait_for(out: io.StringIO, text: str) -> bool:
    """Poll until ``text`` was printed (the heartbeat runs in its own thread); give up after a generous while."""
    for _ in range(2000):
        if text in out.getvalue():
            return True
        time.sleep(0.005)
    return False


def test_a_bar_prints_progress_lines_when_not_a_terminal(monkeypatch):
    out = _piped(monkeypatch)
    with progress.bar("train (gene fits)", 4) as advance:
        advance()
        assert _wait_for(out, "train (gene fits): 1/4")
        advance(3)
    assert "train (gene fits): 4/4" in out.getvalue().splitlines()[-1]


def test_a_stage_says_it_is_still_working(monkeypatch):
    out = _piped(monkeypatch)
    with progress.Progress("deploy") as prog:
        prog.step("fitting baseline")
        assert _wait_for(out, "deploy: still fitting baseline")
    assert "deploy: done in" in out.getvalue()


def test_a_terminal_gets_no_heartbeat_lines(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(progress, "console", Console(file=out, force_terminal=True, highlight=False))
    monkeypatch.setattr(progress, "HEARTBEAT_S", 0.01)
    with progress.Progress("load") as prog:
        prog.step("reading")
        time.sleep(0.1)  # long enough for many beats, were there any
    assert "still" not in out.getvalue()
