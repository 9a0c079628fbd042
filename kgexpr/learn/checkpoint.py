"""Finished gene blocks on disk, so an interrupted training resumes where it stopped."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from kgexpr.learn.engine import BlockResult


class NpzBlockStore:
    """One .npz per (stage, block), written atomically; a partial file is never read back."""

    def __init__(self, directory: Path, prefix: str):
        self.directory = Path(directory)
        self.prefix = prefix
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, stage: int, block_index: int) -> Path:
        return self.directory / f"{self.prefix}__s{stage}__b{block_index:05d}.npz"

    def load(self, stage: int, block_index: int) -> BlockResult | None:
        path = self._path(stage, block_index)
        if not path.exists():
            return None
        with np.load(path) as z:
            return BlockResult(
                held_out=z["held_out"],
                predictions=z["predictions"] if "predictions" in z.files else None,
                importances=z["importances"] if "importances" in z.files else None,
            )

    def save(self, stage: int, block_index: int, result: BlockResult) -> None:
        arrays = {"held_out": result.held_out}
        if result.predictions is not None:
            arrays["predictions"] = result.predictions
        if result.importances is not None:
            arrays["importances"] = result.importances
        path = self._path(stage, block_index)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)

    def clear(self) -> None:
        for f in self.directory.glob(f"{self.prefix}__s*__b*.npz"):
            f.unlink()
