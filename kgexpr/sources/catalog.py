"""Where the input files are: one place that knows the shared data folder layout.

Each role resolves to the best available file (or None) so the CLI can say precisely
what is missing instead of failing deep inside a parser.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DataCatalog", "resolve_data_dir"]


def resolve_data_dir(arg: str | Path | None = None) -> Path | None:
    """Data folder: ``arg``, else env KGEXPR_DATA, else ``../shared/data`` from the cwd if it exists."""
    if arg:
        return Path(arg).expanduser()
    env = os.environ.get("KGEXPR_DATA", "").strip()
    if env:
        return Path(env).expanduser()
    guess = Path.cwd() / ".." / "shared" / "data"
    return guess.resolve() if guess.is_dir() else None


class DataCatalog:
    """Best available file per role under ``data_dir`` (known folder names first, then any subfolder)."""

    def __init__(self, data_dir: str | Path | None):
        self.data_dir = Path(data_dir) if data_dir is not None else None

    # ------------------------------------------------------------------ helpers
    def _dirs(self, preferred: tuple[str, ...]) -> list[Path]:
        """Preferred existing subfolders in order, then every other subfolder (sorted), then the root."""
        root = self.data_dir
        if root is None or not root.is_dir():
            return []
        first = [root / p for p in preferred if (root / p).is_dir()]
        rest = sorted(p for p in root.iterdir() if p.is_dir() and p not in first and not p.name.startswith("."))
        return first + rest + [root]

    def _find(self, patterns: tuple[str, ...], preferred: tuple[str, ...], *, anywhere: bool = True) -> Path | None:
        dirs = self._dirs(preferred)
        if not anywhere:
            dirs = [d for d in dirs if d.name in preferred]
        for d in dirs:
            for pat in patterns:
                hits = sorted(p for p in d.glob(pat) if p.is_file())
                if hits:
                    return hits[0]
        return None

    # ------------------------------------------------------------------ roles
    @property
    def kgml_dir(self) -> Path | None:
        """Folder of KGML ``*.xml`` maps: kegg-kgml-hsa-all (all 338 maps) before kegg-kgml (13)."""
        for d in self._dirs(("kegg-kgml-hsa-all", "kegg-kgml")):
            if d != self.data_dir and d.name.startswith("kegg-kgml") and any(d.glob("*.xml")):
                return d
        return None

    @property
    def expression_sets(self):
        """Every expression set found (official releases, plain GCT(X) in lincs-l1000-* folders, consensus tables)."""
        from kgexpr.sources.expression_sets import discover

        return discover(self.data_dir, self.gene_info_lincs)

    @property
    def expression_files(self) -> list[Path]:
        """The matrix file of each expression set."""
        return [s.path for s in self.expression_sets]

    @property
    def gene_info_ncbi(self) -> Path | None:
        return self._find(("Homo_sapiens.gene_info.gz", "Homo_sapiens.gene_info", "*.gene_info*"), ("gene-ids",))

    @property
    def gene_info_lincs(self) -> Path | None:
        return self._find(
            ("*LINCS_gene_info*.txt*", "*gene_info*.txt*", "geneinfo.tsv*"), ("gene-ids", "lincs-metadata")
        )

    @property
    def pert_info(self) -> Path | None:
        return self._find(("pertinfo.tsv*", "*pert_info*.txt*"), ("lincs-metadata",))

    @property
    def sig_info(self) -> Path | None:
        return self._find(("siginfo.tsv*", "*sig_info*.txt*"), ("lincs-metadata",))

    @property
    def cell_info(self) -> Path | None:
        return self._find(("cellinfo.tsv*", "*cell_info*.txt*"), ("lincs-metadata",))

    @property
    def repurposing_hub(self) -> Path | None:
        return self._find(
            ("repurposing_hub*.tsv", "repurposing_hub*.txt", "*epurposing*"), ("drug-targets-repurposing-hub",)
        )

    @property
    def drugbank(self) -> tuple[Path, Path] | None:
        """(proteins.tsv, drugbank-slim.tsv) when both exist."""
        proteins = self._find(("proteins.tsv",), ("drugbank-targets",), anywhere=False)
        slim = self._find(("drugbank-slim.tsv", "drugbank*.tsv"), ("drugbank-targets",), anywhere=False)
        return (proteins, slim) if proteins and slim else None

    @property
    def gdsc_alterations(self) -> Path | None:
        return self._find(("omnibem_genomic_alterations.csv*", "*genomic_alterations*.csv*"),
                          ("cell-line-alterations-gdsc",))

    @property
    def cell_line_table(self) -> Path | None:
        return self._find(("cancer_cell_lines.csv",), ("cell-line-alterations-gdsc",))

    @property
    def is_demo(self) -> bool:
        """True when the folder is marked as synthetic demo data (a DEMO.txt at its root)."""
        return self.data_dir is not None and (self.data_dir / "DEMO.txt").is_file()

    # ------------------------------------------------------------------ summaries
    def describe(self) -> list[str]:
        """One "role: path" (or "role: missing") line per role, for the CLI."""
        roles: list[tuple[str, object]] = [
            ("data_dir", self.data_dir if self.data_dir and self.data_dir.is_dir() else None),
            ("kgml_dir", self.kgml_dir),
            ("expression", ", ".join(f"{e.name} ({e.path.name})" for e in self.expression_sets) or None),
            ("gene_info_ncbi", self.gene_info_ncbi),
            ("gene_info_lincs", self.gene_info_lincs),
            ("pert_info", self.pert_info),
            ("sig_info", self.sig_info),
            ("repurposing_hub", self.repurposing_hub),
            ("drugbank", " + ".join(map(str, self.drugbank)) if self.drugbank else None),
            ("gdsc_alterations", self.gdsc_alterations),
            ("cell_line_table", self.cell_line_table),
        ]
        lines = [f"{role}: {value if value else 'missing'}" for role, value in roles]
        if self.is_demo:
            lines.append("note: DEMO.txt present - synthetic demo data")
        return lines

    def missing_for_run(self) -> list[str]:
        """Roles a full run cannot do without: KGML maps, expression, a gene id table."""
        missing = []
        if self.kgml_dir is None:
            missing.append("kgml_dir")
        if not self.expression_files:
            missing.append("expression")
        if self.gene_info_ncbi is None and self.gene_info_lincs is None:
            missing.append("gene ids")
        return missing

    def __repr__(self) -> str:
        return f"DataCatalog({str(self.data_dir)!r})"
