"""Per-sample design matrices: graph features enter each LINCS sample through its drug.

Each sample is one perturbation (drug, dose, time, cell line). Standard features
describe the experiment; a feature set adds the perturbing drug's graph features:

- similarity sets (cn, lpi, entropy): the drug node's similarity to every gene of
  the target panel (shared by all genes' models), and, for gene j's model only,
  its similarity to gene j (``X_target``);
- embedding sets: the drug node's embedding, and for gene j its cosine to gene j.

Drugs without a graph node, or whose node has no edges, get zeros and
``graph_missing = 1`` (never NaN), so unseen drugs still have a well-defined row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kgexpr.graph.schema import node_id


@dataclass
class Design:
    """Inputs of one model: X (n_samples x p, named columns) and X_target (n_samples x n_genes x k)."""

    X: pd.DataFrame
    X_target: np.ndarray | None
    target_names: list[str]


def standard_features(samples: pd.DataFrame, descriptors: pd.DataFrame | None) -> pd.DataFrame:
    """Dose (log10 uM), time, drug descriptors and a one-hot cell line when there are several."""
    X = pd.DataFrame(index=samples.index)
    dose = samples["dose_um"].astype(float)
    X["log10_dose_um"] = np.log10(dose.clip(lower=1e-6)).fillna(0.0)
    X["time_h"] = samples["time_h"].astype(float).fillna(0.0)
    if descriptors is not None and len(descriptors.columns):
        d = descriptors.reindex(samples["pert_id"].to_numpy())
        d.index = samples.index
        X["descriptors_missing"] = d.isna().all(axis=1).astype(float)
        X = X.join(d.fillna(0.0).add_prefix("drug_"))
    cells = samples["cell_id"].astype(str)
    if cells.nunique() > 1:
        X = X.join(pd.get_dummies(cells, prefix="cell", dtype=float))
    return X.astype(float)


def drug_nodes(samples: pd.DataFrame, pert_to_drug: pd.Series) -> pd.Series:
    """The graph node id of each sample's drug (NaN where the perturbagen has no node)."""
    drug = samples["pert_id"].map(pert_to_drug)
    return drug.map(lambda d: node_id("Drug", d) if isinstance(d, str) and d else np.nan)


def graph_design(
    X_std: pd.DataFrame,
    sample_nodes: pd.Series,
    gene_nodes: list[str],
    kind: str,
    table: pd.DataFrame,
    connected: set[str],
    prefix: str,
) -> Design:
    """Add one feature set's columns to the standard design.

    ``table``: similarity -> rows drug nodes x columns ``gene_nodes``; embedding -> rows
    node ids (drugs and genes) x dims. ``connected``: nodes with at least one edge.
    """
    n, m = len(X_std), len(gene_nodes)
    have = sample_nodes.map(lambda v: isinstance(v, str) and v in connected and v in table.index).to_numpy(bool)
    keys = sample_nodes.where(have, None)
    if kind == "similarity":
        block = table.reindex(columns=gene_nodes).reindex(keys.to_numpy()).to_numpy(float)
        block[~have] = 0.0
        block = np.nan_to_num(block)
        cols = [f"{prefix}_sim_{g}" for g in gene_nodes]
        X_target = block[:, :, None].copy()
    elif kind == "embedding":
        emb = table.reindex(keys.to_numpy()).to_numpy(float)
        emb[~have] = 0.0
        emb = np.nan_to_num(emb)
        block = emb
        cols = [f"{prefix}_{c}" for c in table.columns]
        genes = table.reindex(gene_nodes).to_numpy(float)
        genes = np.nan_to_num(genes)
        gn = np.linalg.norm(genes, axis=1)
        en = np.linalg.norm(emb, axis=1)
        denom = np.outer(en, gn)
        cos = np.divide(emb @ genes.T, denom, out=np.zeros((n, m)), where=denom > 0)
        X_target = cos[:, :, None]
    else:
        raise ValueError(f"unknown feature kind {kind!r}")
    X = X_std.copy()
    X[f"{prefix}_graph_missing"] = (~have).astype(float)
    X = pd.concat([X, pd.DataFrame(block, index=X_std.index, columns=cols)], axis=1)
    return Design(X=X, X_target=X_target, target_names=[f"{prefix}_to_target"])
