"""One error type for bad input, so the CLI can print one clear line instead of a traceback."""

from __future__ import annotations

import pickle
import zipfile
import zlib
from contextlib import contextmanager
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


class DamagedFile(InputError):
    """A file kgexpr wrote earlier that no longer reads (truncated, overwritten): names it and how to rebuild it."""

    def __init__(self, path: str | Path, error: BaseException):
        super().__init__(path, f"damaged or incomplete ({type(error).__name__}: {first_line(error)}); re-run the "
                               "command that wrote it (kgexpr run with the same --out and options rebuilds it)")


def first_line(error: BaseException) -> str:
    """An exception's message cut to its first line (at most 160 characters), for a one-line error."""
    return (str(error).strip().splitlines() or [""])[0][:160]


#: what reading a truncated or overwritten parquet / npz / joblib / json / text file raises
DAMAGE = (ValueError, EOFError, KeyError, IndexError, OSError, zipfile.BadZipFile, pickle.UnpicklingError, zlib.error)


@contextmanager
def _parse_errors(path: str | Path, to_error):
    """A parser's error on ``path`` as ``to_error(path, error)``; a missing or unreadable file stays the OS's error."""
    try:
        yield
    except (FileNotFoundError, PermissionError, IsADirectoryError, KgexprError):
        raise
    except DAMAGE as e:
        raise to_error(path, e) from e


def reading(path: str | Path):
    """Turn a damaged file's parser error into :class:`DamagedFile`."""
    return _parse_errors(path, DamagedFile)


def _unreadable_input(path: str | Path, e: BaseException) -> InputError:
    first = first_line(e)
    if type(e).__name__ == "EmptyDataError" or first.startswith("No columns to parse"):
        return InputError(path, "is empty (no header, no rows)")
    return InputError(path, f"cannot be read ({type(e).__name__}: {first}); is it truncated or damaged?")


def reading_input(path: str | Path):
    """Like :func:`reading`, for a data file the user gave (empty, truncated gzip, not a table): one line naming it."""
    return _parse_errors(path, _unreadable_input)


class BackendError(KgexprError):
    """A graph backend could not be reached or refused a request."""


class BackendUnreachable(BackendError):
    """The graph server does not answer (down, wrong address): finished stages may still be reused."""


def suggest(name: str, known, show: int = 30) -> str:
    """'did you mean X?' (the closest known name, when one is close), then the list, or its first ``show``
    names and a count when longer (a graph's genes would make one line of 60 kB)."""
    import difflib

    known = list(known)
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    if len(known) > show:
        return f"{hint}{len(known)} known, e.g. {', '.join(known[:show])}, ..."
    return f"{hint}choose from {', '.join(known)}"
