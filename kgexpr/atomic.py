"""Write a file or a folder so that readers see the old one or the new one, never half of either.

Everything kgexpr keeps (stage folders, the embedded graph, checkpointed gene blocks, downloads)
goes through these two helpers: the content is written next to its destination and renamed
into place, and a failure removes the temporary copy.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


#: in the name of every temporary file and folder these helpers make, so a killed process's leftovers can be found
TMP_MARK = ".kgtmp"


def remove_leftovers(root: str | Path) -> list[Path]:
    """Remove the temporary files and folders a killed process left under ``root`` (call only while no other
    process writes there: :meth:`kgexpr.rundir.RunDir.locked`)."""
    found = [p for p in Path(root).rglob(f".*{TMP_MARK}*") if TMP_MARK in p.name]
    for p in sorted(found, key=lambda q: len(q.parts)):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    return found


def _umask() -> int:
    """The process umask, read without changing it where Linux shows it (setting it races other threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_dir(dest: str | Path, *, prefix: str | None = None) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``dest``; on success it replaces ``dest``."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix or f".{dest.name}-", suffix=TMP_MARK, dir=dest.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it 0700; a folder follows the umask like mkdir
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", suffix=TMP_MARK, dir=dest.parent))
            os.replace(dest, old / dest.name)
            os.replace(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def atomic_file(dest: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest`` (same suffix, so writers that add one do not); renamed on success."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.stem}.", suffix=f"{TMP_MARK}{dest.suffix}", dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if tmp.exists():
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; a file follows the umask like open()
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
