"""The ``kgexpr`` command line: one command per stage, and ``run`` for all of them.

Every option's default is :class:`~kgexpr.settings.Settings`' own; the options become
one ``Settings`` (environment resolved once, every value checked) before any stage
starts, so a bad option is one ``error:`` line and exit code 2.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import time
from pathlib import Path

import click

from kgexpr import artifacts as A
from kgexpr.errors import KgexprError
from kgexpr.rundir import RunDir
from kgexpr.settings import ASSIGN, DEMO_TREES, NESTED, Settings

D = Settings.default


def _csv(values) -> str:
    return ",".join(values)


def _apply(fn, opts):
    for o in reversed(opts):
        fn = o(fn)
    return fn


def _common(hidden: bool) -> list:
    """Options every stage command takes: the run directory, the data, the graph store (--neo4j-clear: any stage
    command may run the load first), the seed."""
    return [
        click.option("--out", "out", type=click.Path(path_type=Path), default=D("out"), show_default=True,
                     help="Run directory: every stage writes its artifacts and manifest here."),
        click.option("--data-dir", type=click.Path(path_type=Path), default=None, hidden=hidden,
                     help="Folder with the public data (default: $KGEXPR_DATA, else ../shared/data)."),
        click.option("--demo", is_flag=True, hidden=hidden,
                     help="Use the generated, clearly labelled SIMULATED data set."),
        click.option("--backend", default=D("backend"), show_default=True, hidden=hidden,
                     help="Graph store: 'embedded' (in-process, no server) or 'neo4j' (a Neo4j + GDS server)."),
        click.option("--neo4j-uri", default=None, hidden=hidden,
                     help="Bolt URI (default $NEO4J_URI or bolt://127.0.0.1:7687); password from $NEO4J_PASSWORD."),
        click.option("--neo4j-user", default=None, hidden=hidden, help="Neo4j user (default $NEO4J_USER or neo4j)."),
        click.option("--neo4j-database", default=None, hidden=hidden,
                     help="Neo4j database (default $NEO4J_DATABASE, else the server's default database)."),
        click.option("--neo4j-clear", is_flag=True, hidden=hidden,
                     help="Empty the graph store before loading (otherwise the load merges into what is there)."),
        click.option("--seed", type=int, default=D("seed"), show_default=True, hidden=hidden,
                     help="Seed for the signature draw, gene choice, splits, walks and forests."),
    ]


def _explain_options(hidden: bool) -> list:
    return [click.option("--run-id", default=None, hidden=hidden,
                         help="Id of the run's ASSOCIATED_WITH edges in the graph (default: the run directory's name "
                              "plus a short hash of the training key; cypher/explore/list_runs.cypher lists them).")]


def _load_options(hidden: bool) -> list:
    """What the load stage reads: the expression set, the selection, the scaling, the drug descriptors."""
    from kgexpr.sources.drug_targets import DRUGBANK_CATEGORIES
    return [
        click.option("--expression", default=None, metavar="NAME|PATH", hidden=hidden,
                     help="Expression set: a name 'kgexpr data' lists (a folder under the data directory) or a "
                          "path to a .gct/.gctx/consensus file (default: the real set with the most compounds)."),
        click.option("--cell-line", default=D("cell_line"), show_default=True, hidden=hidden,
                     help="Cell line to model; 'auto' = MCF7 if it has at least 50 compound samples, else the "
                          "line with the most (ignored for consensus signatures)."),
        click.option("--pert-type", "pert_types", default=_csv(D("pert_types")), show_default=True, hidden=hidden,
                     help="Comma-separated LINCS pert types to keep (trt_cp = compounds)."),
        click.option("--time", "pert_time", type=float, default=None, hidden=hidden,
                     help="Only signatures at this time (hours)."),
        click.option("--dose", "pert_dose", type=float, default=None, hidden=hidden,
                     help="Only signatures at this dose (µM, ±5 %)."),
        click.option("--max-signatures", type=int, default=None, hidden=hidden,
                     help="At most this many signatures (a draw seeded by --seed), read from the file."),
        click.option("--strict", is_flag=True, hidden=hidden,
                     help="Reject signatures with missing values (NaN) instead of dropping them with a count."),
        click.option("--scaling", default=D("scaling"), show_default=True, hidden=hidden,
                     help="Target scaling per gene: 'none' (the input's units), 'minmax' (the paper; affine), "
                          "'robust' (asinh of MAD-standardised values, then min-max) or 'auto' (none for consensus "
                          "signatures, minmax for level-5 ones). Scores are reported in the input's units first."),
        click.option("--descriptors", default=D("descriptors"), show_default=True, hidden=hidden,
                     help="Drug descriptors of every model (the baseline's only inputs): 'structure' (RDKit Morgan "
                          "fingerprint + physico-chemical descriptors) or 'formula' (element counts)."),
        click.option("--target-categories", default=_csv(D("target_categories")), show_default=True, hidden=hidden,
                     help="DrugBank protein categories that become a drug's TARGETS edges: comma-separated, from "
                          f"{', '.join(DRUGBANK_CATEGORIES)}."),
        click.option("--fingerprint-bits", type=int, default=D("fingerprint_bits"), show_default=True, hidden=hidden,
                     help="Morgan fingerprint length."),
        click.option("--fingerprint-radius", type=int, default=D("fingerprint_radius"), show_default=True,
                     hidden=hidden, help="Morgan radius (2 = ECFP4)."),
    ]


def _feature_options(hidden: bool) -> list:
    """What the features stage computes."""
    from kgexpr.features import available_methods, get_method

    embeddings = ", ".join(m for m in available_methods() if get_method(m).kind == "embedding")
    return [
        click.option("--features", "features", default=_csv(D("features")), show_default=True, hidden=hidden,
                     help=f"Comma-separated feature sets, from {', '.join(available_methods())}."),
        click.option("--feature-param", "feature_params", multiple=True, metavar="METHOD.NAME=VALUE", hidden=hidden,
                     help="A feature method's parameter, e.g. lpi.beta=0.02 or deepwalk.dim=64 (repeatable)."),
        click.option("--write-features", is_flag=True, hidden=hidden,
                     help=f"Neo4j: also write each embedding ({embeddings}) into the "
                          "graph as a node property <method>_<key>; (:KgexprFeatures) nodes list them."),
    ]


def _train_options(hidden: bool) -> list:
    """What the train stage fits: the genes, the learner, the splits, the controls, where fits run."""
    from kgexpr.learn.learners import LEARNERS

    return [
        click.option("--target-clip", type=float, default=D("target_clip"), show_default=True, hidden=hidden,
                     help="Clip each gene's training targets at its median +/- K robust standard deviations "
                          "(1.4826 MAD), computed on the training rows of each fold; 0 = no clipping. "
                          "Predictions and scores are never clipped."),
        click.option("--genes", "n_genes", type=int, default=D("n_genes"), show_default=True, hidden=hidden,
                     help="Number of target genes: 0 = every landmark gene; N = a seeded random choice of N, "
                          "as the paper (its protocol: --genes 300)."),
        click.option("--include-genes", default=_csv(D("include_genes")), show_default=True, hidden=hidden,
                     help="Comma-separated genes always modelled (symbols or Entrez ids); '' for none. The default "
                          "TP53 is modelled only when the data has it."),
        click.option("--trees", "n_trees", type=int, default=None, hidden=hidden,
                     help="Trees per forest (default: the learner's, "
                          + ", ".join(f"{n} {lr.default_trees}" for n, lr in LEARNERS.items())
                          + f"; {DEMO_TREES} on the simulated demo data, so a first run takes minutes)."),
        click.option("--learner", default=D("learner"), show_default=True, hidden=hidden,
                     help=f"One of {', '.join(LEARNERS)}. "
                          + " ".join(f"'{n}': {lr.description}." for n, lr in LEARNERS.items())),
        click.option("--learner-param", "learner_params", multiple=True, metavar="NAME=VALUE", hidden=hidden,
                     help="A hyper-parameter of the learner's estimator, e.g. n_components=8, or "
                          "stage2__num_leaves=15 for one stage's (repeatable)."),
        click.option("--genes-per-model", type=int, default=None, hidden=hidden,
                     help="Genes sharing one model (default: the learner's, "
                          + ", ".join(f"{lr.targets_per_model} for {n}" for n, lr in LEARNERS.items()) + ")."),
        click.option("--splits", default=_csv(D("splits")), show_default=True, hidden=hidden,
                     help="Evaluation: 'cv' (k-fold over compounds, each predicted once while unseen), 'random' "
                          "(paper) and/or 'drug' (one held-out set of drugs); 'auto' = cv for one sample per "
                          "compound (consensus signatures), else random,drug."),
        click.option("--folds", type=int, default=None, hidden=hidden,
                     help="Folds of the compound cross-validation (default 5); with per-dose data, adds 'cv' to "
                          "the auto splits."),
        click.option("--permute-graph-features", "permute_features", is_flag=True, hidden=hidden,
                     help="Negative control: shuffle the graph features across drugs before training."),
        click.option("--graph-control/--no-graph-control", "graph_control", default=D("graph_control"),
                     show_default=True, hidden=hidden,
                     help="Also train each graph model, and stack them, on graph features permuted across drugs "
                          "(<model>-permuted): a graph model's gain counts only where it beats its own control. "
                          "Doubles the graph models' training."),
        click.option("--n-jobs", type=int, default=D("n_jobs"), show_default=True, hidden=hidden,
                     help="Parallel gene-block fits (-1 = all cores)."),
        click.option("--dask", "dask", default=None, metavar="ADDRESS", hidden=hidden,
                     help="Send gene-block fits to a Dask scheduler (pip install kgexpr[dask])."),
    ]


def _deploy_options(hidden: bool) -> list:
    return [click.option("--no-deploy", "deploy", flag_value=False, default=True, hidden=hidden,
                         help="Skip fitting the deployable models on all samples (used by 'kgexpr predict').")]


#: the option groups of each stage command: a command runs the stages before it first (reusing the unchanged
#: ones), so it takes the options of every stage it may run, and no others
_GROUPS = {"load": (_load_options,), "features": (_load_options, _feature_options),
           "train": (_load_options, _feature_options, _train_options)}
STAGE_OPTION_GROUPS = {
    A.LOAD: _GROUPS["load"], A.FEATURES: _GROUPS["features"], A.TRAIN: _GROUPS["train"],
    A.EVALUATE: _GROUPS["train"], A.EXPLAIN: (*_GROUPS["train"], _explain_options),
    A.DEPLOY: (*_GROUPS["train"], _deploy_options), "run": (*_GROUPS["train"], _explain_options, _deploy_options),
}


def stage_options(stage: str, hidden: bool = False):
    """The common options and those of every stage ``stage`` may run (hidden: accepted, not in --help)."""

    def deco(fn):
        opts = _common(hidden)
        for group in STAGE_OPTION_GROUPS[stage]:
            opts += group(hidden)
        return _apply(fn, opts)

    return deco


def _split_names(text: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (text or "").split(",") if x.strip())


def _value(text: str):
    """A parameter value as JSON when it parses (numbers, true/false, lists), else the string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _assignments(items, option: str, nested: bool) -> dict:
    out: dict = {}
    for item in items:
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or not name:
            form = "METHOD.NAME=VALUE" if nested else "NAME=VALUE"
            raise KgexprError(f"{option} {item!r}: expected {form}")
        if nested:
            method, dot, param = name.partition(".")
            if not dot or not method or not param:
                raise KgexprError(f"{option} {item!r}: expected METHOD.NAME=VALUE, e.g. lpi.beta=0.02")
            out.setdefault(method, {})[param] = _value(value)
        else:
            out[name] = _value(value)
    return out


def settings_from(kw: dict) -> Settings:
    """The command's options as Settings ready for its stages (:func:`kgexpr.stages.ready`: the same the
    Python API gets); options the command lacks keep their defaults."""
    from kgexpr.stages import ready

    options = {}
    for name, value in kw.items():
        parse = Settings.option(name)[1].metadata.get("parse")
        if parse in (NESTED, ASSIGN):  # comma-separated lists are split by Settings itself
            value = _assignments(value, "--" + name.replace("_", "-").replace("params", "param"), nested=parse == NESTED)
        options[name] = value
    return ready(Settings.of(**options))


def _on_demo_data(s: Settings) -> bool:
    from kgexpr.stages.load import resolve_data

    return resolve_data(s, quiet=True).demo


def os_error_line(e: OSError, out: Path | None) -> str:
    """What an OS error (permission, read-only file system, full disk) means for the user, in one line."""
    import errno
    import os

    text = str(e)
    code = e.errno or next((c for c, word in ((errno.ENOSPC, "No space left"), (errno.EROFS, "Read-only file system"),
                                              (errno.EACCES, "Permission denied"), (errno.EDQUOT, "quota exceeded"))
                            if word.lower() in text.lower()), None)
    from kgexpr.atomic import TMP_MARK

    path = Path(e.filename) if e.filename else None
    if path is not None and TMP_MARK in path.name:
        path = path.parent  # name the folder, not the hidden temporary copy being written into it
    other = "give --out another folder" if out is not None else "choose another path"
    if code in (errno.ENOSPC, errno.EDQUOT):
        target = path or out
        return (f"no space left on the disk of {target}" + (" (or over its quota)" if code == errno.EDQUOT else "")
                + f": free some space or {other} on another disk (finished stages are kept; re-run to resume)")
    if code == errno.EROFS:
        return f"{path or out} is on a read-only file system: {other} on a writable disk"
    if code in (errno.EACCES, errno.EPERM) and path is not None:
        if path.exists() and not os.access(path, os.W_OK if path.is_dir() else os.R_OK):
            verb = "write in" if path.is_dir() else "read"
            return f"permission denied: cannot {verb} {path}: fix its permissions or {other}"
        folder = next((q for q in path.parents if q.exists()), path.parent)
        return f"permission denied: cannot write in {folder}: fix its permissions or {other}"
    return f"{e.strerror or type(e).__name__}: {path or text}"


def _remove_if_empty(folder: Path) -> None:
    """Remove ``folder`` and the empty folders in it, when a failed command created it and wrote nothing there."""
    import os

    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        try:
            sub.rmdir()
        except OSError:
            pass
    for leftover in (folder / A.LOCK,):
        if leftover.exists() and not [p for p in folder.iterdir() if p != leftover]:
            leftover.unlink()
    try:
        os.rmdir(folder)
    except OSError:
        pass


def reports_errors(fn):
    """Known errors and OS errors become one line on stderr and exit code 2, never a traceback; an output folder
    the failed command created is removed again when it is still empty."""

    @functools.wraps(fn)
    def wrapper(*a, **kw):
        out = kw.get("out") or kw.get("run_dir")
        new_out = out is not None and not Path(out).exists()
        try:
            return fn(*a, **kw)
        except BaseException as e:
            if new_out and Path(out).is_dir():
                _remove_if_empty(Path(out))
            if isinstance(e, KgexprError):
                click.echo(f"error: {e}", err=True)
                sys.exit(2)
            if isinstance(e, OSError):
                click.echo(f"error: {os_error_line(e, out)}", err=True)
                sys.exit(2)
            if isinstance(e, EOFError):  # click would print a bare 'Aborted!' (it reads EOFError as Ctrl-D)
                click.echo(f"error: a file ended early (truncated or damaged): {e}", err=True)
                sys.exit(2)
            if isinstance(e, KeyboardInterrupt):
                click.echo("interrupted: finished work is kept; re-run the same command to resume", err=True)
                sys.exit(130)
            raise

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kgexpr")
def main():
    """Predict drug-induced gene expression (LINCS L1000) with knowledge-graph features.

    \b
    Stages, in order (each writes into the run directory --out; each runs the
    stages before it first, reusing those whose inputs are unchanged):
      load      parse KEGG / drug targets / cell-line mutations / LINCS, build the graph
      features  graph features per node (cn, lpi, entropy, laplacian, lle, deepwalk, node2vec, fastrp)
      train     two-stage MTRS models: a baseline and one model per feature set, per split
      evaluate  per-gene R², win counts, pairwise vs baseline (Wilcoxon), stacking
      explain   learned gene->gene associations, written back to the graph
      deploy    every model refitted on all samples and saved
      report    summary.md and report.html
      predict   signatures of compounds from the deployed models (also ones never profiled)
      run       all of the above

    Start with:  kgexpr run            (real data from ../shared/data or $KGEXPR_DATA, else demo data)
    """


def _stage_command(name: str, help_text: str):
    def deco(fn):
        return main.command(name=name, help=help_text)(stage_options(name)(reports_errors(fn)))

    return deco


def _run_one(stage: str, kw: dict):
    from kgexpr.stages import run_stage

    s = settings_from(kw)
    with RunDir(s.out).locked() as run:
        st = run_stage(stage, s, run)
    click.echo(f"{stage}: {'reused' if st.reused else 'done'} -> {st.path}")
    return st


@_stage_command(A.LOAD, "Parse the sources and build the knowledge graph and expression matrices.")
def load_cmd(**kw):
    _run_one(A.LOAD, kw)


@_stage_command(A.FEATURES, "Compute the graph feature sets (after load).")
def features_cmd(**kw):
    _run_one(A.FEATURES, kw)


@_stage_command(A.TRAIN, "Train baseline and feature-set MTRS models on each split (after features).")
def train_cmd(**kw):
    _run_one(A.TRAIN, kw)


@_stage_command(A.EVALUATE, "Score every model per gene, stack, and compare with the baseline (after train).")
def evaluate_cmd(**kw):
    from kgexpr.report.build import against_labels, verdict_lines

    st = _run_one(A.EVALUATE, kw)
    pairs = A.PAIRWISE.read(st.path)
    demo = A.run_is_demo(kw["out"])
    for split, df in pairs.groupby("split", sort=False):
        echo_result(f"[{split} split]", demo)
        for label, part in df.groupby(against_labels(df), sort=False):
            for line in verdict_lines(part, label):
                echo_result(f"  {line}", demo)


@_stage_command(A.DEPLOY, "Refit every model on all samples and save it, for 'kgexpr predict' (after train).")
def deploy_cmd(**kw):
    _run_one(A.DEPLOY, kw)


@main.command("explain", help="With GENE (symbol or Entrez id): print its learned associations from the run "
                              "directory --out. Without GENE: run the explain stage (after the stages it reads) and "
                              "write the associations back into the graph; it then also takes every option of "
                              "'kgexpr train' (see 'kgexpr train --help'), hidden here.")
@click.argument("gene", required=False)
@stage_options(A.EXPLAIN, hidden=True)
@click.option("--top", type=int, default=D("top_k"), show_default=True, help="Associations per gene.")
@reports_errors
def explain_cmd(gene, **kw):
    if gene is None:
        st = _run_one(A.EXPLAIN, kw)
        click.echo(f"explain: {st.manifest.get('info', {}).get('written')} associations written -> {st.path}")
        return
    folder = Path(kw["out"]) / A.EXPLAIN
    if not A.ASSOCIATIONS.exists(folder):
        raise KgexprError(f"{kw['out']} has no learned associations yet (run 'kgexpr explain --out {kw['out']}')")
    print_gene(A.ASSOCIATIONS.read(folder), gene, kw["top"], kw["out"])


SIMULATED_MARK = "[SIMULATED] "


def echo_result(line: str, demo: bool, err: bool = False) -> None:
    """A console line that states a result: marked SIMULATED on demo data, so no copied line passes for biology."""
    click.echo((SIMULATED_MARK if demo else "") + line, err=err)


def _gene_mask(table, key: str):
    mask = table["symbol" if "symbol" in table else "source_symbol"].astype(str).str.upper() == key.upper()
    if key.isdigit():
        mask |= table["entrez_id" if "entrez_id" in table else "source"] == int(key)
    return mask


def print_gene(assoc, gene: str, top: int, out) -> None:
    key = gene.strip()
    hits = assoc[_gene_mask(assoc, key)]
    if hits.empty:
        modelled = sorted(assoc["source_symbol"].dropna().unique())
        eg = f"{len(modelled)} genes with associations, e.g. {', '.join(modelled[:8])}"
        data_genes = A.GENES.read_if_exists(Path(out) / A.LOAD)
        targets = A.TARGET_GENES.read_if_exists(Path(out) / A.TRAIN)
        if data_genes is not None and not _gene_mask(data_genes, key).any():
            raise KgexprError(f"{gene} is not a gene of this run's expression data ({len(data_genes)} genes); "
                              f"{out} has {eg}")
        if targets is not None and _gene_mask(targets, key).any():
            raise KgexprError(f"{gene} was modelled in {out}, but its stage 2 learned no associations ({eg})")
        raise KgexprError(f"{gene} is not among the modelled genes of {out} ({eg}); re-run with "
                          f"--include-genes {key} to model it (or --genes 0 for every landmark gene)")
    agg = (hits.groupby(["target", "target_symbol"], as_index=False)
           .agg(weight=("weight", "mean"), models=("feature_set", lambda x: ",".join(sorted(set(x)))))
           .sort_values("weight", ascending=False).head(top))
    demo = A.run_is_demo(out)
    echo_result(f"{hits['source_symbol'].iloc[0]}: genes whose predicted expression most improves its model "
                "(stage-2 importance, mean over models)", demo)
    for i, r in enumerate(agg.itertuples(), 1):
        echo_result(f"  {i}. {r.target_symbol:<10} Entrez {r.target:<8} importance {r.weight:.4f}  [{r.models}]", demo)


@main.command("report", help="Write summary.md and report.html for a run directory.")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=False)
@click.option("--out", "out", type=click.Path(path_type=Path), default=None, help="Same as RUN_DIR.")
@reports_errors
def report_cmd(run_dir, out):
    from kgexpr.report import write_report

    root = run_dir or out or D("out")
    with RunDir(root).locked():
        md, page = write_report(root)
    click.echo(f"report: {page}\nsummary: {md}")


@_stage_command("run", "Run every stage: load, features, train, evaluate, explain, deploy, report.")
def run_cmd(**kw):
    from kgexpr.progress import console
    from kgexpr.report import write_report
    from kgexpr.stages import run_all

    t0 = time.time()
    s = settings_from(kw)
    genes = "every landmark gene" if not s.learner.n_genes else f"a seeded choice of {s.learner.n_genes} landmark genes"
    with RunDir(s.out).locked() as run:  # an unwritable --out is one line before the banner
        console.print(
            ("SIMULATED demo data (not biology): " if _on_demo_data(s) else "")
            + f"kgexpr run -> {s.out}  ({genes}, learner {s.learner.learner}, {s.learner.n_trees} trees, "
            f"features {','.join(s.features.methods)}, splits {','.join(s.evaluation.splits)}; the train stage says how many genes "
            "and samples the data gives)"
        )
        run_all(s, run)
        md, page = write_report(s.out)
    click.echo(md.read_text())
    click.echo(f"summary: {md}\nreport:  {page}\n(total {time.time() - t0:.0f} s)")


@main.command("predict", help="Predict signatures for compounds from a run's deployable models: a TSV with one row "
                              "per compound and one column per Entrez gene id, in the input expression's units.")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--drugs", "drugs", default="", metavar="ID[,ID...]",
              help="Drug node ids (DrugBank DB..., LINCS BRD-..., KEGG D...) or perturbagen ids of the run's data.")
@click.option("--drugs-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="TSV/CSV with columns id, smiles, targets: compounds outside the graph get a Drug node linked "
                   "to their targets (gene symbols or Entrez ids).")
@click.option("--model", default=None, help="A model of the run (baseline, a feature set, stacking, "
                                            "stacking-weighted); default: the best by the run's evaluation.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The TSV to write.")
@click.option("--dose", "dose_um", type=float, default=None, help="Dose (µM) for per-dose data (default: the most common).")
@click.option("--time", "time_h", type=float, default=None, help="Time (h) for per-dose data (default: the most common).")
@click.option("--cell-line", default=None, help="Cell line, when the run modelled several.")
@click.option("--top", "top", type=int, default=0, help="Also print each compound's K most up- and down-regulated genes.")
@reports_errors
def predict_cmd(run_dir, drugs, drugs_file, model, out, dose_um, time_h, cell_line, top):
    from kgexpr.predict import predict, top_genes, write_tsv

    if top < 0:
        raise KgexprError(f"--top {top}: 0 or more")
    ids = list(_split_names(drugs))
    result = predict(run_dir, ids, drugs_file, model, dose_um=dose_um, time_h=time_h, cell_line=cell_line,
                     progress=lambda line: click.echo(line, err=True))
    demo = A.run_is_demo(run_dir)
    path = write_tsv(result.table, out, demo)
    for note in result.notes:
        echo_result(f"predict: {note}", demo, err=True)
    if top:
        genes = A.TARGET_GENES.read(Path(run_dir) / A.TRAIN)
        for line in top_genes(result.table, dict(zip(genes["entrez_id"], genes["symbol"])), top):
            echo_result(line, demo)
    echo_result(f"predict: {len(result.table)} compounds x {result.table.shape[1]} genes ({result.model}) -> {path}",
                demo)


@main.command("data", help="List what the data directory holds, per role, and every expression set in it "
                           "(files, sizes, signatures, compounds, cell lines).")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Data directory (default $KGEXPR_DATA, else ../shared/data).")
@reports_errors
def data_cmd(data_dir):
    from kgexpr.sources.catalog import DataCatalog, resolve_data_dir
    from kgexpr.sources.expression_sets import describe_sets

    root = resolve_data_dir(data_dir)
    if root is None or not root.is_dir():
        demo = Path(D("out")) / A.DEMO_DATA
        hint = (f"the SIMULATED demo data of the default run is in {demo} ('kgexpr data --data-dir {demo}' lists it)"
                if demo.is_dir() else "'kgexpr run --demo' writes simulated data into RUN_DIR/" + A.DEMO_DATA)
        raise KgexprError(f"no data directory ({data_dir or '$KGEXPR_DATA or ../shared/data'}); "
                          f"'kgexpr fetch DEST' downloads the sources; {hint}")
    catalog = DataCatalog(root)
    for line in catalog.describe():
        click.echo(line)
    sets = catalog.expression_sets
    click.echo(f"expression sets ({len(sets)}):")
    for line in describe_sets(sets):
        click.echo(line)


@main.command("fetch", help="Download the official source files (KEGG REST, LINCS GEO GSE92742/GSE70138, CMap LINCS 2020, "
                            "NCBI, Repurposing Hub) into DEST.")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--source", "sources", multiple=True, help="Only these sources (repeatable); default: all but the level-5 matrices (6-33 GB) and the "
                   "GSE70138 / CLUE 2020 releases, fetched only when named (a level-5 name brings its metadata).")
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
