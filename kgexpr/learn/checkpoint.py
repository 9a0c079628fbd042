"""Finished gene blocks on disk, so an interrupted training resumes where it stopped."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kgexpr.artifacts import block_file, block_files
from kgexpr.atomic import atomic_file
from kgexpr.errors import DamagedFile, reading
from kgexpr.learn.engine import BlockResult


class NpzBlockStore:
    """One .npz per (stage, block), written atomically; a partial file is never read back."""

    def __init__(self, directory: Path, prefix: str):
        self.directory = Path(directory)
        self.prefix = prefix
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, stage: int, block_index: int) -> Path:
        return block_file(self.directory, self.prefix, stage, block_index)

    def load(self, stage: int, block_index: int) -> BlockResult | None:
        path = self._path(stage, block_index)
        if not path.exists():
            return None
        try:
            with reading(path), np.load(path) as z:
                return BlockResult(
                    held_out=z["held_out"],
                    predictions=z["predictions"] if "predictions" in z.files else None,
                    importances=z["importances"] if "importances" in z.files else None,
                )
        except DamagedFile:
            path.unlink(missing_ok=True)
            return None  # a damaged block is fitted again

    def save(self, stage: int, block_index: int, result: BlockResult) -> None:
        arrays = {"held_out": result.held_out}
        if result.predictions is not None:
            arrays["predictions"] = result.predictions
        if result.importances is not None:
            arrays["importances"] = result.importances
        with atomic_file(self._path(stage, block_index)) as tmp:
            np.savez(tmp, **arrays)

    def clear(self) -> None:
        for f in block_files(self.directory, self.prefix):
            f.unlink()
