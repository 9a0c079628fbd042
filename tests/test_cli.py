"""End to end: `kgexpr run` on a small slice of the simulated data, through the real CLI."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from kgexpr.cli import main
from kgexpr.errors import KgexprError
from kgexpr.graph import EmbeddedStore

pytestmark = pytest.mark.slow

# a forest learner: on these 72 training rows the default's boosted stage 2 has no fold big enough to split
# (20 rows a leaf), so it keeps stage 1's predictions and learns no gene->gene associations to write back
ARGS = ["--genes", "6", "--trees", "12", "--features", "cn,lpi,entropy,laplacian,lle,deepwalk,node2vec,fastrp", "--n-jobs", "2",
        "--learner", "rf-projected", "--graph-control"]


@pytest.fixture(scope="module")
def finished_run(demo_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "r"
    res = CliRunner().invoke(main, ["run", "--data-dir", str(demo_data), "--out", str(out), *ARGS])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_run_writes_every_artifact(finished_run):
    out, output = finished_run
    for stage in ("load", "features", "train", "evaluate", "explain"):
        m = json.loads((out / stage / "manifest.json").read_text())
        assert m["stage"] == stage and m["key"] and "versions" in m and m["seconds"] >= 0
    assert (out / "summary.md").exists() and (out / "report.html").exists()
    assert "SIMULATED" in (out / "summary.md").read_text()
    assert "summary:" in output and "beats baseline on" in output
    # every CSV of the demo data's run says SIMULATED in its data column, which plain pandas reads
    csvs = sorted(out.glob("*/*.csv"))
    assert {p.name for p in csvs} >= {"metrics.csv", "wins.csv", "pairwise_vs_baseline.csv", "associations.csv",
                                      "drug_merges.csv"}
    for path in csvs:
        frame = pd.read_csv(path)
        assert set(frame["data"]) == ({"SIMULATED"} if len(frame) else set()), path  # no merges: an empty table


def test_data_without_a_data_directory_points_at_the_demo_data(tmp_path, monkeypatch):
    monkeypatch.delenv("KGEXPR_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["data"])
    assert res.exit_code == 2 and "kgexpr run --demo" in res.output
    (tmp_path / "runs" / "default" / "demo-data").mkdir(parents=True)
    res = CliRunner().invoke(main, ["data"])
    assert res.exit_code == 2 and "--data-dir runs/default/demo-data" in res.output
    assert res.output.count("error:") == 1


def test_all_models_and_both_splits_are_scored(finished_run):
    out, _ = finished_run
    metrics = pd.read_parquet(out / "evaluate" / "metrics.parquet")
    final = metrics[metrics["stage"] == "final"]
    graph = {"cn", "lpi", "entropy", "laplacian", "lle", "deepwalk", "node2vec", "fastrp", "stacking", "stacking-weighted"}
    # every graph model and both stackings also on permuted graph features (their controls), and the comparators
    expected = {"baseline", *graph, *(f"{m}-permuted" for m in graph), "reference-rf", "mean-signature",
                "nearest-structure"}
    for split in ("random", "drug"):
        got = set(final.loc[final["split"] == split, "model"])
        assert got == expected
        assert final.loc[final["split"] == split].groupby("model").size().eq(6).all()
    assert final["r2"].notna().all()
    # drug split: no test drug was seen in training
    samples = pd.read_parquet(out / "load" / "samples.parquet")
    import numpy as np

    with np.load(out / "train" / "drug__baseline.npz") as z:
        tr, te = z["train_index"], z["test_index"]
    assert not set(samples["pert_id"].iloc[tr]) & set(samples["pert_id"].iloc[te])


def test_associations_written_back_into_the_graph(finished_run):
    out, _ = finished_run
    assoc = pd.read_parquet(out / "explain" / "associations.parquet")
    assert len(assoc) > 0 and (assoc["source"] != assoc["target"]).all()
    store = EmbeddedStore(out / "load" / "graph")
    edges = store.edges("ASSOCIATED_WITH")
    assert len(edges) == len(assoc)
    train_key = json.loads((out / "train" / "manifest.json").read_text())["key"]
    assert set(edges["run_id"]) == {f"{out.name}-{train_key[:8]}"}


def test_a_stage_2_that_learns_nothing_writes_no_edges_and_says_so(demo_data, tmp_path):
    # the default boosted stage 2 on 72 training rows: no split possible, stage 1 kept, no associations
    out = tmp_path / "r"
    args = [a for a in ARGS if a not in ("--learner", "rf-projected")] + ["--features", "cn"]
    res = CliRunner().invoke(main, ["run", "--data-dir", str(demo_data), "--out", str(out), *args, "--no-deploy"])
    assert res.exit_code == 0, res.output
    assert "no gene->gene associations" in res.output
    assert pd.read_parquet(out / "explain" / "associations.parquet").empty
    assert len(EmbeddedStore(out / "load" / "graph").edges("ASSOCIATED_WITH")) == 0


def test_run_ids_tell_experiments_of_the_same_name_apart(tmp_path):
    from kgexpr.settings import Settings
    from kgexpr.stages.explain import run_id

    a = Settings.of(out=tmp_path / "A" / "exp")
    b = Settings.of(out=tmp_path / "B" / "exp")
    assert run_id(a, "1111aaaa2222") != run_id(b, "3333bbbb4444")  # other settings, other training key
    assert run_id(a, "1111aaaa2222").startswith("exp-")
    assert run_id(Settings.of(out=tmp_path / "x", run_id="mine"), "1111aaaa2222") == "mine"
    with pytest.raises(KgexprError, match="--run-id"):
        Settings.of(run_id=" ").resolved().validate()


def test_rerun_reuses_every_stage_and_rewrites_no_duplicate_edges(finished_run, demo_data):
    out, _ = finished_run
    before = {s: json.loads((out / s / "manifest.json").read_text())["started"] for s in ("load", "features", "train")}
    res = CliRunner().invoke(main, ["run", "--data-dir", str(demo_data), "--out", str(out), *ARGS])
    assert res.exit_code == 0, res.output
    after = {s: json.loads((out / s / "manifest.json").read_text())["started"] for s in ("load", "features", "train")}
    assert before == after
    store = EmbeddedStore(out / "load" / "graph")
    assert len(store.edges("ASSOCIATED_WITH")) == len(pd.read_parquet(out / "explain" / "associations.parquet"))


def test_explain_prints_a_gene(finished_run, demo_data):
    out, _ = finished_run
    assoc = pd.read_parquet(out / "explain" / "associations.parquet")
    gene = assoc["source_symbol"].iloc[0]
    res = CliRunner().invoke(main, ["explain", gene, "--data-dir", str(demo_data), "--out", str(out), *ARGS])
    assert res.exit_code == 0, res.output
    assert gene in res.output and "1." in res.output
    assert res.output.startswith("[SIMULATED] ")  # every result line of the demo data says so
    res = CliRunner().invoke(main, ["explain", "NOSUCHGENE", "--out", str(out)])
    assert res.exit_code == 2 and "not a gene of this run's expression data" in res.output
    # a gene of the data that the run did not model: the advice names the option that models it
    data_genes = pd.read_parquet(out / "load" / "genes.parquet")["symbol"]
    unmodelled = sorted(set(data_genes) - set(pd.read_parquet(out / "train" / "target_genes.parquet")["symbol"]))[0]
    res = CliRunner().invoke(main, ["explain", unmodelled, "--out", str(out)])
    assert res.exit_code == 2 and f"--include-genes {unmodelled}" in res.output


def test_each_command_lists_only_its_own_options():
    def shown(*args):
        return CliRunner().invoke(main, [*args, "--help"]).output

    assert "--trees" not in shown("explain", "TP53") and "--neo4j-clear" not in shown("explain", "TP53")
    assert "--trees" not in shown("load") and "--features" not in shown("load") and "--neo4j-clear" in shown("load")
    assert "--features" in shown("features") and "--learner" not in shown("features")
    assert "--learner" in shown("train") and "--no-deploy" not in shown("train") and "--no-deploy" in shown("deploy")
    assert "--run-id" in shown("run") and "--run-id" not in shown("train")


def test_bad_input_is_one_clear_error_and_nothing_half_written(tmp_path, demo_data):
    import shutil

    bad = tmp_path / "data"
    shutil.copytree(demo_data, bad)
    gct = next((bad / "lincs-l1000-demo").glob("*.gct"))
    for f in (bad / "lincs-l1000-demo").glob("*.gctx"):
        f.unlink()
    lines = gct.read_text().splitlines()
    cells = lines[-1].split("\t")
    cells[-1] = "not-a-number"
    lines[-1] = "\t".join(cells)
    gct.write_text("\n".join(lines) + "\n")
    out = tmp_path / "run"
    res = CliRunner().invoke(main, ["load", "--data-dir", str(bad), "--out", str(out)])
    assert res.exit_code == 2
    assert "error:" in res.output and gct.name in res.output and "Traceback" not in res.output
    assert not out.exists()  # nothing half-written, and the run directory it created is gone again


BAD_OPTIONS = [
    ["--n-jobs", "-99"],  # joblib would run one worker without a word
    ["--features", "nosuchmethod"],
    ["--trees", "0"],
    ["--genes", "-5"],
    ["--splits", "bogus"],
    ["--include-genes", "NOTAGENE"],
    ["--learner-param", "n_components=0"],
    ["--feature-param", "lpi.gamma=1"],
]


def test_an_empty_data_dir_is_one_line_before_the_banner(tmp_path):
    empty = tmp_path / "data"
    empty.mkdir()
    res = CliRunner().invoke(main, ["run", "--data-dir", str(empty), "--out", str(tmp_path / "run")])
    assert res.exit_code == 2
    assert [x for x in res.output.splitlines() if x.strip()] == [
        f"error: data directory {empty} lacks kgml_dir, expression, gene ids (use --demo for simulated data)"]
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("bad", BAD_OPTIONS, ids=lambda a: " ".join(a))
def test_a_bad_option_is_one_error_line_before_any_work(bad, demo_data, tmp_path):
    out = tmp_path / "run"
    res = CliRunner().invoke(main, ["run", "--data-dir", str(demo_data), "--out", str(out), *bad])
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and bad[0] in lines[0], res.output
    assert not (out / "load").exists() and not (out / "train.partial").exists()


def test_a_successful_run_leaves_no_partial_training(finished_run):
    out, _ = finished_run
    assert not (out / "train.partial").exists()


@pytest.fixture(scope="module")
def shared_data():
    from kgexpr.sources.catalog import resolve_data_dir

    root = resolve_data_dir(None)
    if root is None or not (root / "lincs-consensi-drugbank").is_dir():
        pytest.skip("the shared real data directory ($KGEXPR_DATA or ../shared/data) is not here")
    return root


def test_data_lists_every_expression_set(shared_data):
    res = CliRunner().invoke(main, ["data", "--data-dir", str(shared_data)])
    assert res.exit_code == 0, res.output
    assert "expression sets (3):" in res.output
    assert "lincs-consensi-drugbank [consensus signatures]: 936 compounds" in res.output
    assert "lincs-l1000-ljp005 [GCT(X), metadata inside]: 377 signatures, 328 of compounds, 55 compounds" in res.output
    assert "lincs-l1000-level5-cmapr" in res.output


def test_run_on_consensus_signatures_names_the_set(shared_data, tmp_path):
    out = tmp_path / "consensus"
    res = CliRunner().invoke(main, ["run", "--data-dir", str(shared_data), "--out", str(out),
                                    "--expression", "lincs-consensi-drugbank", "--genes", "8", "--trees", "10",
                                    "--features", "cn", "--splits", "random", "--n-jobs", "2"])
    assert res.exit_code == 0, res.output
    summary = (out / "summary.md").read_text()
    assert "expression set: **lincs-consensi-drugbank**" in summary and "pooled over cell lines" in summary
    load = json.loads((out / "load" / "summary.json").read_text())
    assert load["samples"] == 936 and load["scaling"] == "none" and load["cell_line"] == ""
    matched = load["sources"]["perturbagen_matching"]
    assert matched["by_drug_id"] == matched["n_matched"] > 500  # consensus rows are DrugBank ids
    X = pd.read_parquet(out / "load" / "samples.parquet")
    assert X["dose_um"].isna().all()

    # every DrugBank drug with a human target is a Drug node predict accepts, profiled or not
    from kgexpr.predict import DeployedRun, predict, resolve_compounds

    proteins = pd.read_csv(shared_data / "drugbank-targets" / "proteins.tsv", sep="\t", dtype=str)
    human = proteins[proteins["category"].str.lower().eq("target") & proteins["organism"].str.lower().eq("human")
                     & proteins["entrez_gene_id"].notna()]
    ids = sorted(set(human["drugbank_id"]))
    assert len(ids) > 4000
    compounds = resolve_compounds(DeployedRun(out), ids, [], pd.DataFrame({"entrez_id": [], "symbol": []}))
    assert [c.id for c in compounds] == ids
    unprofiled = [c.id for c in compounds if c.source == "graph"]
    assert len(unprofiled) > 3000
    pred = predict(out, unprofiled[::500], model="cn", progress=lambda *_: None)
    assert pred.table.shape == (len(unprofiled[::500]), 8) and np.isfinite(pred.table.to_numpy()).all()


def test_unknown_expression_set_is_one_error_line(shared_data, tmp_path):
    res = CliRunner().invoke(main, ["run", "--data-dir", str(shared_data), "--out", str(tmp_path / "x"),
                                    "--expression", "lincs-consensi"])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "--expression lincs-consensi" in lines[0] and "lincs-consensi-drugbank" in lines[0]
