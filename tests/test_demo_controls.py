"""The demo has a known answer: a correct pipeline must find it, and must not find it in shuffled features.

The simulated response propagates from each drug's listed targets along the KGML graph, and the
structures carry none of it. So on the compound-held-out cross-validation, graph models (structure +
one graph feature set) must beat the structure-only baseline on most responsive genes (the positive
control), and the same pipeline with the graph features permuted across drugs must not (the negative
control). A regression anywhere between the graph, the features, the designs and the learner fails here.
"""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from kgexpr import artifacts as A
from kgexpr import demo
from kgexpr.cli import main

pytestmark = pytest.mark.slow

MODELS = ("cn", "lpi")
ARGS = ["--features", ",".join(MODELS), "--trees", "50", "--genes", "0", "--include-genes", "", "--no-deploy",
        "--expression", demo.CONSENSUS_DIR]


@pytest.fixture(scope="module")
def controls(tmp_path_factory):
    root = tmp_path_factory.mktemp("controls")
    data = demo.write_demo_data(root / "data", seed=0)  # the default size a newcomer gets
    runs = {}
    for name, extra in (("positive", []), ("negative", ["--permute-graph-features"])):
        out = root / name
        res = CliRunner().invoke(main, ["run", "--data-dir", str(data), "--out", str(out), *ARGS, *extra])
        assert res.exit_code == 0, res.output
        assert "SIMULATED" in res.output
        runs[name] = out
    return data, runs


def responsive_genes(data) -> set[int]:
    """Genes whose spread across compounds is well above the simulated measurement noise."""
    truth = json.loads((data / "demo-truth" / "truth.json").read_text())
    noise_var = truth["parameters"]["noise"] ** 2 / demo.CONSENSUS_REPLICATES
    values = pd.read_csv(data / demo.CONSENSUS_DIR / demo.CONSENSUS_FILE, sep="\t", index_col=0)
    return {int(g) for g, v in values.var().items() if v > 2 * noise_var}


def r2_table(run) -> pd.DataFrame:
    m = A.METRICS.read(run / A.EVALUATE)
    m = m[(m["split"] == "cv") & (m["stage"] == "final")]
    return m.pivot(index="entrez_id", columns="model", values="r2")


def test_every_output_of_the_demo_says_simulated(controls):
    _, runs = controls
    assert "SIMULATED" in (runs["positive"] / A.SUMMARY_MD.filename).read_text()
    assert A.LOAD_SUMMARY.read(runs["positive"] / A.LOAD)["demo"] is True


def test_positive_control_graph_features_beat_the_structure_baseline(controls):
    data, runs = controls
    r2 = r2_table(runs["positive"])
    genes = sorted(responsive_genes(data) & set(r2.index))
    assert len(genes) >= 0.5 * len(r2)  # most landmark genes respond to some drug
    for model in (*MODELS, "stacking"):
        diff = (r2.loc[genes, model] - r2.loc[genes, "baseline"]).to_numpy()
        assert (diff > 0).mean() > 0.75, f"{model} beats the baseline on only {(diff > 0).mean():.0%} of responsive genes"
        assert r2.loc[genes, model].median() > r2.loc[genes, "baseline"].median() + 0.1
    pairs = A.PAIRWISE.read(runs["positive"] / A.EVALUATE).set_index("model")
    assert (pairs.loc[list(MODELS), "wilcoxon_p"] < 1e-6).all()


def test_negative_control_shuffled_graph_features_do_not(controls):
    data, runs = controls
    pos, neg = r2_table(runs["positive"]), r2_table(runs["negative"])
    genes = sorted(responsive_genes(data) & set(neg.index))
    np.testing.assert_allclose(neg["baseline"], pos["baseline"])  # the same baseline: only graph rows moved
    for model in MODELS:
        diff = (neg.loc[genes, model] - neg.loc[genes, "baseline"]).to_numpy()
        assert (diff > 0).mean() < 0.75, f"shuffled {model} still beats the baseline on {(diff > 0).mean():.0%}"
        assert neg.loc[genes, model].median() < pos.loc[genes, model].median() - 0.1
    assert "NEGATIVE CONTROL" in (runs["negative"] / A.SUMMARY_MD.filename).read_text()
