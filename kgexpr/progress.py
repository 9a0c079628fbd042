"""Console output: step messages and progress bars (rich).

On a terminal a bar redraws in place; into a log file or a pipe it cannot, so there a long
stage prints a plain progress line at least every :data:`HEARTBEAT_S` seconds instead: a
piped ``kgexpr run > log`` shows it is alive, and where it is.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as _RichProgress

console = Console(highlight=False, soft_wrap=True)

#: seconds between progress lines when the output is not a terminal
HEARTBEAT_S = 30.0


class _Heartbeat:
    """A daemon thread that prints ``line()`` every HEARTBEAT_S seconds until stopped (not on a terminal)."""

    def __init__(self, line):
        self._line, self._stop = line, threading.Event()
        self._thread = None if console.is_terminal else threading.Thread(target=self._beat, daemon=True)
        if self._thread is not None:
            self._thread.start()

    def _beat(self):
        while not self._stop.wait(HEARTBEAT_S):
            console.print(self._line())

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


class Progress:
    """Named steps of a stage, and the stage's total time when it ends."""

    def __init__(self, stage: str):
        self.stage = stage

    def __enter__(self):
        self._t0 = time.time()
        self._label = "starting"
        self._beat = _Heartbeat(lambda: f"{self.stage}: still {self._label} ({time.time() - self._t0:.0f} s)")
        return self

    def step(self, label: str, detail: str = "") -> None:
        self._label = label
        console.print(f"[dim]{self.stage}:[/] {label}" + (f" [dim]({detail})[/]" if detail else ""))

    def __exit__(self, *exc):
        self._beat.stop()
        if exc[0] is None:
            console.print(f"[dim]{self.stage}: done in {time.time() - self._t0:.1f} s[/]")


def human_bytes(n: float) -> str:
    """1536 -> "1.5 KB": file sizes in messages and listings."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


@contextmanager
def bar(description: str, total: int):
    """A progress bar (done/total, elapsed, ETA); yields ``advance(n=1)``. Not on a terminal: a line
    "description: done/total (elapsed)" every HEARTBEAT_S seconds, and one when it ends."""
    if not console.is_terminal:
        t0, done = time.time(), [0]

        def line():
            return f"{description}: {done[0]}/{total} ({time.time() - t0:.0f} s)"

        def advance(n=1):
            done[0] += n

        beat = _Heartbeat(line)
        try:
            yield advance
        finally:
            beat.stop()
        console.print(line())
        return
    with _RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as p:
        task = p.add_task(description, total=total)
        yield lambda n=1: p.advance(task, n)
