"""KEGG KGML pathway maps → genes, gene-pathway membership, gene-gene interactions, drug targets.

Handles KGML v0.6.1 (2008) and v0.7.2 (2021+) alike: both use ``<entry>`` (gene / group /
compound / map ...), ``<relation entry1 entry2 type>`` with ``<subtype name>`` children.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.parsers import expat

import pandas as pd

from kgexpr.errors import InputError
from kgexpr.sources._io import (
    DRUG_TARGETS,
    DRUGS,
    GENE_PATHWAY,
    GENES,
    INTERACTIONS,
    PATHWAYS,
    frame,
    open_bytes,
)

__all__ = ["KgmlPathway", "read_kgml", "read_kgml_dir"]

_GENE_ID = re.compile(r"^(?:[a-z]{2,4}:)?(\d+)$")
_DRUG_ID = re.compile(r"^dr:(D\d{5})$")


@dataclass(frozen=True)
class KgmlPathway:
    """Frames parsed from one or more KGML files (schemas in :mod:`kgexpr.sources`).

    ``pathway`` has one row per map (one row for :func:`read_kgml`).
    """

    pathway: pd.DataFrame
    genes: pd.DataFrame
    gene_pathway: pd.DataFrame
    interactions: pd.DataFrame
    drug_targets: pd.DataFrame
    drugs: pd.DataFrame

    @property
    def pathways(self) -> pd.DataFrame:
        """Alias of ``pathway`` (plural reads better for a directory)."""
        return self.pathway


def _parse_xml(path: Path) -> tuple[ET.Element, dict[int, int]]:
    """ElementTree built through expat so each element keeps its source line (for error messages)."""
    raw = open_bytes(path)
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    lines: dict[int, int] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        lines[id(builder.start(tag, attrs))] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as exc:
        raise InputError(
            path, f"malformed XML: {expat.ErrorString(exc.code)} (column {exc.offset + 1})", line=exc.lineno
        ) from None
    return builder.close(), lines


def _label(entry: ET.Element) -> str:
    """First item of ``<graphics name>`` without KEGG's trailing '...' (the entry's display symbol)."""
    g = entry.find("graphics")
    name = (g.get("name") or "") if g is not None else ""
    first = name.split(",")[0].strip()
    while first.endswith("..."):
        first = first[:-3].rstrip()
    return first


def read_kgml(path: str | Path) -> KgmlPathway:
    """Parse one KGML file; relations are expanded over multi-gene entries and group components."""
    path = Path(path)
    root, lines = _parse_xml(path)
    if root.tag != "pathway":
        raise InputError(path, f"root element is <{root.tag}>, expected <pathway>", line=lines.get(id(root)))
    line_of = lambda el: lines.get(id(el))  # noqa: E731

    kegg_id = (root.get("name") or "").strip()
    kegg_id = kegg_id[5:] if kegg_id.startswith("path:") else kegg_id
    if not kegg_id:
        kegg_id = f"{root.get('org') or ''}{root.get('number') or ''}"
    if not kegg_id:
        raise InputError(path, "pathway has no name (path:...) attribute", line=line_of(root), field="name")
    pathway = frame([(kegg_id, (root.get("title") or "").strip())], PATHWAYS)

    genes_of: dict[str, list[int]] = {}
    drugs_of: dict[str, list[str]] = {}
    groups: dict[str, list[str]] = {}
    gene_rows: list[tuple] = []
    drug_names: dict[str, str] = {}
    seen: dict[str, int | None] = {}
    for entry in root.iter("entry"):
        eid = entry.get("id")
        if not eid:
            raise InputError(path, "entry without id", line=line_of(entry), field="id")
        if eid in seen:
            raise InputError(
                path, f"duplicate entry id {eid!r} (first on line {seen[eid]})", line=line_of(entry), field="id"
            )
        seen[eid] = line_of(entry)
        etype = entry.get("type", "")
        tokens = (entry.get("name") or "").split()
        if etype == "gene":
            ids = []
            for tok in tokens:
                if tok.endswith(":"):  # "hsa:" with no number occurs in real 2008 maps: no gene
                    continue
                m = _GENE_ID.match(tok)
                if not m:
                    raise InputError(
                        path, f"gene entry {eid}: id {tok!r} is not <org>:<Entrez number>",
                        line=line_of(entry), field="name",
                    )
                ids.append(int(m.group(1)))
            genes_of[eid] = ids
            symbol = _label(entry)
            for k, gid in enumerate(ids):
                # graphics name labels the first gene of a multi-gene entry only
                gene_rows.append((gid, symbol if k == 0 else "", ""))
        elif etype == "group":
            groups[eid] = [c.get("id", "") for c in entry.findall("component")]
        else:
            dr = [m.group(1) for m in (_DRUG_ID.match(t) for t in tokens) if m]
            if dr:
                drugs_of[eid] = dr
                label = _label(entry)
                for d in dr:
                    drug_names.setdefault(d, label or d)

    def genes_for(eid: str, depth: int = 0) -> list[int]:
        if eid in genes_of:
            return genes_of[eid]
        if eid in groups and depth < 5:
            return [g for c in groups[eid] for g in genes_for(c, depth + 1)]
        return []

    inter_rows: list[tuple] = []
    target_rows: list[tuple] = []
    for rel in root.iter("relation"):
        ends = []
        for attr in ("entry1", "entry2"):
            ref = rel.get(attr)
            if ref is None or ref not in seen:
                raise InputError(
                    path, f"relation refers to unknown entry {ref!r}", line=line_of(rel), field=attr
                )
            ends.append(ref)
        subtypes = [s.get("name", "").strip() for s in rel.findall("subtype")]
        subtypes = list(dict.fromkeys(s for s in subtypes if s))
        kind = ";".join(subtypes) if subtypes else (rel.get("type") or "relation")
        g1, g2 = genes_for(ends[0]), genes_for(ends[1])
        for s in g1:
            for t in g2:
                if s != t:
                    inter_rows.append((s, t, kind, kegg_id))
        for drug_end, gene_list in ((ends[0], g2), (ends[1], g1)):
            for d in drugs_of.get(drug_end, []):
                target_rows.extend((d, g, "kegg-kgml") for g in gene_list)

    genes = _dedupe_genes(frame(gene_rows, GENES))
    gene_pathway = frame([(g, kegg_id) for g in genes["entrez_id"]], GENE_PATHWAY)
    interactions = frame(inter_rows, INTERACTIONS).drop_duplicates(ignore_index=True)
    drug_targets = frame(target_rows, DRUG_TARGETS).drop_duplicates(ignore_index=True)
    linked = list(dict.fromkeys(drug_targets["drug_id"]))
    drugs = frame([(d, drug_names[d], "") for d in linked], DRUGS)
    return KgmlPathway(pathway, genes, gene_pathway, interactions, drug_targets, drugs)


def _dedupe_genes(genes: pd.DataFrame) -> pd.DataFrame:
    """One row per Entrez id, keeping the first non-empty symbol seen."""
    if genes.empty:
        return genes
    order = genes.assign(_empty=genes["symbol"].eq("")).reset_index(names="_pos")
    order = order.sort_values(["_empty", "_pos"], kind="stable").drop_duplicates("entrez_id")
    return order.sort_values("_pos")[list(GENES)].reset_index(drop=True)


def read_kgml_dir(directory: str | Path) -> KgmlPathway:
    """All ``*.xml`` KGML files of a folder (sorted by name), concatenated and deduplicated."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(directory, "not a directory of KGML files")
    files = sorted(directory.glob("*.xml"))
    if not files:
        raise InputError(directory, "no *.xml KGML files in directory")
    parts = [read_kgml(f) for f in files]

    def cat(attr: str) -> pd.DataFrame:
        return pd.concat([getattr(p, attr) for p in parts], ignore_index=True)

    return KgmlPathway(
        pathway=cat("pathway").drop_duplicates("kegg_id", ignore_index=True),
        genes=_dedupe_genes(cat("genes")),
        gene_pathway=cat("gene_pathway").drop_duplicates(ignore_index=True),
        interactions=cat("interactions").drop_duplicates(ignore_index=True),
        drug_targets=cat("drug_targets").drop_duplicates(ignore_index=True),
        drugs=cat("drugs").drop_duplicates("drug_id", ignore_index=True),
    )
