"""The ``kgexpr`` command line: one command per stage, and ``run`` for all of them."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import click

from kgexpr.errors import KgexprError
from kgexpr.learn.learners import DEFAULT_LEARNER, LEARNERS
from kgexpr.settings import Settings

FEATURES_HELP = "comma-separated feature sets (cn,lpi,entropy,laplacian,lle,deepwalk,node2vec,fastrp); default all"


def common_options(fn):
    """Options every stage command takes (so any stage can be run alone on a run directory)."""

    opts = [
        click.option("--out", "out", type=click.Path(path_type=Path), default=Path("runs/default"), show_default=True,
                     help="Run directory: every stage writes its artifacts and manifest here."),
        click.option("--data-dir", type=click.Path(path_type=Path), default=None,
                     help="Folder with the public data (default: $KGEXPR_DATA, else ../shared/data)."),
        click.option("--demo", is_flag=True, help="Use the generated, clearly labelled SIMULATED data set."),
        click.option("--backend", type=click.Choice(["embedded", "neo4j"]), default="embedded", show_default=True,
                     help="Graph store: in-process (no server) or a Neo4j + GDS server."),
        click.option("--neo4j-uri", default=None, help="Bolt URI (default $NEO4J_URI or bolt://127.0.0.1:7687); password from $NEO4J_PASSWORD."),
        click.option("--neo4j-user", default=None, help="Neo4j user (default $NEO4J_USER or neo4j)."),
        click.option("--neo4j-clear", is_flag=True,
                     help="Empty the Neo4j database before loading (otherwise the load merges into what is there)."),
        click.option("--seed", type=int, default=0, show_default=True, help="Seed for gene choice, splits, walks and forests."),
    ]
    for o in reversed(opts):
        fn = o(fn)
    return fn


def model_options(fn):
    opts = [
        click.option("--expression", type=click.Path(exists=True, path_type=Path), default=None,
                     help="LINCS .gct/.gctx file (default: the largest real one in the data directory)."),
        click.option("--cell-line", default="auto", show_default=True,
                     help="Cell line to model; 'auto' = MCF7 if it has compound samples, else the best covered line."),
        click.option("--features", "features", default=None, help=FEATURES_HELP),
        click.option("--genes", "n_genes", type=int, default=None,
                     help="Number of target genes (seeded random choice; default 300 as the paper; 0 = all)."),
        click.option("--include-genes", default="TP53", show_default=True,
                     help="Comma-separated genes always modelled (symbols or Entrez ids); '' for none."),
        click.option("--trees", "n_trees", type=int, default=None, help="Trees per random forest (default 300, as the paper)."),
        click.option("--learner", type=click.Choice(sorted(LEARNERS)), default=DEFAULT_LEARNER, show_default=True,
                     help="'rf-projected': one forest per block of 300 genes, splitting on random projections of "
                          "their expression (fast); 'rf': one forest per gene, as the paper (slow)."),
        click.option("--genes-per-model", type=click.IntRange(min=1), default=None,
                     help="Genes sharing one model (default: the learner's, 300 for rf-projected, 1 for rf)."),
        click.option("--paper", is_flag=True,
                     help="The paper's sizes, 300 genes x 300 trees (the defaults); add --learner rf for its per-gene forests."),
        click.option("--splits", default="random,drug", show_default=True,
                     help="Test splits: 'random' (paper) and/or 'drug' (test drugs unseen in training)."),
        click.option("--n-jobs", type=int, default=-1, show_default=True, help="Parallel gene fits (-1 = all cores)."),
        click.option("--dask", "dask", default=None, metavar="ADDRESS", help="Send gene fits to a Dask scheduler (pip install kgexpr[dask])."),
    ]
    for o in reversed(opts):
        fn = o(fn)
    return fn


def settings_from(kw: dict) -> Settings:
    s = Settings(
        out=kw["out"], data_dir=kw.get("data_dir"), demo=kw.get("demo", False), backend=kw["backend"],
        neo4j_uri=kw.get("neo4j_uri"), neo4j_user=kw.get("neo4j_user") or os.environ.get("NEO4J_USER", "neo4j"),
        seed=kw.get("seed", 0), neo4j_clear=kw.get("neo4j_clear", False),
    )
    if "cell_line" in kw:
        if kw.get("paper"):
            s = s.with_paper()
        feats = kw.get("features")
        s = replace(
            s,
            expression=kw.get("expression"),
            cell_line=kw["cell_line"],
            features=tuple(f.strip() for f in feats.split(",") if f.strip()) if feats else s.features,
            n_genes=kw["n_genes"] if kw.get("n_genes") is not None else s.n_genes,
            n_trees=kw["n_trees"] if kw.get("n_trees") is not None else s.n_trees,
            include_genes=tuple(g.strip() for g in (kw.get("include_genes") or "").split(",") if g.strip()),
            splits=tuple(x.strip() for x in kw["splits"].split(",") if x.strip()),
            learner=kw.get("learner") or s.learner,
            genes_per_model=kw.get("genes_per_model"),
            n_jobs=kw.get("n_jobs", -1),
            dask=kw.get("dask"),
        )
    return s


def reports_errors(fn):
    """Known errors become one line on stderr and exit code 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*a, **kw):
        try:
            return fn(*a, **kw)
        except KgexprError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted: finished work is kept; re-run the same command to resume", err=True)
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kgexpr")
def main():
    """Predict drug-induced gene expression (LINCS L1000) with knowledge-graph features.

    \b
    Stages, in order (each writes into the run directory --out):
      load      parse KEGG / drug targets / cell-line mutations / LINCS, build the graph
      features  graph features per node (cn, lpi, entropy, laplacian, lle, deepwalk, node2vec, fastrp)
      train     MTRS random forests: a baseline and one model per feature set, per split
      evaluate  per-gene R², win counts, pairwise vs baseline (Wilcoxon), stacking
      explain   learned gene->gene associations, written back to the graph
      report    summary.md and report.html
      run       all of the above

    Start with:  kgexpr run            (real data from ../shared/data or $KGEXPR_DATA, else demo data)
    """


def _stage_command(name: str, help_text: str, with_model: bool = True):
    def deco(fn):
        fn = reports_errors(fn)
        if with_model:
            fn = model_options(fn)
        fn = common_options(fn)
        return main.command(name=name, help=help_text)(fn)

    return deco


def _run_one(stage: str, kw: dict):
    from kgexpr import pipeline
    from kgexpr.rundir import RunDir

    s = settings_from(kw)
    st = getattr(pipeline, f"stage_{stage}")(s, RunDir(s.out))
    click.echo(f"{stage}: {'reused' if st.reused else 'done'} -> {st.path}")
    return st


@_stage_command("load", "Parse the sources and build the knowledge graph and expression matrices.")
def load_cmd(**kw):
    _run_one("load", kw)


@_stage_command("features", "Compute the graph feature sets (needs load).")
def features_cmd(**kw):
    _run_one("features", kw)


@_stage_command("train", "Train baseline and feature-set MTRS models on each split (needs features).")
def train_cmd(**kw):
    _run_one("train", kw)


@_stage_command("evaluate", "Score every model per gene, stack, and compare with the baseline (needs train).")
def evaluate_cmd(**kw):
    from kgexpr import pipeline
    from kgexpr.report.build import verdict_lines
    from kgexpr.rundir import RunDir

    import pandas as pd

    s = settings_from(kw)
    st = pipeline.stage_evaluate(s, RunDir(s.out))
    pairs = pd.read_csv(st.path / "pairwise_vs_baseline.csv")
    for split, df in pairs.groupby("split", sort=False):
        click.echo(f"[{split} split]")
        for line in verdict_lines(df):
            click.echo(f"  {line}")


@main.command("explain", help="Print the learned associations of GENE (symbol or Entrez id); without GENE, compute and write them back.")
@click.argument("gene", required=False)
@common_options
@model_options
@click.option("--top", type=int, default=5, show_default=True, help="Associations per gene.")
@reports_errors
def explain_cmd(gene, top, **kw):
    from kgexpr import pipeline
    from kgexpr.rundir import RunDir

    s = replace(settings_from(kw), top_k=top)
    run = RunDir(s.out)
    st = pipeline.stage_explain(s, run)
    if gene is None:
        click.echo(f"explain: {st.manifest.get('info', {}).get('written')} associations written -> {st.path}")
        return
    import pandas as pd

    assoc = pd.read_parquet(st.path / "associations.parquet")
    key = gene.strip()
    mask = assoc["source_symbol"].astype(str).str.upper() == key.upper()
    if key.isdigit():
        mask |= assoc["source"] == int(key)
    hits = assoc[mask]
    if hits.empty:
        modelled = sorted(assoc["source_symbol"].dropna().unique())
        raise KgexprError(
            f"{gene} is not among the modelled genes of {s.out} ({len(modelled)} genes, e.g. {', '.join(modelled[:8])}); "
            "use --genes 0 to model all landmark genes"
        )
    agg = (hits.groupby(["target", "target_symbol"], as_index=False)
           .agg(weight=("weight", "mean"), models=("feature_set", lambda x: ",".join(sorted(set(x)))))
           .sort_values("weight", ascending=False).head(top))
    click.echo(f"{hits['source_symbol'].iloc[0]}: genes whose predicted expression most improves its model (stage-2 importance, mean over models)")
    for i, r in enumerate(agg.itertuples(), 1):
        click.echo(f"  {i}. {r.target_symbol:<10} Entrez {r.target:<8} importance {r.weight:.4f}  [{r.models}]")


@main.command("report", help="Write summary.md and report.html for a run directory.")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=False)
@click.option("--out", "out", type=click.Path(path_type=Path), default=None, help="Same as RUN_DIR.")
@reports_errors
def report_cmd(run_dir, out):
    from kgexpr.report import write_report

    root = run_dir or out or Path("runs/default")
    md, page = write_report(root)
    click.echo(f"report: {page}\nsummary: {md}")


@_stage_command("run", "Run every stage: load, features, train, evaluate, explain, report.")
def run_cmd(**kw):
    from kgexpr import pipeline
    from kgexpr.progress import console
    from kgexpr.report import write_report
    from kgexpr.rundir import RunDir

    import time

    t0 = time.time()
    s = settings_from(kw)
    run = RunDir(s.out)
    console.print(
        f"kgexpr run -> {s.out}  ({s.n_genes or 'all'} genes, learner {s.learner}, {s.n_trees} trees, "
        f"features {','.join(s.features)}, splits {','.join(s.splits)})"
    )
    pipeline.stage_load(s, run)
    pipeline.stage_features(s, run)
    pipeline.stage_train(s, run)
    ev = pipeline.stage_evaluate(s, run)
    pipeline.stage_explain(s, run)
    md, page = write_report(s.out)
    click.echo(md.read_text())
    click.echo(f"summary: {md}\nreport:  {page}\n(total {time.time() - t0:.0f} s)")


@main.command("fetch", help="Download the official source files (KEGG REST, LINCS GEO, NCBI, Repurposing Hub) into DEST.")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--source", "sources", multiple=True, help="Only these sources (repeatable); default: all but the 21 GB level-5 matrix.")
@reports_errors
def fetch_cmd(dest, sources):
    from kgexpr.fetch import fetch

    files = fetch(dest, list(sources) or None)
    click.echo(f"fetched {len(files)} files into {dest}")


@main.command("neo4j", help="Start, stop or check the local Neo4j + GDS server assembled from Maven Central (scripts/neo4j-local.sh).")
@click.argument("action", type=click.Choice(["install", "start", "stop", "status"]))
@reports_errors
def neo4j_cmd(action):
    script = Path(__file__).resolve().parent.parent / "scripts" / "neo4j-local.sh"
    if not script.exists():
        raise KgexprError(f"{script} not found (it ships with the kgexpr source checkout)")
    sys.exit(subprocess.call(["bash", str(script), action]))


if __name__ == "__main__":  # pragma: no cover
    main()
