"""Mechanism features: what a drug's targets are, and the signal that spreads from them along KEGG.

The paper's measures compare a drug node with each gene through the graph's topology; they never
tell a model directly which genes the drug acts on. These do, as similarity methods (``rows`` x
``panel`` genes), so they reach a compound given only its targets (``kgexpr predict --drugs-file``):

``targets``      1 where the row is linked to the panel gene (a drug's TARGETS edges; a gene is its
                 own target), else 0: the drug's direct targets among the modelled genes.
``propagation``  random walk with restart (personalised PageRank) over the gene-gene graph (KEGG
                 relations), restarting at the row's genes (a drug's targets, uniformly; a gene
                 itself) with probability ``restart`` at every step, read out at the panel genes:
                 the share of time a walker from the drug's targets spends at each modelled gene.

``signed-propagation``  the same walk along KGML's signed, directed relations only (activation and
                 expression +1, inhibition and repression -1; :mod:`kgexpr.graph.signs`), started from
                 the drug's action on each target (inhibitor, antagonist ... -1; agonist, inducer ... +1;
                 a target whose action DrugBank does not state, or states both ways, is not a seed):
                 ``P = restart * s + (1 - restart) * M P`` with ``M[t, u] = sign(u -> t) / out(u)``,
                 ``s`` the signs over the signed targets' count. A kinase inhibitor and an agonist of the
                 same target get opposite rows; a drug with no stated action gets zeros.
``pathways``     (an embedding, one column per KEGG pathway) the share of each pathway's genes the
                 row targets: |targets in P| / |genes in P| (a gene row: 1/|P| for its own pathways).
                 It depends on the row's own edges only, so it places an unprofiled compound too.

Only Gene nodes carry the walks: pathways, drugs and cell lines are not stepping stones, so two genes
are near when KEGG relates them, not when they share a pathway of hundreds of genes. A row with no
gene neighbour (a drug without targets) gets zeros.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .base import GraphView, register
from .similarity import binary_adjacency

__all__ = ["direct_targets", "propagation", "signed_propagation", "pathway_hits", "restart_walk"]

GENE = "Gene"
PATHWAY = "Pathway"


def gene_positions(graph: GraphView) -> tuple[np.ndarray, np.ndarray]:
    """(the Gene nodes' positions in the view, each node's column among the genes or -1)."""
    genes = np.flatnonzero(graph.labels == GENE)
    col_of = np.full(len(graph.nodes), -1)
    col_of[genes] = np.arange(len(genes))
    return genes, col_of


def target_seeds(graph: GraphView, A: sp.csr_matrix, rows: Sequence[str]) -> tuple[np.ndarray, sp.csr_matrix]:
    """(gene node positions, rows x genes 0/1 seeds): a row's gene neighbours, or the row itself for a gene."""
    genes, col_of = gene_positions(graph)
    idx = graph.index_of(list(rows))
    S = A[idx][:, genes].tolil()
    for i, node in enumerate(idx):
        if col_of[node] >= 0:  # a gene seeds itself alone
            S.rows[i], S.data[i] = [int(col_of[node])], [1.0]
    return genes, S.tocsr()


def panel_columns(graph: GraphView, panel: Sequence[str]) -> np.ndarray:
    """The panel genes' columns among the view's genes; a panel node that is not a gene is an error."""
    cols = gene_positions(graph)[1][graph.index_of(list(panel))]
    if (cols < 0).any():
        bad = [p for p, c in zip(panel, cols) if c < 0][:5]
        raise ValueError(f"mechanism features read out at genes only; not genes: {bad}")
    return cols


@register("targets", "similarity", "The row's direct targets among the panel genes (1/0; a gene is its own target)")
def direct_targets(graph: GraphView, rows: Sequence[str], panel: Sequence[str] | None, *, seed: int = 0) -> pd.DataFrame:
    rows = list(rows)
    panel = rows if panel is None else list(panel)
    A = binary_adjacency(graph)
    genes, S = target_seeds(graph, A, rows)
    cols = panel_columns(graph, panel)
    return pd.DataFrame(S[:, cols].toarray(), index=pd.Index(rows), columns=pd.Index(panel))


def restart_walk(M: sp.spmatrix, start: np.ndarray, restart: float, max_iter: int, tol: float) -> np.ndarray:
    """Fixed point of ``P = restart * start + (1 - restart) * M @ P`` (columns: one walk each), by iteration."""
    P = start.copy()
    for _ in range(int(max_iter)):
        nxt = restart * start + (1.0 - restart) * (M @ P)
        done = np.abs(nxt - P).sum(axis=0).max(initial=0.0) < tol
        P = nxt
        if done:
            break
    return P


def _walk_rows(name: str, restart: float, rows: Sequence[str], panel: Sequence[str] | None) -> tuple[list, list]:
    """A walk's checked restart, and its rows and read-out genes as lists (no panel: the rows themselves)."""
    if not 0.0 < restart <= 1.0:
        raise ValueError(f"{name}.restart must be in (0, 1], got {restart}")
    rows = list(rows)
    return rows, rows if panel is None else list(panel)


@register("propagation", "similarity",
          "Random walk with restart from the row's target genes over the gene-gene graph, read out at the panel genes")
def propagation(graph: GraphView, rows: Sequence[str], panel: Sequence[str] | None, *, seed: int = 0,
                restart: float = 0.3, max_iter: int = 200, tol: float = 1e-8) -> pd.DataFrame:
    rows, panel = _walk_rows("propagation", restart, rows, panel)
    A = binary_adjacency(graph)
    genes, S = target_seeds(graph, A, rows)
    cols = panel_columns(graph, panel)
    G = A[genes][:, genes].tocsc()
    degree = np.asarray(G.sum(axis=0)).ravel()
    W = G @ sp.diags(np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0))  # column-stochastic
    counts = np.asarray(S.sum(axis=1)).ravel()
    start = (sp.diags(np.divide(1.0, counts, out=np.zeros_like(counts), where=counts > 0)) @ S).T.toarray()
    P = restart_walk(W, start, restart, max_iter, tol)
    return pd.DataFrame(P[cols].T, index=pd.Index(rows), columns=pd.Index(panel))


@register("signed-propagation", "similarity",
          "Signed walk with restart from the drug's action on its targets along KGML's activations and inhibitions")
def signed_propagation(graph: GraphView, rows: Sequence[str], panel: Sequence[str] | None, *, seed: int = 0,
                       restart: float = 0.3, max_iter: int = 200, tol: float = 1e-8) -> pd.DataFrame:
    rows, panel = _walk_rows("signed-propagation", restart, rows, panel)
    genes, col_of = gene_positions(graph)
    cols = panel_columns(graph, panel)
    n = len(graph.nodes)
    signed = graph.signed if graph.signed is not None else sp.csr_matrix((n, n))
    idx = graph.index_of(rows)
    start = signed.tocsr()[idx][:, genes].toarray()  # the drug's action on each target gene
    for i, node in enumerate(idx):
        if col_of[node] >= 0:  # a gene seeds itself, raised
            start[i] = 0.0
            start[i, col_of[node]] = 1.0
    counts = np.abs(start).sum(axis=1)
    start = np.divide(start, counts[:, None], out=np.zeros_like(start), where=counts[:, None] > 0).T
    G = signed.tocsr()[genes][:, genes]  # source -> target
    out = np.asarray(abs(G).sum(axis=1)).ravel()
    M = (sp.diags(np.divide(1.0, out, out=np.zeros_like(out), where=out > 0)) @ G).T.tocsr()
    P = restart_walk(M, start, restart, max_iter, tol)
    return pd.DataFrame(P[cols].T, index=pd.Index(rows), columns=pd.Index(panel))


@register("pathways", "embedding", "The share of each KEGG pathway's genes the row targets (one column per pathway)",
          inductive=True)
def pathway_hits(graph: GraphView, rows: Sequence[str], panel: Sequence[str] | None = None, *,
                 seed: int = 0) -> pd.DataFrame:
    rows = list(rows)
    A = binary_adjacency(graph)
    genes, S = target_seeds(graph, A, rows)
    pathways = np.flatnonzero(graph.labels == PATHWAY)
    members = A[genes][:, pathways].tocsc()  # gene x pathway, 0/1
    size = np.asarray(members.sum(axis=0)).ravel()
    hits = (S @ members).toarray()
    share = np.divide(hits, size[None, :], out=np.zeros_like(hits), where=size[None, :] > 0)
    names = [str(p).split(":", 1)[1] for p in graph.nodes[pathways]]
    return pd.DataFrame(share, index=pd.Index(rows), columns=pd.Index(names, dtype=object))
