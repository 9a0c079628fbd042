"""Assemble summary.md and a self-contained report.html from a run directory's artifacts."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from kgexpr import artifacts as A
from kgexpr.errors import KgexprError
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


def signature_lines(summary: dict, order: list[str]) -> list[str]:
    """The field's metrics of one split (per-signature Pearson, precision@k) and Pearson by similarity to training."""
    pearson = summary.get("median_signature_pearson")
    if not pearson:
        return []
    k, up, down = summary.get("k"), summary.get("precision_up_at_k", {}), summary.get("precision_down_at_k", {})
    out = ["", f"Per signature (the field's metrics: DeepCE, CIGER): Pearson of each held-out compound's predicted and "
               f"measured signature over the modelled genes, and the share of its {k} most up- and down-regulated "
               "genes that the prediction also ranks there.", "",
           f"| model | median per-signature Pearson | precision@{k} up | precision@{k} down |", "|---|---|---|---|"]
    out += [f"| {m} | {pearson[m]:.3f} | {up.get(m, float('nan')):.3f} | {down.get(m, float('nan')):.3f} |"
            for m in order if m in pearson]
    bins = summary.get("by_similarity", {})
    if bins:
        shown = [m for m in order if any(m in b["median_signature_pearson"] for b in bins.values())]
        out += ["", "Median per-signature Pearson by the held-out compound's largest Tanimoto similarity (ECFP4) to a "
                    "training compound:", "",
                "| similarity | compounds | " + " | ".join(shown) + " |", "|---|---|" + "---|" * len(shown)]
        for label, b in bins.items():
            vals = b["median_signature_pearson"]
            out.append(f"| {label} | {b['compounds']} | "
                       + " | ".join(f"{vals[m]:.3f}" if m in vals else "" for m in shown) + " |")
    return out


def write_report(run_root: str | Path) -> tuple[Path, Path]:
    root = Path(run_root)
    ev = root / A.EVALUATE
    if not A.METRICS.exists(ev):
        raise KgexprError(f"{root} has no evaluation yet (run 'kgexpr evaluate --out {root}' first)")
    load = A.LOAD_SUMMARY.read_if_exists(root / A.LOAD, {})
    train_m = _manifest(root, A.TRAIN)
    feats_m = _manifest(root, A.FEATURES)
    metrics = A.METRICS.read(ev)
    pairs_all = A.PAIRWISE.read(ev)
    wins_all = A.WINS.read(ev)
    summary_all = A.EVALUATION_SUMMARY.read_if_exists(ev, {})
    assoc = A.ASSOCIATIONS.read_if_exists(root / A.EXPLAIN, pd.DataFrame())

    demo = bool(load.get("demo"))
    md: list[str] = ["# kgexpr run report", ""]
    if demo:
        md += [f"> **{DEMO_BANNER}**", ""]
    md += [
        "## Data",
        f"- data directory: `{load.get('data_dir')}` ({'simulated demo' if demo else 'real public data'})",
        f"- expression set: **{load.get('expression_set', '?')}** (`{load.get('expression')}`), "
        + ("consensus signatures pooled over cell lines, doses and times, "
           if load.get("kind") == "consensus" else f"cell line {load.get('cell_line')}, ")
        + f"{load.get('samples')} of {load.get('file_signatures', load.get('samples'))} signatures, "
        f"{load.get('perturbagens')} perturbagens, {load.get('genes')} landmark genes, "
        f"targets scaled per gene by {load.get('scaling', 'minmax')}",
    ]
    md += [f"- load: {note}" for note in load.get("notes", [])]
    t_info = train_m.get("info", {})
    if load.get("kind") == "consensus" and {"random", "drug"} & set(t_info.get("splits", [])):
        md.append("- one sample per compound: the drug split holds out compounds exactly as the random split does")
    structures = load.get("structures")
    if structures:
        md.append(f"- drug descriptors ({structures.get('kind')}): structure for {structures.get('parsed')} of "
                  f"{structures.get('compounds')} compounds; {structures.get('missing')} without one get zeros and "
                  "a missing flag. The baseline sees only these; every graph model sees them plus one feature set")
    if t_info.get("permute_features"):
        md.append("- **NEGATIVE CONTROL: graph features were permuted across drugs before training**")
    counts = load.get("counts", {})
    if counts:
        md.append("- graph: " + ", ".join(f"{k} {v}" for k, v in counts.items() if k != "ASSOCIATED_WITH"))
    rec = load.get("sources", {}).get("drug_reconciliation")
    if rec:
        md.append(f"- drugs: {rec['rows']} source rows merged into {rec['drugs']} compounds ({rec['joined_by_inchikey']} "
                  f"joins by InChIKey, {rec['joined_by_name']} by name, {rec['ambiguous_names']} names left ambiguous: "
                  "load/drug_merges.csv)")
    cov = load.get("sources", {}).get("expression_coverage")
    if cov:
        md.append(f"- coverage of the {cov['compounds']} profiled compounds: {cov['matched_to_a_source_drug']} matched to a "
                  f"source drug, {cov['with_targets']} with targets in the graph"
                  + (f", {structures.get('parsed')} with a structure" if structures else ""))
    match = load.get("sources", {}).get("perturbagen_matching")
    if match:
        md.append(f"- perturbagens matched to drug annotations: {match.get('n_matched')} of {match.get('n_total')}")
    t = t_info
    if t:
        md.append(
            f"- models: {t.get('genes')} target genes "
            f"({'all' if not t.get('n_genes_asked') else 'seeded random choice'}), {t.get('learner')} with "
            f"{t.get('n_trees')} trees, {t.get('targets_per_model', 1)} gene(s) per model, two-stage MTRS, "
            f"splits {', '.join(t.get('splits', []))}, seed {t.get('seed')}"
        )
    if feats_m.get("info"):
        md.append(f"- feature graph: {feats_m['info'].get('nodes')} nodes, {feats_m['info'].get('edges')} undirected edges")
    md.append("")

    figures: list[tuple[str, bytes]] = []
    final = metrics[metrics["stage"] == "final"]
    from kgexpr.evaluate import headline_column
    from kgexpr.learn.learners import REFERENCE_FOREST, REFERENCE_MODEL

    headline = headline_column(metrics)
    scaled_units = load.get("scaling", "minmax") not in ("minmax", "none") and headline != "r2"
    for split, df in final.groupby("split", sort=False):
        wide = df.pivot(index="entrez_id", columns="model", values=headline)
        # the evaluation's order (controls last); wins list the real models only
        order = list(summary_all.get(split, {}).get("median_r2")
                     or dict.fromkeys(wins_all.loc[wins_all["split"] == split, "model"]))
        wide = wide[[m for m in order if m in wide.columns]]
        wins = wins_all[wins_all["split"] == split].set_index("model")["wins"]
        pairs_split = pairs_all[pairs_all["split"] == split]
        against = against_labels(pairs_split)
        pairs, vs_ref, vs_ctrl = (pairs_split[against == label] for label in AGAINST)
        scaled = df.pivot(index="entrez_id", columns="model", values="r2") if scaled_units else None
        head = ("| model | median R² | mean R² | best on genes | beats the reference forest on genes |"
                + (" median R², scaled units |" if scaled is not None else ""))
        folds = t_info.get("folds", {}).get(split, 1)
        what = {"cv": f"{folds}-fold cross-validation over compounds: every compound predicted once, unseen in "
                      "training; R² per gene over all out-of-fold predictions",
                "drug": "held-out drugs, unseen in training", "random": "random held-out samples, as the paper"}
        ref_wins = vs_ref.set_index("model")["wins"] if len(vs_ref) else pd.Series(dtype=int)
        md += [f"## {split} split", "", what.get(split, split) + "; R² in the input's units", "", head,
               "|---|---|---|---|---|" + ("---|" if scaled is not None else "")]
        for m in wide.columns:
            beats = "—" if m == REFERENCE_MODEL or m not in ref_wins else f"{int(ref_wins[m])} of {int(wide[m].notna().sum())}"
            md.append(f"| {m} | {wide[m].median():.3f} | {wide[m].mean():.3f} | {int(wins.get(m, 0))} | {beats} |"
                      + (f" {scaled[m].median():.3f} |" if scaled is not None else ""))
        if REFERENCE_MODEL in wide.columns:
            forest = ", ".join(f"{k}={v}" for k, v in REFERENCE_FOREST.items())
            md += ["", f"{REFERENCE_MODEL}: scikit-learn's RandomForestRegressor({forest}), one multi-output forest "
                       "for all genes on the baseline's inputs (structure only), trained on the same targets: the "
                       "check a reviewer runs first."]
            baseline_vs = vs_ref[vs_ref["model"] == "baseline"]
            if len(baseline_vs) and float(baseline_vs["median_diff"].iloc[0]) < 0:
                md.append(f"**kgexpr's baseline is less accurate than the reference forest on this split** "
                          f"(median R² {wide['baseline'].median():.3f} against {wide[REFERENCE_MODEL].median():.3f}).")
        if scaled is not None:
            md += ["", f"The last column is on the {load.get('scaling')}-scaled targets the models learnt from."]
        md += signature_lines(summary_all.get(split, {}), list(wide.columns))
        md += ["", *[f"- {line}" for line in verdict_lines(pairs)],
               *[f"- {line}" for line in verdict_lines(vs_ref, AGAINST[1])],
               *[f"- {line}" for line in verdict_lines(vs_ctrl, AGAINST[2])], ""]
        if len(vs_ctrl):
            md += ["A graph model's gain over the baseline counts only where it also beats its control: the same model "
                   "trained on graph features permuted across drugs (`<model>-permuted`; the stackings' controls "
                   "stack those).", ""]
        elif len(pairs) and not t_info.get("permute_features"):
            md += ["**No permuted-graph controls in this run**: a graph model's gain over the baseline is not yet "
                   "tested against the same model on permuted graph features (`kgexpr run --graph-control`).", ""]
        figures += [
            (f"{split}: best model per gene (paper Fig. 2)", plots.wins_bar(wins.reindex(wide.columns).fillna(0), f"{split} split: wins")),
            (f"{split}: pairwise vs baseline (paper Fig. 3)", plots.pairwise_bar(pairs, f"{split} split: vs baseline")),
            (f"{split}: R² per model", plots.r2_boxes(wide, f"{split} split: test R² per gene (input units)")),
        ]
        if "stacking" in wide.columns:
            figures.append((f"{split}: baseline vs stacking", plots.scatter_vs(wide, "baseline", "stacking", split)))

    if len(assoc):
        md += ["## Learned gene associations (stage-2 importance, top 5 per gene, mean over the models)", ""]
        agg = (assoc.groupby(["source_symbol", "target_symbol"], as_index=False)["weight"].mean()
               .sort_values(["source_symbol", "weight"], ascending=[True, False]))
        shown = 0
        for src, g in agg.groupby("source_symbol", sort=True):
            md.append(f"- {src}: " + ", ".join(f"{t} ({w:.3f})" for t, w in zip(g["target_symbol"].head(5), g["weight"].head(5))))
            shown += 1
            if shown >= 15:
                md.append(f"- … {agg['source_symbol'].nunique() - shown} more genes in "
                          f"{A.EXPLAIN}/{A.ASSOCIATIONS_CSV.filename}")
                break
        md.append("")

    deploy = A.DEPLOY_INFO.read_if_exists(root / A.DEPLOY)
    if deploy:
        if deploy.get("skipped"):
            md += ["## Deployable models", "", f"not fitted ({deploy['skipped']})", ""]
        else:
            md += ["## Deployable models", "",
                   f"{len(deploy['models'])} models refitted on all {deploy.get('samples')} samples "
                   f"({sum(deploy.get('bytes', {}).values()) / 1e6:.0f} MB in {A.DEPLOY}/): "
                   f"`kgexpr predict {root} --drugs ID[,ID...] --out predictions.tsv`", ""]

    md += ["## Stage timings", ""]
    for stage in A.STAGE_ORDER:
        m = _manifest(root, stage)
        if m:
            secs = m.get("info", {}).get("fit_seconds_this_session", m.get("seconds"))
            md.append(f"- {stage}: {secs} s")
    md_text = "\n".join(md) + "\n"
    md_path = A.SUMMARY_MD.write(root, md_text)

    body = [f"<pre style='white-space:pre-wrap'>{html.escape(md_text)}</pre>"]
    for title, png in figures:
        b64 = base64.b64encode(png).decode()
        body.append(f"<figure><img alt='{html.escape(title)}' src='data:image/png;base64,{b64}'/><figcaption>{html.escape(title)}</figcaption></figure>")
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>kgexpr report</title>"
        "<style>body{font-family:sans-serif;max-width:900px;margin:2em auto}figure{margin:1.5em 0}</style></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )
    html_path = A.REPORT_HTML.write(root, page)
    return md_path, html_path
