"""One error type for bad input, so the CLI can print one clear line instead of a traceback."""

from __future__ import annotations

from pathlib import Path


class KgexprError(Exception):
    """Base class for errors the CLI reports as a single message (exit code 2)."""


class InputError(KgexprError, ValueError):
    """Bad input data: names the file, the line/record and the field."""

    def __init__(self, path: str | Path, message: str, *, line: int | None = None, field: str | None = None):
        self.path = str(path)
        self.line = line
        self.field = field
        self.message = message
        where = self.path if line is None else f"{self.path}:{line}"
        what = f" field '{field}':" if field else ""
        super().__init__(f"{where}:{what} {message}")


class BackendError(KgexprError):
    """A graph backend could not be reached or refused a request."""


class BackendUnreachable(BackendError):
    """The graph server does not answer (down, wrong address): finished stages may still be reused."""


def suggest(name: str, known) -> str:
    """'did you mean X?' (the closest known name, when one is close), then the full list."""
    import difflib

    close = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}choose from {', '.join(known)}"
