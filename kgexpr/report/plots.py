"""Matplotlib figures as PNG bytes.

Figures are made with :class:`matplotlib.figure.Figure` directly, not pyplot, so no
global backend is chosen at import time and nothing is left open in pyplot's registry.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def _subplots(figsize):
    fig = Figure(figsize=figsize)
    return fig, fig.add_subplot()


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def wins_bar(wins: pd.Series, title: str) -> bytes:
    """The paper's Fig. 2: how often each model scored the highest R^2."""
    fig, ax = _subplots(figsize=(7, 3.4))
    ax.bar(wins.index, wins.to_numpy(), color="#4c72b0")
    ax.set_ylabel("genes where best")
    ax.set_title(title)
    ax.tick_params(axis="x", rotation=45)
    return _png(fig)


def pairwise_bar(pairs: pd.DataFrame, title: str) -> bytes:
    """The paper's Fig. 3: genes where each model beats the baseline, and vice versa."""
    fig, ax = _subplots(figsize=(7, 3.4))
    x = np.arange(len(pairs))
    ax.bar(x - 0.2, pairs["wins"], width=0.4, label="model better", color="#55a868")
    ax.bar(x + 0.2, pairs["losses"], width=0.4, label="baseline better", color="#c44e52")
    ax.set_xticks(x, pairs["model"], rotation=45)
    ax.set_ylabel("genes")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return _png(fig)


def r2_boxes(wide: pd.DataFrame, title: str) -> bytes:
    fig, ax = _subplots(figsize=(7, 3.4))
    data = [wide[c].dropna().to_numpy() for c in wide.columns]
    ax.boxplot(data, showfliers=False)
    ax.set_xticks(range(1, len(wide.columns) + 1), wide.columns, rotation=45)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylabel("test R²")
    ax.set_title(title)
    return _png(fig)


def scatter_vs(wide: pd.DataFrame, x: str, y: str, title: str) -> bytes:
    fig, ax = _subplots(figsize=(4, 4))
    ax.scatter(wide[x], wide[y], s=10, alpha=0.7)
    lo = float(np.nanmin(wide[[x, y]].to_numpy()))
    hi = float(np.nanmax(wide[[x, y]].to_numpy()))
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8)
    ax.set_xlabel(f"{x} R²")
    ax.set_ylabel(f"{y} R²")
    ax.set_title(title)
    return _png(fig)
