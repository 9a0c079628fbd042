"""The run directory: one folder per stage, each with its artifacts and a manifest.

A stage is skipped when its manifest records the same key (a hash of its
parameters and of its inputs' keys), so re-running a command only recomputes what
changed. Stage outputs are written into a temporary folder and renamed into place,
so an interrupted or failed stage leaves nothing half-written.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import kgexpr

MANIFEST = "manifest.json"


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

    @contextmanager
    def writing(self, name: str, key: str, params: dict, inputs: dict, seed: int | None = None):
        """Yield a temp folder to write the stage into; on success it replaces the stage folder."""
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=self.root))
        started = time.time()
        info: dict = {}
        try:
            yield tmp, info
            manifest = {
                "stage": name,
                "key": key,
                "params": params,
                "inputs": inputs,
                "seed": seed,
                "versions": versions(),
                "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                "seconds": round(time.time() - started, 3),
                "outputs": sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()),
                **({"info": info} if info else {}),
            }
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, default=str))
            dest = self.stage_path(name)
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
