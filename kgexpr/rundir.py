"""The run directory: one folder per stage, each with its artifacts and a manifest.

A stage is skipped when its manifest records the same key (built by
:mod:`kgexpr.stages.base` from everything the stage depends on) and each file it
recorded still has its size and content hash, so re-running a command only
recomputes what changed, and a damaged file is rebuilt rather than read. Stage outputs are written into a temporary
folder and renamed into place, so an interrupted or failed stage leaves nothing
half-written.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import kgexpr
from kgexpr.artifacts import LOCK, MANIFEST, rewritten_later
from kgexpr.atomic import atomic_dir, remove_leftovers


def stable_hash(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def file_fingerprint(path: str | Path) -> dict:
    """Name, size and mtime: cheap identity of an input file (contents are not re-hashed each run)."""
    p = Path(path)
    st = p.stat()
    return {"path": str(p.resolve()), "size": st.st_size, "mtime": int(st.st_mtime)}


def content_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks (about 1.7 GB/s here: seconds for a full real-data run)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def output_records(folder: Path, rewritten: tuple[str, ...] = ()) -> dict:
    """Every file of a stage folder with its size and content hash, as the manifest keeps them; files under
    ``rewritten`` (folders later stages write into) by name only."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != MANIFEST:
            rel = p.relative_to(folder)
            out[str(rel)] = ({"rewritten": True} if rel.parts[0] in rewritten
                             else {"size": p.stat().st_size, "sha256": content_hash(p)})
    return out


def broken_output(folder: Path, outputs) -> str | None:
    """Why a finished stage's files no longer are what its manifest recorded, or None when all still match."""
    if not isinstance(outputs, dict):
        return "its manifest records no sizes or content hashes of its files (written by an older kgexpr)"
    for name, rec in outputs.items():
        p = folder / name
        if not p.is_file():
            return f"{p} is missing"
        if rec.get("rewritten"):
            continue
        size = p.stat().st_size
        if size != rec["size"]:
            return f"{p} is {size:,} bytes, {rec['size']:,} when written"
        if content_hash(p) != rec["sha256"]:
            return f"{p} changed since it was written (content hash differs)"
    return None


def versions() -> dict:
    out = {"kgexpr": kgexpr.__version__, "python": sys.version.split()[0], "platform": platform.platform()}
    for mod in ("numpy", "scipy", "pandas", "sklearn", "gensim", "neo4j", "graphdatascience"):
        m = sys.modules.get(mod)
        if m is not None:
            out[mod] = getattr(m, "__version__", "?")
    return out


@dataclass
class Stage:
    """A finished (or reused) stage: where its files are and its manifest."""

    name: str
    path: Path
    manifest: dict
    reused: bool

    @property
    def key(self) -> str:
        return self.manifest["key"]


class RunDir:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def locked(self):
        """Hold the run directory for one command (a second one is refused, not interleaved); what killed
        commands left half-written (hidden temporary folders and files) is removed first."""
        import fcntl

        from kgexpr.errors import KgexprError

        handle = open(self.root / LOCK, "a")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise KgexprError(f"{self.root} is in use by another kgexpr command: wait for it to finish, "
                                  "or choose another --out") from None
            remove_leftovers(self.root)
            yield self
        finally:
            handle.close()

    def stage_path(self, name: str) -> Path:
        return self.root / name

    def manifest(self, name: str) -> dict | None:
        f = self.stage_path(name) / MANIFEST
        if not f.exists():
            return None
        try:
            return json.loads(f.read_text())
        except ValueError:  # a damaged manifest (truncated JSON, not text): the stage runs again
            return None

    def done(self, name: str, key: str) -> Stage | None:
        m = self.manifest(name)
        if m is not None and m.get("key") == key:
            return Stage(name, self.stage_path(name), m, reused=True)
        return None

    def broken(self, st: Stage) -> str | None:
        """Why a finished stage cannot be reused as it is on disk (a file missing, truncated or changed)."""
        return broken_output(st.path, st.manifest.get("outputs"))

    def finished(self, name: str) -> Stage:
        """The stage just written (not reused)."""
        st = self.require(name)
        st.reused = False
        return st

    def require(self, name: str) -> Stage:
        m = self.manifest(name)
        if m is None:
            from kgexpr.errors import KgexprError

            raise KgexprError(f"stage '{name}' has not been run in {self.root} (run the earlier command first)")
        return Stage(name, self.stage_path(name), m, reused=True)

    def partial(self, name: str, key: str) -> Path:
        """Where a stage keeps finished pieces of an interrupted run (created by whoever writes there)."""
        from kgexpr.artifacts import partial_folder

        return self.root / partial_folder(name) / key

    def drop_partial(self, name: str, key: str) -> None:
        """Remove a finished stage's partial results, and their folder when nothing else is left in it."""
        folder = self.partial(name, key)
        shutil.rmtree(folder, ignore_errors=True)
        try:
            folder.parent.rmdir()
        except OSError:
            pass  # another key's partial results are still there

    @contextmanager
    def writing(self, name: str, key: str, parts: dict, seed: int | None = None):
        """Yield a temp folder to write the stage into; on success it replaces the stage folder."""
        started = time.time()
        info: dict = {}
        with atomic_dir(self.stage_path(name), prefix=f".{name}-") as tmp:
            yield tmp, info
            manifest = {
                "stage": name,
                "key": key,
                **{k: v for k, v in parts.items() if k != "stage"},
                "seed": seed,
                "versions": versions(),
                "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                "seconds": round(time.time() - started, 3),
                "outputs": output_records(tmp, rewritten_later(name)),  # reused only while every file still matches (broken_output)
                **({"info": info} if info else {}),
            }
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, default=str))
