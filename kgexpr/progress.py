"""Console output: step messages and progress bars (rich), quiet when not a terminal."""

from __future__ import annotations

import time
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as _RichProgress

console = Console(highlight=False, soft_wrap=True)


class Progress:
    """Named steps of a stage, and the stage's total time when it ends."""

    def __init__(self, stage: str):
        self.stage = stage

    def __enter__(self):
        self._t0 = time.time()
        return self

    def step(self, label: str, detail: str = "") -> None:
        console.print(f"[dim]{self.stage}:[/] {label}" + (f" [dim]({detail})[/]" if detail else ""))

    def __exit__(self, *exc):
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
    """A progress bar (done/total, elapsed, ETA); yields ``advance(n=1)``."""
    with _RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    ) as p:
        task = p.add_task(description, total=total)
        yield lambda n=1: p.advance(task, n)
