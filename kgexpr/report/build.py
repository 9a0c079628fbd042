"""Assemble summary.md and a self-contained report.html from a run directory's artifacts.

Both come from the same cells: each table is built once as text and written as Markdown
(summary.md, for a terminal or a lab notebook) and as HTML (report.html, a Jinja2 template
with the figures inline as base64 PNG, so the page opens anywhere without a network).
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kgexpr import artifacts as A
from kgexpr.errors import KgexprError
from kgexpr.graph.schema import ASSOCIATED_WITH
from kgexpr.report import plots

DEMO_BANNER = "SIMULATED demo data: these numbers test the software, they are not biology."


def _manifest(root: Path, stage: str) -> dict:
    return A.manifest_of(stage).read_if_exists(root / stage, {})


def _fmt_p(p: float) -> str:
    if p != p:  # NaN
        return "n/a"
    return f"{p:.2g}" if p >= 1e-3 else f"{p:.1e}"


def verdict_lines(pairs: pd.DataFrame, against: str = "baseline") -> list[str]:
    """'model beats baseline on N of M genes, p = ...' for every model."""
    return [
        f"{r.model} beats {against} on {r.wins} of {r.genes} genes ({against} better on {r.losses}), "
        f"Wilcoxon p = {_fmt_p(r.wilcoxon_p)}"
        for r in pairs.itertuples()
    ]


#: what a row of pairwise_vs_baseline.csv tests a model against, by its ``reference`` column
AGAINST = ("baseline", "the reference forest", "its permuted-graph control")


def against_labels(pairs: pd.DataFrame) -> pd.Series:
    """Each pairwise row's label from :data:`AGAINST` (files from before the reference column: the baseline)."""
    from kgexpr.features.design import is_control
    from kgexpr.learn.learners import REFERENCE_MODEL

    if "reference" not in pairs:
        return pd.Series(AGAINST[0], index=pairs.index)
    ref = pairs["reference"].astype(str)
    return ref.map(lambda r: AGAINST[2] if is_control(r) else AGAINST[1] if r == REFERENCE_MODEL else AGAINST[0])


@dataclass
class Table:
    """A table as text cells: written once, shown as Markdown in summary.md and as HTML in report.html."""

    header: list[str]
    rows: list[list[str]]
    sortable: bool = False  # the page lets a reader sort it by a column (long tables)

    def markdown(self) -> list[str]:
        return ["| " + " | ".join(self.header) + " |", "|" + "---|" * len(self.header),
                *("| " + " | ".join(r) + " |" for r in self.rows)]


def signature_tables(summary: dict, order: list[str]) -> list[tuple[str, Table]]:
    """(introduction, table) of one split's per-signature metrics and of Pearson by similarity to training."""
    pearson = summary.get("median_signature_pearson")
    if not pearson:
        return []
    k, up, down = summary.get("k"), summary.get("precision_up_at_k", {}), summary.get("precision_down_at_k", {})
    out = [(f"Per signature (the field's metrics: DeepCE, CIGER): Pearson of each held-out compound's predicted and "
            f"measured signature over the modelled genes, and the share of its {k} most up- and down-regulated "
            "genes that the prediction also ranks there.",
            Table(["model", "median per-signature Pearson", f"precision@{k} up", f"precision@{k} down"],
                  [[m, f"{pearson[m]:.3f}", f"{up.get(m, float('nan')):.3f}", f"{down.get(m, float('nan')):.3f}"]
                   for m in order if m in pearson], sortable=True))]
    bins = summary.get("by_similarity", {})
    if bins:
        shown = [m for m in order if any(m in b["median_signature_pearson"] for b in bins.values())]
        rows = [[label, str(b["compounds"]),
                 *(f"{b['median_signature_pearson'][m]:.3f}" if m in b["median_signature_pearson"] else ""
                   for m in shown)] for label, b in bins.items()]
        out.append(("Median per-signature Pearson by the held-out compound's largest Tanimoto similarity (ECFP4) to a "
                    "training compound:", Table(["similarity", "compounds", *shown], rows)))
    return out


def signature_lines(summary: dict, order: list[str]) -> list[str]:
    """The field's metrics of one split (per-signature Pearson, precision@k) and Pearson by similarity to training."""
    out: list[str] = []
    for intro, table in signature_tables(summary, order):
        out += ["", intro, "", *table.markdown()]
    return out


def _best_model(medians: dict) -> str | None:
    """The model a reader would deploy: the best median R² among kgexpr's models (no comparator, no control)."""
    from kgexpr.evaluate import COMPARATORS
    from kgexpr.features.design import is_control

    usable = {m: v for m, v in medians.items() if m not in COMPARATORS and not is_control(m) and v == v}
    return max(usable, key=usable.get) if usable else None


def headline(split: str, wide: pd.DataFrame, pairs: pd.DataFrame, what: str) -> str | None:
    """The run's result in one sentence with its numbers: the best model against the baseline and the reference."""
    from kgexpr.evaluate import BASELINE
    from kgexpr.learn.learners import REFERENCE_MODEL

    medians = wide.median().to_dict()
    best = _best_model(medians)
    if best is None:
        return None
    n = int(wide[best].notna().sum())
    text = f"On the {split} split ({what}), **{best}** has the best median R² per gene, {medians[best]:.3f}"
    others = [f"{medians[m]:.3f} for {label}" for m, label in
              ((BASELINE, "the structure-only baseline"), (REFERENCE_MODEL, "the reference forest"))
              if m in medians and m != best]
    if others:
        text += " (input units), against " + " and ".join(others)
    row = pairs[pairs["model"] == best]
    if len(row):
        r = row.iloc[0]
        text += (f"; it beats the baseline on {int(r.wins)} of {int(r.genes)} genes "
                 f"(Wilcoxon p = {_fmt_p(float(r.wilcoxon_p))})")
    elif best == BASELINE:
        text += "; no graph model's median beats the baseline's"
    return text + f" (n = {n} genes)."


def model_legend(models: list[str], feature_sets: list[str]) -> list[tuple[str, str]]:
    """(model, what it is) for every model of the run, in the tables' order; controls once, as a family."""
    from kgexpr.evaluate import BASELINE, STACKING, STACKING_WEIGHTED
    from kgexpr.features.base import REGISTRY
    from kgexpr.features.design import CONTROL_SUFFIX, is_control
    from kgexpr.learn.learners import REFERENCE_FOREST, REFERENCE_MODEL
    from kgexpr.learn.naive import MEAN_MODEL, NEAREST_K, NEAREST_MODEL

    fixed = {
        BASELINE: "two-stage MTRS on the drug descriptors only (structure: ECFP4 fingerprint and physico-chemical "
                  "descriptors); every graph model is the same learner on these plus one graph feature set, so "
                  "beating it means the graph adds to the chemistry.",
        REFERENCE_MODEL: "scikit-learn's RandomForestRegressor("
                         + ", ".join(f"{k}={v}" for k, v in REFERENCE_FOREST.items())
                         + "), one multi-output forest on the baseline's inputs: the check a reviewer runs first.",
        MEAN_MODEL: "the training compounds' mean signature, the same for every compound: the field's floor.",
        NEAREST_MODEL: f"the mean signature of the {NEAREST_K} training compounds most similar by ECFP4 Tanimoto "
                       "(the training mean for a compound without a structure).",
        STACKING: "the plain average of the graph models' predictions (the paper's stacking; no weights learnt).",
        STACKING_WEIGHTED: "non-negative weights per gene over the graph models, fitted (NNLS) on their held-out "
                           "training predictions, so no test compound informs a weight; 'kgexpr predict' uses "
                           "the run's best model by default.",
    }
    out, controls = [], False
    for m in models:
        if is_control(m):
            controls = True
        elif m in fixed:
            out.append((m, fixed[m]))
        elif m in REGISTRY or m in feature_sets:
            method = REGISTRY.get(m)
            what = method.description if method and method.description else "a graph feature set"
            out.append((m, f"graph model: the baseline's descriptors plus the {m} feature set ({what})."))
    if controls:
        out.append((f"<model>{CONTROL_SUFFIX}", "a graph model (or a stacking of them) trained on graph features "
                    "permuted across drugs, each drug keeping its own descriptors: the model's own negative control."))
    return out


def _figure(title: str, png: bytes) -> dict:
    return {"figure": title, "src": "data:image/png;base64," + base64.b64encode(png).decode()}


def _render_page(context: dict) -> str:
    """report.html from templates/report.html.j2 (Jinja2, autoescaped), self-contained: no network."""
    from importlib import resources

    import jinja2

    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["inline"] = inline_markup
    env.tests["numeric"] = _numeric
    text = resources.files("kgexpr.report").joinpath("templates", "report.html.j2").read_text(encoding="utf-8")
    return env.from_string(text).render(**context)


def _numeric(cell: str) -> bool:
    """A cell that reads as a number ("0.141", "-0.002", "830 of 978", "1.6e-05"): right-aligned on the page."""
    head = str(cell).split(" ", 1)[0].replace("\u2212", "-")
    try:
        float(head)
    except ValueError:
        return False
    return True


def inline_markup(text: str):
    """The two inline marks the report's prose uses (**bold**, `code`) as HTML, everything else escaped."""
    import re

    from markupsafe import Markup

    out = html.escape(str(text), quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return Markup(out)


@dataclass
class RunFiles:
    """What the report reads from a run directory, read once."""

    root: Path
    load: dict
    train_info: dict
    features_info: dict
    metrics: pd.DataFrame
    pairs: pd.DataFrame
    wins: pd.DataFrame
    summary: dict
    associations: pd.DataFrame
    deploy: dict | None

    @classmethod
    def read(cls, root: Path) -> "RunFiles":
        ev = root / A.EVALUATE
        if not A.METRICS.exists(ev):
            raise KgexprError(f"{root} has no evaluation yet (run 'kgexpr evaluate --out {root}' first)")
        return cls(root=root, load=A.LOAD_SUMMARY.read_if_exists(root / A.LOAD, {}),
                   train_info=_manifest(root, A.TRAIN).get("info", {}),
                   features_info=_manifest(root, A.FEATURES).get("info") or {},
                   metrics=A.METRICS.read(ev), pairs=A.PAIRWISE.read(ev), wins=A.WINS.read(ev),
                   summary=A.EVALUATION_SUMMARY.read_if_exists(ev, {}),
                   associations=A.ASSOCIATIONS.read_if_exists(root / A.EXPLAIN, pd.DataFrame()),
                   deploy=A.DEPLOY_INFO.read_if_exists(root / A.DEPLOY))

    @property
    def demo(self) -> bool:
        return bool(self.load.get("demo"))


def data_facts(run: RunFiles) -> list[str]:
    """The report's first section: what data, graph and models the numbers come from."""
    load, t = run.load, run.train_info
    demo = run.demo
    facts = [
        f"data directory: `{load.get('data_dir')}` ({'simulated demo' if demo else 'real public data'})",
        f"expression set: **{load.get('expression_set', '?')}** (`{load.get('expression')}`), "
        + ("consensus signatures pooled over cell lines, doses and times, "
           if load.get("kind") == "consensus" else f"cell line {load.get('cell_line')}, ")
        + f"{load.get('samples')} of {load.get('file_signatures', load.get('samples'))} signatures, "
        f"{load.get('perturbagens')} perturbagens, {load.get('genes')} landmark genes, "
        f"targets scaled per gene by {load.get('scaling', 'minmax')}",
    ]
    facts += [f"load: {note}" for note in load.get("notes", [])]
    if load.get("kind") == "consensus" and {"random", "drug"} & set(t.get("splits", [])):
        facts.append("one sample per compound: the drug split holds out compounds exactly as the random split does")
    structures = load.get("structures")
    if structures:
        facts.append(f"drug descriptors ({structures.get('kind')}): structure for {structures.get('parsed')} of "
                     f"{structures.get('compounds')} compounds; {structures.get('missing')} without one get zeros and "
                     "a missing flag. The baseline sees only these; every graph model sees them plus one feature set")
    if t.get("permute_features"):
        facts.append("**NEGATIVE CONTROL: graph features were permuted across drugs before training**")
    counts = load.get("counts", {})
    if counts:
        facts.append("graph: " + ", ".join(f"{k} {v}" for k, v in counts.items() if k != ASSOCIATED_WITH))
    sources = load.get("sources", {})
    rec = sources.get("drug_reconciliation")
    if rec:
        facts.append(f"drugs: {rec['rows']} source rows merged into {rec['drugs']} compounds ({rec['joined_by_inchikey']} "
                     f"joins by InChIKey, {rec['joined_by_name']} by name, {rec['ambiguous_names']} names left ambiguous: "
                     "load/drug_merges.csv)")
    cov = sources.get("expression_coverage")
    if cov:
        facts.append(f"coverage of the {cov['compounds']} profiled compounds: {cov['matched_to_a_source_drug']} matched "
                     f"to a source drug, {cov['with_targets']} with targets in the graph"
                     + (f", {structures.get('parsed')} with a structure" if structures else ""))
    match = sources.get("perturbagen_matching")
    if match:
        facts.append(f"perturbagens matched to drug annotations: {match.get('n_matched')} of {match.get('n_total')}")
    if t:
        facts.append(
            f"models: {t.get('genes')} target genes "
            f"({'all' if not t.get('n_genes_asked') else 'seeded random choice'}), {t.get('learner')} with "
            f"{t.get('n_trees')} trees, {t.get('targets_per_model', 1)} gene(s) per model, two-stage MTRS, "
            f"splits {', '.join(t.get('splits', []))}, seed {t.get('seed')}"
        )
    if run.features_info:
        facts.append(f"feature graph: {run.features_info.get('nodes')} nodes, "
                     f"{run.features_info.get('edges')} undirected edges")
    return facts


@dataclass
class Units:
    """Which R² the report leads with, and what its units are called."""

    column: str  # the metrics column of the headline R²
    scaled: bool  # also show R² on the scaled targets the models learnt from
    name: str
    scaling: str


def report_units(run: RunFiles) -> Units:
    from kgexpr.evaluate import headline_column

    column = headline_column(run.metrics)
    scaling = run.load.get("scaling", "minmax")
    plain = scaling in ("minmax", "none")
    name = "input units" if column == "r2_original" or plain else f"{scaling}-scaled units"
    return Units(column, not plain and column != "r2", name, scaling)


@dataclass
class SplitSection:
    markdown: list[str]
    html: dict
    headline: str | None
    models: list[str]


def _r2_table(wide: pd.DataFrame, wins: pd.Series, vs_ref: pd.DataFrame, scaled: pd.DataFrame | None) -> Table:
    from kgexpr.learn.learners import REFERENCE_MODEL

    ref_wins = vs_ref.set_index("model")["wins"] if len(vs_ref) else pd.Series(dtype=int)
    rows = []
    for m in wide.columns:
        beats = "—" if m == REFERENCE_MODEL or m not in ref_wins else f"{int(ref_wins[m])} of {int(wide[m].notna().sum())}"
        rows.append([m, f"{wide[m].median():.3f}", f"{wide[m].mean():.3f}", str(int(wins.get(m, 0))), beats]
                    + ([f"{scaled[m].median():.3f}"] if scaled is not None else []))
    return Table(["model", "median R²", "mean R²", "best on genes", "beats the reference forest on genes"]
                 + (["median R², scaled units"] if scaled is not None else []), rows, sortable=True)


def _r2_notes(wide: pd.DataFrame, vs_ref: pd.DataFrame, units: Units) -> list[tuple[str, bool]]:
    """What the R² table's reader must know: the reference forest, whether the baseline loses to it, the units.
    Each note comes with whether summary.md starts a new paragraph for it (the warning follows its note)."""
    from kgexpr.learn.learners import REFERENCE_FOREST, REFERENCE_MODEL

    notes: list[tuple[str, bool]] = []
    if REFERENCE_MODEL in wide.columns:
        forest = ", ".join(f"{k}={v}" for k, v in REFERENCE_FOREST.items())
        notes.append((f"{REFERENCE_MODEL}: scikit-learn's RandomForestRegressor({forest}), one multi-output forest "
                      "for all genes on the baseline's inputs (structure only), trained on the same targets: the "
                      "check a reviewer runs first.", True))
        baseline_vs = vs_ref[vs_ref["model"] == "baseline"]
        if len(baseline_vs) and float(baseline_vs["median_diff"].iloc[0]) < 0:
            notes.append((f"**kgexpr's baseline is less accurate than the reference forest on this split** "
                          f"(median R² {wide['baseline'].median():.3f} against "
                          f"{wide[REFERENCE_MODEL].median():.3f}).", False))
    if units.scaled:
        notes.append((f"The last column is on the {units.scaling}-scaled targets the models learnt from.", True))
    return notes


def _tests_table(pairs: pd.DataFrame, vs_ref: pd.DataFrame, vs_ctrl: pd.DataFrame) -> Table | None:
    tests = pd.concat([part.assign(against=label) for part, label in zip((pairs, vs_ref, vs_ctrl), AGAINST)])
    if not len(tests):
        return None
    return Table(["model", "against", "model better on genes", "other better on genes", "genes", "Wilcoxon p"],
                 [[r.model, r.against, str(int(r.wins)), str(int(r.losses)), str(int(r.genes)),
                   _fmt_p(float(r.wilcoxon_p))] for r in tests.itertuples()], sortable=True)


def _control_note(pairs: pd.DataFrame, vs_ctrl: pd.DataFrame, permuted_run: bool) -> str | None:
    if len(vs_ctrl):
        return ("A graph model's gain over the baseline counts only where it also beats its control: the same model "
                "trained on graph features permuted across drugs (`<model>-permuted`; the stackings' controls "
                "stack those).")
    if len(pairs) and not permuted_run:
        return ("**No permuted-graph controls in this run**: a graph model's gain over the baseline is not yet "
                "tested against the same model on permuted graph features (`kgexpr run --graph-control`).")
    return None


def _split_figures(split: str, wide: pd.DataFrame, wins: pd.Series, pairs: pd.DataFrame, units: Units,
                   demo: bool) -> list[dict]:
    n_genes = len(wide)
    kind = "out-of-fold" if split == "cv" else "test"
    best = _best_model(wide.median().to_dict())
    figures = [
        _figure(f"{split}: best model per gene (paper Fig. 2)",
                plots.wins_bar(wins.reindex(wide.columns).fillna(0), f"{split} split: genes where each model is best",
                               n_genes, demo)),
        _figure(f"{split}: pairwise vs baseline (paper Fig. 3)",
                plots.pairwise_bar(pairs, f"{split} split: each model vs the baseline", demo)),
        _figure(f"{split}: R² per model",
                plots.r2_boxes(wide, f"{split} split: {kind} R² per gene", f"R² per gene ({units.name})", demo)),
    ]
    if best and best != "baseline" and "baseline" in wide.columns:
        figures.append(_figure(f"{split}: baseline vs {best} (the best model)",
                               plots.scatter_vs(wide, "baseline", best, f"{split} split: {kind} R²", units.name, demo)))
    return figures


def split_section(run: RunFiles, split: str, df: pd.DataFrame, units: Units) -> SplitSection:
    """One split's R² table, per-signature metrics, tests, notes and figures, as Markdown and as page blocks."""
    wide = df.pivot(index="entrez_id", columns="model", values=units.column)
    # the evaluation's order (controls last); wins list the real models only
    summary = run.summary.get(split, {})
    order = list(summary.get("median_r2") or dict.fromkeys(run.wins.loc[run.wins["split"] == split, "model"]))
    wide = wide[[m for m in order if m in wide.columns]]
    wins = run.wins[run.wins["split"] == split].set_index("model")["wins"]
    pairs_split = run.pairs[run.pairs["split"] == split]
    against = against_labels(pairs_split)
    pairs, vs_ref, vs_ctrl = (pairs_split[against == label] for label in AGAINST)
    scaled = df.pivot(index="entrez_id", columns="model", values="r2") if units.scaled else None
    folds = run.train_info.get("folds", {}).get(split, 1)
    what = {"cv": f"{folds}-fold cross-validation over compounds: every compound predicted once, unseen in "
                  "training; R² per gene over all out-of-fold predictions",
            "drug": "held-out drugs, unseen in training", "random": "random held-out samples, as the paper"}
    short = {"cv": f"{folds}-fold cross-validation over {summary.get('test_samples', run.load.get('samples'))} compounds",
             "drug": "held-out drugs", "random": "random held-out samples"}
    table = _r2_table(wide, wins, vs_ref, scaled)
    intro = what.get(split, split) + "; R² in the input's units"
    notes = _r2_notes(wide, vs_ref, units)
    md = [f"## {split} split", "", intro, "", *table.markdown()]
    for note, paragraph in notes:
        md += ["", note] if paragraph else [note]
    blocks: list[dict] = [{"p": intro}, {"table": table}, *({"p": n} for n, _ in notes)]
    md += signature_lines(summary, list(wide.columns))
    for sig_intro, sig_table in signature_tables(summary, list(wide.columns)):
        blocks += [{"p": sig_intro}, {"table": sig_table}]
    md += ["", *[f"- {line}" for line in verdict_lines(pairs)],
           *[f"- {line}" for line in verdict_lines(vs_ref, AGAINST[1])],
           *[f"- {line}" for line in verdict_lines(vs_ctrl, AGAINST[2])], ""]
    tests = _tests_table(pairs, vs_ref, vs_ctrl)
    if tests is not None:
        blocks += [{"p": "Each model against the baseline, the reference forest and, where the run has them, its "
                         "own permuted-graph control: genes where each is better, and the Wilcoxon signed-rank "
                         "test over genes."}, {"table": tests}]
    note = _control_note(pairs, vs_ctrl, bool(run.train_info.get("permute_features")))
    if note:
        md += [note, ""]
        blocks.append({"p": note})
    blocks += _split_figures(split, wide, wins, pairs, units, run.demo)
    return SplitSection(md, {"title": f"{split} split", "id": f"split-{split}", "blocks": blocks},
                        headline(split, wide, pairs, short.get(split, split)), list(wide.columns))


def association_section(assoc: pd.DataFrame) -> tuple[list[str], dict | None]:
    """The learned gene associations: the first 15 genes in summary.md, all of them as a table on the page."""
    if not len(assoc):
        return [], None
    title = "Learned gene associations (stage-2 importance, top 5 per gene, mean over the models)"
    md = [f"## {title}", ""]
    agg = (assoc.groupby(["source_symbol", "target_symbol"], as_index=False)["weight"].mean()
           .sort_values(["source_symbol", "weight"], ascending=[True, False]))
    shown = 0
    rows = []
    for src, g in agg.groupby("source_symbol", sort=True):
        top = list(zip(g["target_symbol"].head(5), g["weight"].head(5)))
        rows.append([str(src), *(f"{tg} ({w:.3f})" for tg, w in top), *([""] * (5 - len(top)))])
        if shown < 15:
            md.append(f"- {src}: " + ", ".join(f"{tg} ({w:.3f})" for tg, w in top))
            shown += 1
            if shown >= 15 and agg["source_symbol"].nunique() > shown:
                md.append(f"- … {agg['source_symbol'].nunique() - shown} more genes in "
                          f"{A.EXPLAIN}/{A.ASSOCIATIONS_CSV.filename}")
    md.append("")
    return md, {"title": title, "csv": f"{A.EXPLAIN}/{A.ASSOCIATIONS_CSV.filename}",
                "table": Table(["gene", *(f"associated gene {i}" for i in range(1, 6))], rows, sortable=True)}


def deploy_text(run: RunFiles) -> str | None:
    deploy = run.deploy
    if not deploy:
        return None
    if deploy.get("skipped"):
        return f"not fitted ({deploy['skipped']})"
    return (f"{len(deploy['models'])} models refitted on all {deploy.get('samples')} samples "
            f"({sum(deploy.get('bytes', {}).values()) / 1e6:.0f} MB in {A.DEPLOY}/): "
            f"`kgexpr predict {run.root} --drugs ID[,ID...] --out predictions.tsv`")


def stage_timings(root: Path) -> list[list[str]]:
    rows = []
    for stage in A.STAGE_ORDER:
        m = _manifest(root, stage)
        if m:
            rows.append([stage, str(m.get("info", {}).get("fit_seconds_this_session", m.get("seconds")))])
    return rows


def write_report(run_root: str | Path) -> tuple[Path, Path]:
    """summary.md and report.html of a run directory; both state the same numbers from the same cells."""
    root = Path(run_root)
    run = RunFiles.read(root)
    md: list[str] = ["# kgexpr run report", ""]
    if run.demo:
        md += [f"> **{DEMO_BANNER}**", ""]
    facts = data_facts(run)
    md += ["## Data", *[f"- {f}" for f in facts], ""]
    units = report_units(run)
    final = run.metrics[run.metrics["stage"] == "final"]
    sections = [split_section(run, split, df, units) for split, df in final.groupby("split", sort=False)]
    all_models: list[str] = []
    for section in sections:
        md += section.markdown
        all_models += [m for m in section.models if m not in all_models]
    assoc_md, assoc_table = association_section(run.associations)
    md += assoc_md
    deployed = deploy_text(run)
    if deployed:
        md += ["## Deployable models", "", deployed, ""]
    timings = stage_timings(root)
    md += ["## Stage timings", "", *(f"- {stage}: {secs} s" for stage, secs in timings)]
    md_path = A.SUMMARY_MD.write(root, "\n".join(md) + "\n")
    page = _render_page({
        "demo": run.demo, "banner": DEMO_BANNER, "headlines": [s.headline for s in sections if s.headline],
        "facts": facts, "splits": [s.html for s in sections],
        "legend": model_legend(all_models, list(run.train_info.get("feature_sets", []))),
        "associations": assoc_table, "deploy": deployed,
        "timings": Table(["stage", "seconds"], timings) if timings else None,
        "summary_md": A.SUMMARY_MD.filename,
    })
    return md_path, A.REPORT_HTML.write(root, page)
