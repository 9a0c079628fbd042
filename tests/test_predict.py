"""kgexpr predict on a small demo run: deployable models, compounds in and out of the data and the graph."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from kgexpr import artifacts as A
from kgexpr.cli import main
from kgexpr.rundir import output_records

ARGS = ["--trees", "8", "--features", "cn,lpi,deepwalk", "--genes", "0", "--splits", "cv", "--folds", "3",
        "--max-signatures", "20", "--expression", "lincs-l1000-demo"]


@pytest.fixture(scope="module")
def deployed(demo_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("predict") / "run"
    res = CliRunner().invoke(main, ["run", "--data-dir", str(demo_data), "--out", str(out), *ARGS])
    assert res.exit_code == 0, res.output
    return out


def _predict(run, *args):
    return CliRunner().invoke(main, ["predict", str(run), *args])


def test_deploy_saves_every_model_and_its_in_sample_predictions(deployed):
    info = A.DEPLOY_INFO.read(deployed / A.DEPLOY)
    assert info["models"] == ["baseline", "cn", "lpi", "deepwalk"]
    for m in info["models"]:
        assert A.deployed_model(m).exists(deployed / A.DEPLOY)
    w = A.DEPLOY_STACKING_WEIGHTS.read(deployed / A.DEPLOY)
    np.testing.assert_allclose(w.sum(axis=0), 1.0)


def test_predict_reproduces_the_deployed_models_on_their_own_compounds(deployed, tmp_path):
    from kgexpr.learn.scaling import inverse

    samples = A.SAMPLES.read(deployed / A.LOAD)
    with np.load(A.DEPLOY_IN_SAMPLE.path(deployed / A.DEPLOY)) as z:
        pert, fitted = z["pert_id"], z["lpi"]
    # per-dose data: predict at each sample's own dose for one compound
    row = 0
    pid, dose = samples["pert_id"].iloc[row], samples["dose_um"].iloc[row]
    res = _predict(deployed, "--drugs", pid, "--model", "lpi", "--dose", str(dose), "--out", str(tmp_path / "p.tsv"))
    assert res.exit_code == 0, res.output
    got = pd.read_csv(tmp_path / "p.tsv", sep="\t", index_col=0)
    assert (got.pop(A.DATA_COLUMN) == A.SIMULATED).all()  # the demo data's predictions say so
    assert "in training: " + pid in res.output and "in-sample fit" in res.output
    genes = A.TARGET_GENES.read(deployed / A.TRAIN)["entrez_id"].to_numpy()
    assert list(got.columns) == [str(g) for g in genes] and list(got.index) == [pid]
    want = inverse(fitted[[row]].astype(float), A.EXPRESSION_SCALE.read(deployed / A.LOAD).reindex(genes))
    assert pert[row] == pid
    np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-4, atol=1e-4)


def test_the_boosted_stage_2_learner_deploys_and_predicts_its_own_compounds(demo_data, tmp_path):
    # rf-projected-gbm: stage 2 corrects stage 1 from the conditions and the stage-1 predictions (the saved models say so)
    out = tmp_path / "gbm"
    res = CliRunner().invoke(main, ["run", "--data-dir", str(demo_data), "--out", str(out), *ARGS,
                                    "--features", "lpi", "--learner", "rf-projected-gbm"])
    assert res.exit_code == 0, res.output
    import joblib

    from kgexpr.learn.engine import FittedTwoStage

    saved = joblib.load(A.deployed_model("lpi").path(out / A.DEPLOY))
    assert isinstance(saved, FittedTwoStage) and A.DEPLOY_INFO.read(out / A.DEPLOY)["format"] == A.DEPLOY_FORMAT
    assert saved.plan.stage2_inputs == "conditions+predictions" and saved.plan.stage2_target == "residual"
    assert saved.columns[:saved.n_conditions] == ("log10_dose_um", "time_h")[:saved.n_conditions]
    assert saved.n_conditions >= 1  # the plate's doses
    assert all(m.n_features_in_ == saved.n_conditions + len(A.TARGET_GENES.read(out / A.TRAIN)) for m in saved.stage2)
    samples = A.SAMPLES.read(out / A.LOAD)
    with np.load(A.DEPLOY_IN_SAMPLE.path(out / A.DEPLOY)) as z:
        fitted = z["lpi"]
    pid, dose = samples["pert_id"].iloc[0], samples["dose_um"].iloc[0]
    res = _predict(out, "--drugs", pid, "--model", "lpi", "--dose", str(dose), "--out", str(tmp_path / "p.tsv"))
    assert res.exit_code == 0, res.output
    from kgexpr.learn.scaling import inverse

    genes = A.TARGET_GENES.read(out / A.TRAIN)["entrez_id"].to_numpy()
    want = inverse(fitted[[0]].astype(float), A.EXPRESSION_SCALE.read(out / A.LOAD).reindex(genes))
    got = pd.read_csv(tmp_path / "p.tsv", sep="\t", index_col=0).drop(columns=A.DATA_COLUMN)
    np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-4, atol=1e-4)


def test_unknown_ids_are_one_line_exit_2_and_nothing_written(deployed, tmp_path):
    out = tmp_path / "p.tsv"
    res = _predict(deployed, "--drugs", "NOSUCH1,BRD-K90000001,NOSUCH2", "--out", str(out))
    assert res.exit_code == 2
    assert "NOSUCH1, NOSUCH2" in res.output and "Traceback" not in res.output
    assert "profiled compounds include BRD-K" in res.output and res.output.count("error:") == 1
    assert not out.exists()
    res = _predict(deployed, "--drugs", "BRD-K90000001", "--model", "nosuch", "--out", str(out))
    assert res.exit_code == 2 and "--model" in res.output and not out.exists()


def test_a_graph_drug_without_a_signature_gets_features_from_the_stored_graph(deployed, tmp_path):
    samples = A.SAMPLES.read(deployed / A.LOAD)
    nodes = A.FEATURE_NODES.read(deployed / A.FEATURES)
    drugs = [n.split(":", 1)[1] for n in nodes.loc[nodes["label"] == "Drug", "node_id"]]
    unseen = [d for d in drugs if d not in set(samples["pert_id"])]
    assert unseen, "the demo run should leave some drugs of the graph without signatures (--max-signatures)"
    out = tmp_path / "p.tsv"
    res = _predict(deployed, "--drugs", ",".join(unseen[:3]), "--model", "stacking", "--out", str(out), "--top", "2")
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out, sep="\t", index_col=0).drop(columns=A.DATA_COLUMN)
    assert got.shape == (3, len(A.TARGET_GENES.read(deployed / A.TRAIN))) and np.isfinite(got.to_numpy()).all()
    assert "up " in res.output and "down " in res.output
    assert len({tuple(np.round(r, 6)) for r in got.to_numpy()}) == 3  # three compounds, three signatures


def test_a_compound_outside_the_graph_from_its_targets_and_structure(deployed, tmp_path):
    genes = A.TARGET_GENES.read(deployed / A.TRAIN)
    f = tmp_path / "new.tsv"
    f.write_text("id\tsmiles\ttargets\nNEW-1\tCC(=O)Oc1ccccc1C(=O)O\t"
                 f"{genes['symbol'].iloc[0]},{genes['entrez_id'].iloc[1]}\nNEW-2\tc1ccccc1\t{genes['symbol'].iloc[5]}\n")
    out = tmp_path / "p.tsv"
    res = _predict(deployed, "--drugs-file", str(f), "--model", "cn", "--out", str(out))
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out, sep="\t", index_col=0).drop(columns=A.DATA_COLUMN)
    assert list(got.index) == ["NEW-1", "NEW-2"] and np.isfinite(got.to_numpy()).all()
    # embeddings are of the graph as loaded: refused in one line
    res = _predict(deployed, "--drugs-file", str(f), "--model", "deepwalk", "--out", str(tmp_path / "q.tsv"))
    assert res.exit_code == 2 and "transductive" in res.output and not (tmp_path / "q.tsv").exists()
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\tsmiles\ttargets\nNEW-3\tC\tNOTAGENE\n")
    res = _predict(deployed, "--drugs-file", str(bad), "--model", "cn", "--out", str(tmp_path / "r.tsv"))
    assert res.exit_code == 2 and "NOTAGENE" in res.output


def test_a_source_id_merged_into_another_drug_predicts_as_that_drug(deployed, tmp_path):
    """A drug known to two sources is one node; the merge table lets its other source's id name it.

    The demo has a single drug source, so the run's merge table gets one row here, as a load that
    merged DrugBank's id into a Broad one would have written it."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(deployed, run)
    nodes = A.FEATURE_NODES.read(run / A.FEATURES)
    key = nodes.loc[nodes["label"] == "Drug", "node_id"].iloc[0].split(":", 1)[1]
    merges = pd.DataFrame({"kind": ["merged"], "drug_id": [key], "member_id": ["DB99999"], "member_source": ["drugbank"],
                           "member_name": ["alias"], "matched_by": ["inchikey"]})
    merges.to_csv(A.DRUG_MERGES.path(run / A.LOAD), index=False)
    manifest = A.manifest_of(A.LOAD).read(run / A.LOAD)  # recorded as the load would have recorded it
    manifest["outputs"][A.DRUG_MERGES.filename] = output_records(run / A.LOAD)[A.DRUG_MERGES.filename]
    A.manifest_of(A.LOAD).write(run / A.LOAD, manifest)
    a, b = tmp_path / "a.tsv", tmp_path / "b.tsv"
    res = _predict(run, "--drugs", "DB99999", "--model", "cn", "--out", str(a))
    assert res.exit_code == 0, res.output
    assert _predict(run, "--drugs", key, "--model", "cn", "--out", str(b)).exit_code == 0
    np.testing.assert_array_equal(pd.read_csv(a, sep="\t", index_col=0).to_numpy(),
                                  pd.read_csv(b, sep="\t", index_col=0).to_numpy())


def _rewrite(run, stage, artifact_name, write):
    """Replace one file of a stage as an older kgexpr would have written it, recorded in the stage's manifest."""
    write(run / stage / artifact_name)
    manifest = A.manifest_of(stage).read(run / stage)
    manifest["outputs"][artifact_name] = output_records(run / stage)[artifact_name]
    A.manifest_of(stage).write(run / stage, manifest)


def test_models_deployed_in_the_old_format_are_one_line_asking_to_deploy_again(deployed, tmp_path):
    """Format 1 saved each model as a dict of its parts and deploy.json had no format: predict names the fix."""
    import shutil

    import joblib

    run = tmp_path / "run"
    shutil.copytree(deployed, run)
    model = joblib.load(A.deployed_model("cn").path(run / A.DEPLOY))
    old = {"model": "cn", "columns": list(model.columns), "blocks": model.blocks, "stage1": model.stage1,
           "stage2": model.stage2, "stage2_inputs": model.plan.stage2_inputs, "stage2_target": model.plan.stage2_target,
           "n_conditions": model.n_conditions, "kind": "similarity", "has_target_columns": True}
    _rewrite(run, A.DEPLOY, A.deployed_model("cn").filename, lambda path: joblib.dump(old, path, compress=1))
    out = tmp_path / "p.tsv"
    for _ in range(2):  # an old model file alone, then the old deploy.json too
        res = _predict(run, "--drugs", "BRD-K90000001", "--model", "cn", "--out", str(out))
        assert res.exit_code == 2 and not out.exists()
        lines = res.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), res.output
        assert "older kgexpr" in lines[0] and f"kgexpr deploy --out {run}" in lines[0]
        info = {k: v for k, v in A.DEPLOY_INFO.read(run / A.DEPLOY).items() if k != "format"}
        _rewrite(run, A.DEPLOY, A.DEPLOY_INFO.filename, lambda path: A.DEPLOY_INFO.write(run / A.DEPLOY, info))


@pytest.mark.parametrize("content, expected", [
    ("id\tsmiles\ttargets\nNEW-1\tC1CC(=O)XZ%%((\t{gene}\n", r"new.tsv:2: field 'smiles': compound NEW-1: not a valid SMILES: 'C1CC(=O)XZ%%(('"),
    ("", "new.tsv: is empty (no header, no rows)"),
    ("id\tsmiles\ttargets\n", "new.tsv: has no compounds (a header and no rows)"),
])
def test_a_bad_drugs_file_is_one_line_naming_it_before_any_work(deployed, tmp_path, content, expected):
    genes = A.TARGET_GENES.read(deployed / A.TRAIN)
    f = tmp_path / "new.tsv"
    f.write_text(content.format(gene=genes["symbol"].iloc[0]))
    out = tmp_path / "p.tsv"
    res = _predict(deployed, "--drugs-file", str(f), "--model", "cn", "--out", str(out))
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert res.output.strip() == f"error: {tmp_path / expected}"
    assert not out.exists()


def test_an_unknown_target_is_one_short_line(deployed, tmp_path):
    genes = A.TARGET_GENES.read(deployed / A.TRAIN)
    f = tmp_path / "new.tsv"
    symbol = genes["symbol"].iloc[0]
    f.write_text(f"id\tsmiles\ttargets\nNEW-1\tc1ccccc1\t{symbol}X\n")
    res = _predict(deployed, "--drugs-file", str(f), "--model", "cn", "--out", str(tmp_path / "p.tsv"))
    assert res.exit_code == 2 and len(res.output.splitlines()) == 1
    assert f"{symbol}X" in res.output and len(res.output) < 600, res.output


def test_a_file_compound_with_an_action_signs_its_target_edges():
    """--drugs-file's action column reaches signed-propagation: an inhibitor of a gene mirrors an agonist of it."""
    from kgexpr.features import compute_features
    from kgexpr.graph.view import graph_from_edges
    from kgexpr.predict import Compound, _with_new_drugs

    nodes = pd.DataFrame({"node_id": ["Gene:1", "Gene:2", "Gene:3"], "label": ["Gene"] * 3})
    edges = pd.DataFrame({"source": ["Gene:1", "Gene:2"], "target": ["Gene:2", "Gene:3"], "sign": [1, -1]})
    view = graph_from_edges(nodes, edges)
    new = [Compound("INH", "Drug:INH", "file", targets=[1], action="inhibitor"),
           Compound("AGO", "Drug:AGO", "file", targets=[1], action="Agonist"),
           Compound("ANY", "Drug:ANY", "file", targets=[1])]
    grown = _with_new_drugs(view, new)
    assert list(grown.nodes[-3:]) == ["Drug:INH", "Drug:AGO", "Drug:ANY"]
    assert grown.adjacency[grown.index_of(["Drug:ANY"])[0], 0] == 1  # every compound is linked to its targets
    P = compute_features(grown, "signed-propagation", ["Drug:INH", "Drug:AGO", "Drug:ANY"], ["Gene:1", "Gene:2", "Gene:3"])
    np.testing.assert_allclose(P.loc["Drug:INH"], -P.loc["Drug:AGO"])
    assert P.loc["Drug:AGO", "Gene:2"] > 0 > P.loc["Drug:AGO", "Gene:3"]
    assert P.loc["Drug:ANY"].abs().sum() == 0  # no action stated: no signed walk
