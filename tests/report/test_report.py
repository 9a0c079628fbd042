"""The report, from a run directory's artifacts alone."""

from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from kgexpr import artifacts as A
from kgexpr.errors import KgexprError
from kgexpr.evaluate import pairwise_vs, win_counts
from kgexpr.report import write_report
from kgexpr.report.build import DEMO_BANNER, verdict_lines


def fake_run(root, demo: bool):
    rng = np.random.default_rng(0)
    genes = [1, 2, 3, 4]
    rows = []
    for split in ("random", "drug"):
        for model, shift in (("baseline", 0.0), ("cn", 0.1), ("stacking", 0.2)):
            rows.append(pd.DataFrame({"split": split, "model": model, "stage": "final", "entrez_id": genes,
                                      "symbol": [f"G{g}" for g in genes],
                                      "r2": rng.uniform(0, 0.3, 4) + shift, "pearson": 0.5}))
    metrics = pd.concat(rows, ignore_index=True)
    A.METRICS.write(root / A.EVALUATE, metrics)
    wins, pairs = [], []
    for split, df in metrics.groupby("split", sort=False):
        wide = df.pivot(index="entrez_id", columns="model", values="r2")[["baseline", "cn", "stacking"]]
        wins.append(win_counts(wide).rename("wins").rename_axis("model").reset_index().assign(split=split))
        pairs.append(pairwise_vs(wide).assign(split=split))
    A.WINS.write(root / A.EVALUATE, pd.concat(wins))
    A.PAIRWISE.write(root / A.EVALUATE, pd.concat(pairs))
    A.LOAD_SUMMARY.write(root / A.LOAD, {"demo": demo, "data_dir": "/data", "expression": "x.gctx", "cell_line": "MCF7",
                                         "samples": 10, "perturbagens": 3, "genes": 4, "counts": {"Gene": 4}})
    A.ASSOCIATIONS.write(root / A.EXPLAIN, pd.DataFrame({"source": [1], "target": [2], "weight": [0.5], "rank": [1],
                                                         "feature_set": ["cn"], "source_symbol": ["G1"],
                                                         "target_symbol": ["G2"]}))
    return metrics


@pytest.mark.parametrize("demo", [False, True])
def test_report_states_the_numbers_of_the_artifacts(tmp_path, demo):
    metrics = fake_run(tmp_path, demo)
    md_path, html_path = write_report(tmp_path)
    md = md_path.read_text()
    assert (DEMO_BANNER in md) == demo
    for split in ("random", "drug"):
        median = metrics[(metrics["split"] == split) & (metrics["model"] == "cn")]["r2"].median()
        assert f"| cn | {median:.3f} |" in md
    assert "beats baseline on" in md and "G1: G2 (0.500)" in md
    page = html_path.read_text()
    assert page.count("data:image/png;base64,") == 8  # 4 plots per split
    assert md_path == A.SUMMARY_MD.in_run(tmp_path) and html_path == A.REPORT_HTML.in_run(tmp_path)


def test_report_needs_an_evaluation(tmp_path):
    with pytest.raises(KgexprError, match="no evaluation yet"):
        write_report(tmp_path)


def test_verdict_lines_say_who_won():
    pairs = pd.DataFrame({"model": ["cn"], "genes": [10], "wins": [7], "losses": [3], "wilcoxon_p": [0.0004]})
    assert verdict_lines(pairs) == ["cn beats baseline on 7 of 10 genes (baseline better on 3), Wilcoxon p = 4.0e-04"]


def test_plots_do_not_choose_a_global_backend():
    import subprocess
    import sys

    code = "import kgexpr.report.plots, matplotlib, sys; sys.exit('matplotlib.pyplot' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


class _Page(HTMLParser):
    """Tags, table cells and image sources of a page, to check its structure without a browser."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.cells: list[str] = []
        self.srcs: list[str] = []
        self.text: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag in ("td", "th"):
            self._in_cell = True
            self.cells.append("")
        for key in ("src", "href"):
            if attrs.get(key):
                self.srcs.append(attrs[key])
        if tag == "table":
            self.tags.append("table." + (attrs.get("class") or ""))

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_cell:
            self.cells[-1] += data


@pytest.mark.parametrize("demo", [False, True])
def test_report_html_is_a_page_with_tables_not_markdown(tmp_path, demo):
    metrics = fake_run(tmp_path, demo)
    md_path, html_path = write_report(tmp_path)
    page_text = html_path.read_text()
    page = _Page()
    page.feed(page_text)
    body = "".join(page.text)
    # real tables, sortable where long, and no Markdown markup left in the page
    assert page.tags.count("table") == 2 * 2 + 1  # per split: the models, the pairwise tests; the associations
    assert "table.sortable" in page.tags
    for mark in ("|---|", "**", "\n## ", "> **"):
        assert mark not in body
    # self-contained: every image inline, no address outside the page
    assert page.srcs and all(s.startswith(("data:image/png;base64,", "#")) for s in page.srcs)
    # the same numbers as summary.md, in table cells
    for split in ("random", "drug"):
        median = metrics[(metrics["split"] == split) & (metrics["model"] == "cn")]["r2"].median()
        assert f"| cn | {median:.3f} |" in md_path.read_text()
        assert f"{median:.3f}" in page.cells
    # the headline sentence names the best model of the first split with its median
    first = metrics[metrics["split"] == "random"].groupby("model")["r2"].median()
    best = first.idxmax()
    assert f"{best} has the best median R² per gene, {first[best]:.3f}" in body
    # the legend explains both stackings; the associations are a table with gene symbols
    assert "the plain average of the graph models' predictions" in body
    assert "G1" in page.cells and "G2 (0.500)" in page.cells
    assert (DEMO_BANNER in body) == demo
    assert ("(SIMULATED)" in body) == demo  # every figure's caption


def test_demo_figures_carry_the_watermark():
    from kgexpr.report import plots

    wins = pd.Series({"baseline": 1, "cn": 3})
    real, simulated = plots.wins_bar(wins, "t", 4), plots.wins_bar(wins, "t", 4, simulated=True)
    assert real.startswith(b"\x89PNG") and simulated.startswith(b"\x89PNG") and real != simulated
