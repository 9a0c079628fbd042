"""Which genes a run models: the paper's seeded random choice, plus the genes the user names."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kgexpr.errors import KgexprError


def resolve_gene_names(genes: pd.DataFrame, names, strict: bool = True, what: str = "genes of the expression data") -> np.ndarray:
    """Row positions in ``genes`` [entrez_id, symbol] of symbols or Entrez ids; unknown names are an error when strict."""
    symbols = genes["symbol"].astype(str).str.upper()
    ids = genes["entrez_id"].astype(str)
    positions = []
    for name in names:
        key = str(name).strip()
        hit = np.flatnonzero((symbols == key.upper()).to_numpy() | (ids == key).to_numpy())
        if not len(hit) and not strict:
            continue
        if not len(hit):
            import difflib

            close = difflib.get_close_matches(key.upper(), sorted(set(symbols)), n=1, cutoff=0.6)
            raise KgexprError(
                f"--include-genes {key}: not one of the {len(genes)} {what}"
                + (f"; did you mean {close[0]}?" if close else " (give a symbol such as TP53 or an Entrez id)")
            )
        positions.append(int(hit[0]))
    return np.array(sorted(set(positions)), dtype=int)


def select_genes(genes: pd.DataFrame, n: int, seed: int, include: tuple[str, ...] = (), strict: bool = True) -> pd.DataFrame:
    """The paper picks its target genes at random: a seeded choice, kept in data order.

    Genes named in ``include`` (symbols or Entrez ids, e.g. the paper's example TP53) are
    always modelled; a name the data does not have is an error (``strict``; the default
    TP53 is only modelled when the data has it). The rest of the ``n`` are
    drawn at random; ``n = 0`` (or more than there are) models every gene.
    """
    if n < 0:
        raise KgexprError(f"--genes {n}: give a positive number of target genes, or 0 for all")
    forced_idx = resolve_gene_names(genes, include, strict)
    if n == 0 or n >= len(genes):
        return genes.reset_index(drop=True)
    forced_idx = forced_idx[:n]
    rest = np.setdiff1d(np.arange(len(genes)), forced_idx)
    drawn = np.random.default_rng(seed).choice(rest, size=n - len(forced_idx), replace=False)
    idx = np.sort(np.concatenate([forced_idx, drawn]))
    return genes.iloc[idx].reset_index(drop=True)
