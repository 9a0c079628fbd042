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
    """Inputs of one model: X (n_samples x p, named columns) and X_target (n_samples x n_genes x k); the first
    ``n_conditions`` columns of X are the experiment's conditions (dose, time, cell line), not the drug's."""

    X: pd.DataFrame
    X_target: np.ndarray | None
    n_conditions: int = 0


BASELINE = "baseline"
CONTROL_SUFFIX = "-permuted"  # a graph model trained on graph features permuted across drugs (its control)


def control_of(model: str) -> str:
    return model + CONTROL_SUFFIX


def is_control(model: str) -> bool:
    return model.endswith(CONTROL_SUFFIX)


def drug_descriptors(pert_info: pd.DataFrame) -> pd.DataFrame:
    """Molecular weight and element counts from the molecular formula, per pert_id (NaN where unknown).

    Kept for callers of the formula counts; load uses :func:`kgexpr.features.chemistry.compute_descriptors`.
    """
    from kgexpr.features.chemistry import formula_table

    return formula_table(pert_info)


def build_designs(
    samples: pd.DataFrame,
    descriptors: pd.DataFrame | None,
    pert_to_drug: pd.Series,
    node_degrees: pd.DataFrame,
    tables: dict[str, tuple[str, pd.DataFrame]],
    gene_ids,
    permute_seed: int | None = None,
    cell_lines: list[str] | None = None,
) -> dict[str, Design]:
    """The baseline design and one design per feature set (``tables``: name -> (kind, table)), in that order.

    ``node_degrees`` [node_id, degree]: nodes without edges count as missing from the graph.
    ``permute_seed``: the negative control; every drug gets another drug's graph features (one
    seeded permutation of the drugs, the same for every feature set), its own descriptors.
    """
    conditions = condition_features(samples, cell_lines)
    X_std = conditions.join(descriptor_features(samples, descriptors)).astype(float)
    designs = {BASELINE: Design(X=X_std, X_target=None, n_conditions=conditions.shape[1])}
    nodes = drug_nodes(samples, pert_to_drug)
    if permute_seed is not None:
        nodes = permuted_nodes(nodes, permute_seed)
    connected = set(node_degrees.loc[node_degrees["degree"] > 0, "node_id"])
    gene_nodes = [node_id("Gene", int(g)) for g in gene_ids]
    for name, (kind, table) in tables.items():
        designs[name] = graph_design(X_std, nodes, gene_nodes, kind, table, connected, name, conditions.shape[1])
    return designs


def standard_features(samples: pd.DataFrame, descriptors: pd.DataFrame | None,
                      cell_lines: list[str] | None = None) -> pd.DataFrame:
    """The conditions (leading), then the drug's descriptors: every model's own columns."""
    return condition_features(samples, cell_lines).join(descriptor_features(samples, descriptors)).astype(float)


def condition_features(samples: pd.DataFrame, cell_lines: list[str] | None = None) -> pd.DataFrame:
    """The experiment's conditions: dose (log10 uM), time, a one-hot cell line when there are several.

    Dose and time enter only when the data has them (consensus signatures pool over both).
    """
    X = pd.DataFrame(index=samples.index)
    dose = samples["dose_um"].astype(float)
    if dose.notna().any():
        X["log10_dose_um"] = np.log10(dose.clip(lower=1e-6)).fillna(0.0)
    time = samples["time_h"].astype(float)
    if time.notna().any():
        X["time_h"] = time.fillna(0.0)
    cells = samples["cell_id"].astype(str)
    vocabulary = sorted(cells.unique()) if cell_lines is None else list(cell_lines)  # a model's own, when predicting
    if len(vocabulary) > 1:
        onehot = pd.get_dummies(pd.Categorical(cells, categories=vocabulary), prefix="cell", dtype=float)
        X = X.join(onehot.set_axis(samples.index))
    return X.astype(float)


def descriptor_features(samples: pd.DataFrame, descriptors: pd.DataFrame | None) -> pd.DataFrame:
    """Each sample's drug descriptors (``drug_`` columns) and a flag for a drug the table lacks; none without a table."""
    X = pd.DataFrame(index=samples.index)
    if descriptors is not None and len(descriptors.columns):
        d = descriptors.reindex(samples["pert_id"].to_numpy())
        d.index = samples.index
        absent = d.isna().all(axis=1)
        d = d.fillna(0.0)
        if "structure_missing" in d.columns:  # the table flags its own gaps; a drug absent from it is one more
            d.loc[absent, "structure_missing"] = 1.0
        else:
            X["descriptors_missing"] = absent.astype(float)
        X = X.join(d.add_prefix("drug_"))
    return X.astype(float)


def permuted_nodes(nodes: pd.Series, seed: int) -> pd.Series:
    """Each drug node replaced by another of the same samples' drug nodes (a seeded permutation)."""
    distinct = sorted({v for v in nodes if isinstance(v, str)})
    shuffled = np.random.default_rng([int(seed), 0x5EED]).permutation(len(distinct))
    mapping = {a: distinct[b] for a, b in zip(distinct, shuffled)}
    return nodes.map(lambda v: mapping.get(v, v) if isinstance(v, str) else v)


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
    n_conditions: int = 0,
) -> Design:
    """Add one feature set's columns to the standard design.

    ``table``: similarity -> rows drug nodes x columns ``gene_nodes``; embedding -> rows
    node ids (drugs and genes) x dims. ``connected``: nodes with at least one edge. ``n_conditions``: the
    standard design's leading conditions, which stay leading.
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
    return Design(X=X, X_target=X_target, n_conditions=n_conditions)
