"""KEGG REST flat files (``list/pathway/hsa``, ``link/pathway/hsa``, ``link/drug/hsa``).

Tab-separated, no header; an alternative to KGML when only membership/targets are needed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from kgexpr.errors import InputError
from kgexpr.sources._io import DRUG_TARGETS, GENE_PATHWAY, PATHWAYS, frame, read_text

__all__ = ["read_list_pathway", "read_link_pathway", "read_link_drug_target"]

# " - Homo sapiens (human)" style organism suffix of list/pathway/<org>
_ORG_SUFFIX = re.compile(r"\s+-\s+[A-Z][a-z]+(?: [a-z.]+){1,3} \([^()]*\)\s*$")
_PATH = re.compile(r"^(?:path:)?([a-z]{2,4}\d{5})$")
_GENE = re.compile(r"^[a-z]{2,4}:(\S+)$")
_DRUG = re.compile(r"^dr:(D\d{5})$")


def _pairs(path: Path):
    """(line number, col1, col2) for each non-blank line; InputError if not two columns."""
    text = read_text(path)
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.rstrip("\r\n").split("\t")
        if len(cols) != 2:
            raise InputError(path, f"expected 2 tab-separated columns, found {len(cols)}", line=n)
        yield n, cols[0].strip(), cols[1].strip()


def _entrez(token: str, path: Path, n: int, field: str) -> int:
    m = _GENE.match(token)
    if not m or not m.group(1).isdigit():
        raise InputError(path, f"not a KEGG gene id <org>:<Entrez number>: {token!r}", line=n, field=field)
    return int(m.group(1))


def read_list_pathway(path: str | Path) -> pd.DataFrame:
    """``path:hsa00010<TAB>Name - Homo sapiens (human)`` → pathways (kegg_id, name without organism)."""
    path = Path(path)
    rows, seen = [], {}
    for n, a, b in _pairs(path):
        m = _PATH.match(a)
        if not m:
            raise InputError(path, f"not a KEGG pathway id: {a!r}", line=n, field="kegg_id")
        kid = m.group(1)
        if kid in seen:
            raise InputError(path, f"duplicate id {kid!r} (first on line {seen[kid]})", line=n, field="kegg_id")
        seen[kid] = n
        rows.append((kid, _ORG_SUFFIX.sub("", b).strip()))
    if not rows:
        raise InputError(path, "empty file", line=1)
    return frame(rows, PATHWAYS)


def read_link_pathway(path: str | Path) -> pd.DataFrame:
    """``hsa:10327<TAB>path:hsa00010`` (either column order) → gene_pathway (entrez_id, kegg_id)."""
    path = Path(path)
    rows = []
    for n, a, b in _pairs(path):
        gene, pw = (b, a) if _PATH.match(a) and a.startswith("path:") else (a, b)
        m = _PATH.match(pw)
        if not m:
            raise InputError(path, f"not a KEGG pathway id: {pw!r}", line=n, field="kegg_id")
        rows.append((_entrez(gene, path, n, "entrez_id"), m.group(1)))
    if not rows:
        raise InputError(path, "empty file", line=1)
    return frame(rows, GENE_PATHWAY).drop_duplicates(ignore_index=True)


def read_link_drug_target(path: str | Path) -> pd.DataFrame:
    """``hsa:1813<TAB>dr:D00110`` (either order) → drug_targets (KEGG DRUG id, Entrez, "kegg-rest")."""
    path = Path(path)
    rows = []
    for n, a, b in _pairs(path):
        drug, gene = (a, b) if a.startswith("dr:") else (b, a)
        m = _DRUG.match(drug)
        if not m:
            raise InputError(path, f"not a KEGG DRUG id dr:Dnnnnn: {drug!r}", line=n, field="drug_id")
        rows.append((m.group(1), _entrez(gene, path, n, "entrez_id"), "kegg-rest"))
    if not rows:
        raise InputError(path, "empty file", line=1)
    return frame(rows, DRUG_TARGETS).drop_duplicates(ignore_index=True)
