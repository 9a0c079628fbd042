"""A run cannot be fooled by its own files: a damaged output of any stage is found on reuse and rebuilt,
and the commands that read a run directory without running stages name a damaged file in one line."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from kgexpr import artifacts as A
from kgexpr.cli import main
from kgexpr.rundir import RunDir

pytestmark = pytest.mark.slow

ARGS = ["--genes", "20", "--trees", "20", "--features", "cn", "--splits", "random", "--n-jobs", "1"]

#: every file a small run writes into its stage folders (test_every_output_is_covered keeps this list complete)
GRAPH_FILES = ["node_CellLine.parquet", "node_Drug.parquet", "node_Gene.parquet", "node_Pathway.parquet",
               "rel_ASSOCIATED_WITH.parquet", "rel_HAS_MUTATION.parquet", "rel_INTERACTS.parquet",
               "rel_IN_PATHWAY.parquet", "rel_TARGETS.parquet", "store.json"]
MODELS = ["baseline", "cn", "mean-signature", "nearest-structure", "reference-rf"]
OUTPUTS = [
    *(a.in_run("") for a in (A.DESCRIPTORS, A.DRUG_MERGES, A.EXPRESSION_RAW, A.EXPRESSION_SCALE, A.EXPRESSION_SCALED,
                            A.GENES, A.PERT_TO_DRUG, A.SAMPLES, A.LOAD_SUMMARY)),
    *(A.GRAPH.in_run("") / f for f in GRAPH_FILES),
    *(a.in_run("") for a in (A.feature_table("cn"), A.FEATURE_KINDS, A.FEATURE_NODES)),
    *(A.train_result("random", m).in_run("") for m in MODELS), A.TARGET_GENES.in_run(""),
    *(a.in_run("") for a in (A.METRICS, A.METRICS_CSV, A.PAIRWISE, A.SIGNATURE_METRICS, A.STACKING_WEIGHTS,
                            A.EVALUATION_SUMMARY, A.WINS, A.ASSOCIATIONS, A.ASSOCIATIONS_CSV)),
    *(A.deployed_model(m).in_run("") for m in ("baseline", "cn")),
    *(a.in_run("") for a in (A.DEPLOY_INFO, A.DEPLOY_IN_SAMPLE, A.DEPLOY_STACKING_WEIGHTS)),
]


def _run(out: Path, demo_data: Path):
    return CliRunner().invoke(main, ["run", "--data-dir", str(demo_data), "--out", str(out), *ARGS])


@pytest.fixture(scope="module")
def finished(demo_data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("damaged") / "run"
    res = _run(out, demo_data)
    assert res.exit_code == 0, res.output
    return out


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _content(path: Path):
    """A file's bytes; a JSON file's content less its wall-clock timings."""
    if path.suffix == ".json":
        return {k: v for k, v in json.loads(path.read_text()).items() if k != "seconds"}
    return path.read_bytes()


def _copy(finished: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(finished, out)
    return out


def test_every_output_is_covered(finished):
    recorded = {str(Path(stage) / name) for stage in A.STAGE_ORDER
                for name in RunDir(finished).manifest(stage)["outputs"]}
    assert recorded == {str(p) for p in OUTPUTS}


@pytest.mark.parametrize("rel", [str(p) for p in OUTPUTS])
def test_damaged_output_is_rebuilt_on_reuse(finished, demo_data, tmp_path, rel):
    out = _copy(finished, tmp_path)
    damaged = out / rel
    _truncate(damaged)
    res = _run(out, demo_data)
    assert res.exit_code == 0, res.output
    stage = Path(rel).parts[0]
    assert f"{stage}: running again: " in res.output
    if Path(rel).parts[1] != A.GRAPH.filename:  # the graph is checked by what it holds, not file by file
        assert f"{stage}: running again: {damaged} is " in res.output
    assert _content(damaged) == _content(finished / rel)  # rebuilt as it was: the stages are deterministic
    run = RunDir(out)
    for name in A.STAGE_ORDER:
        assert run.broken(run.require(name)) is None, name
    pd.testing.assert_frame_equal(A.METRICS.read(out / A.EVALUATE), A.METRICS.read(finished / A.EVALUATE))


def _one_error_line(res, path: Path) -> str:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    lines = [x for x in res.output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}"), res.output
    return lines[0]


def test_report_names_a_damaged_file_in_one_line(finished, tmp_path):
    out = _copy(finished, tmp_path)
    damaged = A.METRICS.in_run(out)
    _truncate(damaged)
    line = _one_error_line(CliRunner().invoke(main, ["report", str(out)]), damaged)
    assert "damaged or incomplete" in line
    assert A.REPORT_HTML.in_run(out).read_bytes() == A.REPORT_HTML.in_run(finished).read_bytes()  # not rewritten


def test_explain_gene_names_a_damaged_file_in_one_line(finished, tmp_path):
    out = _copy(finished, tmp_path)
    damaged = A.ASSOCIATIONS.in_run(out)
    _truncate(damaged)
    _one_error_line(CliRunner().invoke(main, ["explain", "TP53", "--out", str(out)]), damaged)


def test_predict_names_a_truncated_model_before_unpickling_it(finished, tmp_path):
    out = _copy(finished, tmp_path)
    damaged = A.deployed_model("cn").in_run(out)
    _truncate(damaged)
    pid = A.SAMPLES.read(out / A.LOAD)["pert_id"].iloc[0]
    tsv = tmp_path / "p.tsv"
    line = _one_error_line(CliRunner().invoke(main, ["predict", str(out), "--drugs", pid, "--model", "cn",
                                                     "--out", str(tsv)]), damaged)
    assert "bytes" in line and "when written" in line
    assert not tsv.exists()


def test_a_damaged_feature_cache_entry_is_computed_again(finished, demo_data, tmp_path):
    out = _copy(finished, tmp_path)
    (cached,) = (out / A.FEATURE_CACHE).glob("cn-*.parquet")
    _truncate(cached)
    _truncate(A.feature_table("cn").in_run(out))  # so the features stage runs again and meets the cache entry
    res = _run(out, demo_data)
    assert res.exit_code == 0, res.output
    assert f"features: {cached} is damaged; computing it again" in res.output
    assert cached.read_bytes() == next((finished / A.FEATURE_CACHE).glob("cn-*.parquet")).read_bytes()
