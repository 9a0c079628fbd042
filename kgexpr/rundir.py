"""The run directory: one folder per stage, each with its artifacts and a manifest.

A stage is skipped when its manifest records the same key (built by
:mod:`kgexpr.stages.base` from everything the stage depends on), so re-running a
command only recomputes what changed. Stage outputs are written into a temporary
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
from kgexpr.artifacts import MANIFEST
from kgexpr.atomic import atomic_dir


def stable_hash(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def file_fingerprint(path: str | Path) -> dict:
    """Name, size and mtime: cheap identity of an input file (contents are not re-hashed each run)."""
    p = Path(path)
    st = p.stat()
    return {"path": str(p.resolve()), "size": st.st_size, "mtime": int(st.st_mtime)}


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

    def stage_path(self, name: str) -> Path:
        return self.root / name

    def manifest(self, name: str) -> dict | None:
        f = self.stage_path(name) / MANIFEST
        if not f.exists():
            return None
        try:
            return json.loads(f.read_text())
        except json.JSONDecodeError:
            return None

    def done(self, name: str, key: str) -> Stage | None:
        m = self.manifest(name)
        if m is not None and m.get("key") == key:
            return Stage(name, self.stage_path(name), m, reused=True)
        return None

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
                "outputs": sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()),
                **({"info": info} if info else {}),
            }
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, default=str))
