"""Matplotlib figures as PNG bytes.

Figures are made with :class:`matplotlib.figure.Figure` directly, not pyplot, so no
global backend is chosen at import time and nothing is left open in pyplot's registry.
Every figure states its n, and a demo run's figures carry a SIMULATED watermark, so a
figure copied out of the report still says what it shows.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

#: the watermark of every figure of a run on the simulated demo data
WATERMARK = "SIMULATED"


def _subplots(figsize):
    fig = Figure(figsize=figsize)
    return fig, fig.add_subplot()


def _png(fig, simulated: bool) -> bytes:
    if simulated:
        fig.text(0.5, 0.5, WATERMARK, fontsize=44, color="#c0392b", alpha=0.18, rotation=25,
                 ha="center", va="center", weight="bold", zorder=10)
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def wins_bar(wins: pd.Series, title: str, n_genes: int, simulated: bool = False) -> bytes:
    """The paper's Fig. 2: how often each model scored the highest R^2."""
    fig, ax = _subplots(figsize=(7.5, 3.6))
    ax.bar(wins.index, wins.to_numpy(), color="#4c72b0")
    ax.set_ylabel(f"genes where best (of {n_genes})")
    ax.set_title(f"{title} (n = {n_genes} genes)")
    ax.tick_params(axis="x", rotation=45)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    return _png(fig, simulated)


def pairwise_bar(pairs: pd.DataFrame, title: str, simulated: bool = False) -> bytes:
    """The paper's Fig. 3: genes where each model beats the baseline, and vice versa (legend above the bars)."""
    fig, ax = _subplots(figsize=(7.5, 3.9))
    x = np.arange(len(pairs))
    ax.bar(x - 0.2, pairs["wins"], width=0.4, label="model better", color="#55a868")
    ax.bar(x + 0.2, pairs["losses"], width=0.4, label="baseline better", color="#c44e52")
    ax.set_xticks(x, pairs["model"], rotation=45, ha="right")
    n = int(pairs["genes"].max()) if len(pairs) else 0
    ax.set_ylabel(f"genes (of {n})")
    ax.set_title(f"{title} (n = {n} genes)", pad=24)
    ax.legend(fontsize=8, ncol=2, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return _png(fig, simulated)


def r2_boxes(wide: pd.DataFrame, title: str, ylabel: str, simulated: bool = False) -> bytes:
    """R² per gene of every model as boxes (whiskers 1.5 IQR, outliers not drawn)."""
    fig, ax = _subplots(figsize=(7.5, 3.6))
    data = [wide[c].dropna().to_numpy() for c in wide.columns]
    ax.boxplot(data, showfliers=False)
    ax.set_xticks(range(1, len(wide.columns) + 1), wide.columns, rotation=45, ha="right")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{title} (n = {len(wide)} genes)")
    return _png(fig, simulated)


def scatter_vs(wide: pd.DataFrame, x: str, y: str, title: str, unit: str, simulated: bool = False) -> bytes:
    """One point per gene: model ``y``'s R² against model ``x``'s, with the diagonal."""
    fig, ax = _subplots(figsize=(4.6, 4.6))
    both = wide[[x, y]].dropna()
    ax.scatter(both[x], both[y], s=10, alpha=0.7)
    lo = float(np.nanmin(both.to_numpy())) if len(both) else 0.0
    hi = float(np.nanmax(both.to_numpy())) if len(both) else 1.0
    pad = 0.04 * (hi - lo or 1.0)
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_aspect("equal")
    above = int((both[y] > both[x]).sum())
    ax.set_xlabel(f"{x}: R² per gene ({unit})")
    ax.set_ylabel(f"{y}: R² per gene ({unit})")
    ax.set_title(f"{title}\nn = {len(both)} genes, {above} above the diagonal", fontsize=10)
    return _png(fig, simulated)
