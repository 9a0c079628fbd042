"""Run settings: one dataclass, with the defaults sized for a 2-core laptop and a --paper preset."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

PAPER_GENES = 300
PAPER_TREES = 300


@dataclass(frozen=True)
class Settings:
    data_dir: Path | None = None
    out: Path = Path("runs/default")
    demo: bool = False
    backend: str = "embedded"
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_database: str | None = None
    neo4j_clear: bool = False
    batch_size: int = 10_000
    expression: Path | None = None
    cell_line: str = "auto"
    mutation_cell_lines: str = "lincs"
    n_genes: int = 300
    include_genes: tuple[str, ...] = ("TP53",)
    n_trees: int = 300
    features: tuple[str, ...] = ("cn", "lpi", "entropy", "laplacian", "lle", "deepwalk", "node2vec", "fastrp")
    splits: tuple[str, ...] = ("random", "drug")
    test_size: float = 0.25
    learner: str = "rf-projected"
    genes_per_model: int | None = None  # None: the learner's own block size
    seed: int = 0
    n_jobs: int = -1
    top_k: int = 5
    lpi_beta: float = 0.01
    dask: str | None = None

    def with_paper(self) -> "Settings":
        """The paper's full settings: 300 genes, 300 trees."""
        return replace(self, n_genes=PAPER_GENES, n_trees=PAPER_TREES)

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in d.items()}
