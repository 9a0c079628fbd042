"""Writing the simulated demo data set: one function per file kind, in the real sources' formats.

The KGML maps, the level-5 plate and the consensus signatures draw from the simulation's Generator
(positions, noise, orders), so the files are written in a fixed order.  GCT / GCTX go through the
writers next to their readers in :mod:`kgexpr.sources.gct`.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from kgexpr.sources import gct

from .constants import (
    _EPOCH_2000, _SUBTYPE_P, _SUBTYPES, AGONIST_TARGET_FRACTION, AMP_FACTOR, ATTACHMENT, COL_META,
    CONSENSUS_DIR, CONSENSUS_DOSE_UM, CONSENSUS_FILE, CONSENSUS_GENES, CONSENSUS_REPLICATES, DEMO_BANNER,
    DEMO_MARKER, DRUGGABLE_FRACTION, ENTREZ_BASE, EXTRA_EDGES, FEEDBACK, GENE_INFO_FORMAT_LINE, HUB_COLUMNS,
    HUB_PREFERENCE, LANDMARK_PATHWAY_WEIGHT, LEVEL5_DIR, LEVEL5_STEM, LOF_FACTOR, MODE_AGREEMENT, N_VEHICLE,
    OFF_TARGET_P, PATHWAY_NUMBER_BASE, PERT_NUMBER_BASE, PERTINFO_COLUMNS, PROPAGATION_GAMMA, PROPAGATION_STEPS,
    RESPONSE_EQUATION, SATURATION, SECONDARY_DRUGGABLE_P, UNTARGETED_FRACTION,
)
from .simulate import _consensus, _expression, _inchikey, _Sim


def _write_text(path: Path, text: str, *, newline: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline=newline) as fh:
        fh.write(text)


def _write_gz(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with gzip.GzipFile(filename=path.name[:-3] if path.name.endswith(".gz") else path.name,
                       mode="wb", fileobj=buf, mtime=0, compresslevel=6) as gz:
        gz.write(text.encode("utf-8"))
    path.write_bytes(buf.getvalue())


def _tsv(rows) -> str:
    return "".join("\t".join(str(v) for v in r) + "\n" for r in rows)


def _kgml(sim: _Sim, pw: dict, seed: int, rng: np.random.Generator) -> str:
    num = pw["number"]
    n_pw = len(sim.pathways)
    lines = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE pathway SYSTEM "https://www.kegg.jp/kegg/xml/KGML_v0.7.2_.dtd">',
        f"<!-- SIMULATED by kgexpr.demo (seed={seed}): not a KEGG map, not biology -->",
        f'<pathway name="path:hsa{num}" org="hsa" number="{num}"',
        f"         title={quoteattr(pw['title'])}>",
    ]
    for eid, genes in enumerate(pw["entries"], start=1):
        names = " ".join(f"hsa:{sim.entrez[g]}" for g in genes)
        g0 = genes[0]
        label = sim.symbols[g0] + (f", {sim.synonyms[g0]}" if sim.synonyms[g0] else "") + ("..." if len(genes) > 1 else "")
        x, y = int(rng.integers(50, 1200)), int(rng.integers(50, 900))
        lines += [
            f'    <entry id="{eid}" name="{names}" type="gene">',
            f"        <graphics name={quoteattr(label)} fgcolor=\"#000000\" bgcolor=\"#BFFFBF\"",
            f'             type="rectangle" x="{x}" y="{y}" width="46" height="17"/>',
            "    </entry>",
        ]
    m = len(pw["entries"])
    map_entries = [(m + 1, num, f"TITLE:{pw['title']}", 150, 58)]
    if n_pw > 1:
        other = PATHWAY_NUMBER_BASE + (num - PATHWAY_NUMBER_BASE) % n_pw + 1
        map_entries.append((m + 2, other, sim.pathways[other - PATHWAY_NUMBER_BASE - 1]["title"], 1100, 500))
    for eid, target, label, x, y in map_entries:
        lines += [
            f'    <entry id="{eid}" name="path:hsa{target}" type="map">',
            f"        <graphics name={quoteattr(label)} fgcolor=\"#000000\" bgcolor=\"#FFFFFF\"",
            f'             type="roundrectangle" x="{x}" y="{y}" width="200" height="25"/>',
            "    </entry>",
        ]
    for a, b, rtype, subs in pw["relations"]:
        lines.append(f'    <relation entry1="{a + 1}" entry2="{b + 1}" type="{rtype}">')
        for name, value in subs:
            lines.append(f"        <subtype name={quoteattr(name)} value={quoteattr(value)}/>")
        lines.append("    </relation>")
    lines.append("</pathway>")
    return "\n".join(lines) + "\n"




def _write_all(root: Path, sim: _Sim, rng: np.random.Generator, *, seed: int, params: dict, doses,
               cell_line: str, noise: float, n_level5_drugs: int) -> None:
    """Every file of the data directory under ``root``; the order of the calls is the order of the draws."""
    level5_drugs = sim.drugs[:n_level5_drugs]
    for pw in sim.pathways:
        _write_text(root / "kegg-kgml" / f"hsa{pw['number']}.xml", _kgml(sim, pw, seed, rng))
    _write_gene_ids(root, sim)
    _write_drug_tables(root, sim, len(doses), n_level5_drugs)
    _write_cell_line_alterations(root, sim)
    n_samples = _write_level5(root, sim, rng, level5_drugs, doses, cell_line, noise)
    # consensus signatures of every drug only when they cover more compounds than the plate (so a run
    # without --expression uses them), else the plate alone
    with_consensus = len(level5_drugs) < len(sim.drugs)
    n_consensus = _write_consensus(root, sim, rng, noise, seed) if with_consensus else 0
    n_rel = sum(len(p["relations"]) for p in sim.pathways)
    sizes = {"genes": len(sim.entrez), "landmarks": int(sim.landmark.sum()), "pathways": len(sim.pathways),
             "relations": n_rel, "drugs": len(sim.drugs), "druggable_genes": len(sim.druggable),
             "level5_drugs": len(level5_drugs), "level5_doses": len(doses), "level5_vehicles": N_VEHICLE,
             "level5_samples": n_samples, "consensus_compounds": n_consensus}
    truth = _truth(sim, seed=seed, params=params, sizes=sizes, noise=noise, n_level5_drugs=n_level5_drugs,
                   with_consensus=with_consensus)
    _write_text(root / "demo-truth" / "truth.json", json.dumps(truth, indent=1, sort_keys=True) + "\n")
    _write_text(root / DEMO_MARKER, _demo_text(sim, seed=seed, params=params, sizes=sizes, cell_line=cell_line,
                                               noise=noise, with_consensus=with_consensus))


def _write_gene_ids(root: Path, sim: _Sim) -> None:
    """LINCS gene info (landmark / BING flags) and NCBI Homo_sapiens.gene_info.gz."""
    lincs_rows = [("pr_gene_id", "pr_gene_symbol", "pr_gene_title", "pr_is_lm", "pr_is_bing")]
    ncbi_rows = []
    for i, (eid, sym) in enumerate(zip(sim.entrez, sim.symbols)):
        title = f"simulated gene {i + 1}"
        lincs_rows.append((eid, sym, title, int(sim.landmark[i]), int(sim.bing[i])))
        ncbi_rows.append((9606, eid, sym, "-", sim.synonyms[i] or "-", "-", sim.chrom[i], "-", title,
                          "protein-coding", sym, title, "O", "-", "20000101"))
    _write_text(root / "gene-ids" / "GSE92742_Broad_LINCS_gene_info.txt", _tsv(lincs_rows))
    _write_gz(root / "gene-ids" / "Homo_sapiens.gene_info.gz", GENE_INFO_FORMAT_LINE + "\n" + _tsv(ncbi_rows))


def _write_drug_tables(root: Path, sim: _Sim, n_doses: int, n_level5_drugs: int) -> None:
    """The Repurposing Hub export (targets and modes) and the LINCS pertinfo (structures, signature counts)."""
    hub = []
    pert = [PERTINFO_COLUMNS]
    for d in sim.drugs:
        smiles, formula, weight = d["smiles"]
        key = _inchikey(d["index"])
        k = len(d["sample_ids"])
        moa = ", ".join(f"{name} {'agonist' if sign > 0 else 'inhibitor'}" for name, sign in d["listed_as"])
        hub.append((d["name"], moa, ", ".join(name for name, _ in d["listed_as"]),
                    "simulated", "", ", ".join(["Simulated"] * k), f"{d['purity']:.2f}",
                    ", ".join(d["sample_ids"]), ", ".join([smiles] * k), ", ".join([key] * k), d["phase"], ""))
        n_sig = n_doses if d["index"] < n_level5_drugs else 0  # signatures in the level-5 plate
        pert.append((d["pert_id"], d["name"], "trt_cp", n_sig, 3 * n_sig, n_sig, "", "", "", formula,
                     f"{weight:.3f}", "Simulated", smiles, f"InChIKey={key}", ""))
    pert.append(("DMSO", "DMSO", "ctl_vehicle", 0, 3 * N_VEHICLE, N_VEHICLE, "", "", "", "", "", "", "", "", ""))
    hub.sort(key=lambda r: r[0])
    _write_text(root / "drug-targets-repurposing-hub" / "repurposing_hub_export.tsv", _tsv([HUB_COLUMNS, *hub]))
    _write_gz(root / "lincs-metadata" / "pertinfo.tsv.gz", _tsv(pert))


def _write_cell_line_alterations(root: Path, sim: _Sim) -> None:
    """GDSC-style cell-line alterations (quoted CSV with CRLF like the real file) and the cell-line list."""
    alt = [("COSMIC.ID", "IDENTIFIER", "GENE", "SAMPLE", "TISSUE.TYPE", "TYPE")]
    lines = [("NAME", "COSMIC", "TISSUE", "TISSUE_SUB_TYPE")]
    for cl in sim.cell_lines:
        for g in cl["mutated"]:
            alt.append((cl["cosmic"], sim.symbols[g], sim.symbols[g], cl["name"], cl["tcga"], "Point.mutation"))
        for g in cl["amplified"]:
            alt.append((cl["cosmic"], cl["cna_region"], sim.symbols[g], cl["name"], cl["tcga"], "Amplification"))
        alt.append((cl["cosmic"], cl["cna_region"], "", cl["name"], cl["tcga"], "Amplification"))
        g = cl["methylated"]
        alt.append((cl["cosmic"], f"chr{sim.chrom[g]}:{1000 * (g + 1)}-{1000 * (g + 1) + 640}", sim.symbols[g],
                    cl["name"], cl["tcga"], "Methylation"))
        lines.append((cl["name"], cl["cosmic"], cl["tissue"], cl["sub"]))
    csv_text = "".join(",".join(f'"{v}"' for v in r) + "\r\n" for r in alt)
    _write_gz(root / "cell-line-alterations-gdsc" / "omnibem_genomic_alterations.csv.gz", csv_text)
    lines[1:] = sorted(lines[1:], key=lambda r: r[0])
    _write_text(root / "cell-line-alterations-gdsc" / "cancer_cell_lines.csv",
                "".join(",".join(str(v) for v in r) + "\n" for r in lines))


def _write_level5(root: Path, sim: _Sim, rng: np.random.Generator, level5_drugs: list[dict], doses,
                  cell_line: str, noise: float) -> int:
    """Level-5 expression (landmarks only), GCTX + GCT with identical values; returns the number of samples."""
    rows, samples, values = _expression(rng, sim, level5_drugs, doses, cell_line, noise)
    row_ids = [str(sim.entrez[g]) for g in rows]
    row_meta = {"pr_gene_id": [str(sim.entrez[g]) for g in rows],
                "pr_gene_symbol": [sim.symbols[g] for g in rows],
                "pr_is_lm": [1] * len(rows)}
    col_ids = [s["id"] for s in samples]
    col_meta = {name: [s[name] for s in samples] for name in COL_META}
    gct.write_gctx(root / LEVEL5_DIR / f"{LEVEL5_STEM}.gctx", row_ids, row_meta, col_ids, col_meta, values)
    gct.write_gct(root / LEVEL5_DIR / f"{LEVEL5_STEM}.gct", row_ids, row_meta, col_ids, col_meta, values)
    return len(samples)


def _write_consensus(root: Path, sim: _Sim, rng: np.random.Generator, noise: float, seed: int) -> int:
    """Consensus signatures (dhimmel/lincs layout) of every drug, the landmark table and SOURCE.txt;
    returns the number of compounds."""
    cons_drugs, cons_genes, cons = _consensus(rng, sim, noise)
    header = ["perturbagen", *(str(sim.entrez[g]) for g in cons_genes)]
    body = [[d["pert_id"], *(f"{v:.3f}" for v in row)] for d, row in zip(cons_drugs, cons)]
    _write_gz(root / CONSENSUS_DIR / CONSENSUS_FILE, _tsv([header, *body]))
    by_symbol = sorted(np.flatnonzero(sim.landmark), key=lambda g: sim.symbols[g])
    _write_text(root / CONSENSUS_DIR / CONSENSUS_GENES,
                _tsv([("entrez_gene_id", "symbol"), *((sim.entrez[g], sim.symbols[g]) for g in by_symbol)]))
    _write_text(root / CONSENSUS_DIR / "SOURCE.txt", f"""SIMULATED consensus signatures (kgexpr.demo, seed={seed}): not biology, not LINCS data

WHAT
- {CONSENSUS_FILE}: {len(cons_drugs)} rows x {len(cons_genes)} columns (+ first column 'perturbagen'), the layout of
  dhimmel/lincs consensi-drugbank.tsv.gz. Rows: simulated compounds by pert_id (BRD-K9...; their targets
  are in ../drug-targets-repurposing-hub, their structures in ../lincs-metadata/pertinfo.tsv.gz).
  Columns: the simulated landmark genes by Entrez id (in text order). Values: the simulated response at
  {CONSENSUS_DOSE_UM:g} uM plus noise (the mean of {CONSENSUS_REPLICATES} replicates), 3 decimals; no cell line, dose or time.
- {CONSENSUS_GENES}: entrez_gene_id, symbol of the simulated landmark genes.
How they were simulated: ../DEMO.txt; ground truth: ../demo-truth/truth.json.
""")
    return len(cons_drugs)


def _truth(sim: _Sim, *, seed: int, params: dict, sizes: dict, noise: float, n_level5_drugs: int,
           with_consensus: bool) -> dict:
    """The ground truth of the simulation (demo-truth/truth.json)."""
    demo_cl = sim.cell_lines[0]
    return {
        "simulated": True, "seed": seed, "parameters": params, "sizes": sizes,
        "files": {"level5": f"{LEVEL5_DIR}/{LEVEL5_STEM}.gctx", "level5_text": f"{LEVEL5_DIR}/{LEVEL5_STEM}.gct",
                  **({"consensus": f"{CONSENSUS_DIR}/{CONSENSUS_FILE}",
                      "consensus_genes": f"{CONSENSUS_DIR}/{CONSENSUS_GENES}"} if with_consensus else {})},
        "model": _truth_model(noise),
        "cell_line": {"name": demo_cl["name"],
                      "loss_of_function": [int(sim.entrez[g]) for g in demo_cl["mutated"]],
                      "amplified": [int(sim.entrez[g]) for g in demo_cl["amplified"]]},
        "druggable": [{"entrez_id": int(sim.entrez[g]), "symbol": sim.symbols[g],
                       "usual_mode": "agonist" if m > 0 else "inhibitor"}
                      for g, m in zip(sim.druggable, sim.druggable_mode)],
        "landmarks": [{"entrez_id": int(sim.entrez[g]), "symbol": sim.symbols[g], "in_pathway": bool(sim.in_pathway[g]),
                       "responsiveness": round(float(sim.responsiveness[g]), 6)} for g in np.flatnonzero(sim.landmark)],
        "drugs": [{"pert_id": d["pert_id"], "name": d["name"], "in_level5": d["index"] < n_level5_drugs,
                   "ec50_um": round(d["ec50"], 6), "hill": round(d["hill"], 6), "tox": round(d["tox"], 6),
                   "targets": [{"entrez_id": int(sim.entrez[t["gene"]]), "symbol": sim.symbols[t["gene"]],
                                "sign": int(t["sign"]), "strength": round(t["strength"], 6), "listed": t["listed"]}
                               for t in d["targets"]]}
                  for d in sim.drugs],
    }


def _truth_model(noise: float) -> dict:
    """The simulation's equations and constants, as recorded in truth.json."""
    return {
        "response": RESPONSE_EQUATION,
        "propagation": "P = sum_{k=0..steps} gamma^k W^k, W = S^T + feedback * S (S[i, j]: sign of the relation "
                       "i -> j), columns of loss-of-function genes times loss_of_function_factor",
        "propagation_gamma": PROPAGATION_GAMMA, "propagation_steps": PROPAGATION_STEPS, "feedback": FEEDBACK,
        "loss_of_function_factor": LOF_FACTOR, "amplification_factor": AMP_FACTOR, "saturation": SATURATION,
        "occupancy": "d^hill / (d^hill + ec50^hill)", "tox_curve": "tox * d^2/(d^2+25)",
        "relation_subtype_probabilities": {name: p for (name, *_), p in zip(_SUBTYPES, _SUBTYPE_P)},
        "attachment": ATTACHMENT, "extra_edges": EXTRA_EDGES, "landmark_pathway_weight": LANDMARK_PATHWAY_WEIGHT,
        "druggable_fraction": DRUGGABLE_FRACTION, "hub_preference": HUB_PREFERENCE,
        "agonist_target_fraction": AGONIST_TARGET_FRACTION, "mode_agreement": MODE_AGREEMENT,
        "secondary_druggable_p": SECONDARY_DRUGGABLE_P, "untargeted_fraction": UNTARGETED_FRACTION,
        "off_target_p": OFF_TARGET_P, "n_vehicle": N_VEHICLE, "level5_noise_sd": noise,
        "consensus_dose_um": CONSENSUS_DOSE_UM, "consensus_replicates": CONSENSUS_REPLICATES,
        "consensus_noise_sd": round(noise / float(np.sqrt(CONSENSUS_REPLICATES)), 6),
    }


def _demo_text(sim: _Sim, *, seed: int, params: dict, sizes: dict, cell_line: str, noise: float,
               with_consensus: bool) -> str:
    """DEMO.txt: the label, what the directory holds and how it was simulated."""
    n_rel = sizes["relations"]
    n_doses = sizes["level5_doses"]
    cons_noise = noise / np.sqrt(CONSENSUS_REPLICATES)
    plate = (f"  {LEVEL5_DIR}/: SIMULATED level-5 plate of the {'first ' if with_consensus else ''}{sizes['level5_drugs']} "
             f"drugs x {n_doses} doses\n    + {N_VEHICLE} DMSO vehicle samples in {cell_line} ({sizes['level5_samples']} signatures"
             + (f"; --expression {LEVEL5_DIR}).\n" if with_consensus else "; what a run uses).\n"))
    sets = (f"  {CONSENSUS_DIR}/: SIMULATED consensus signatures of all {sizes['consensus_compounds']} drugs (one row each;\n"
            "    the set a run uses by default, having the most compounds);\n" if with_consensus else "") + plate
    text = f"""{DEMO_BANNER.upper()}

These data are SIMULATED by kgexpr.demo (kgexpr {_version()}); they are not biology.
Genes (SIMG*, Entrez ids {ENTREZ_BASE + 1}..), pathways (hsa{PATHWAY_NUMBER_BASE + 1}..), drugs (kgxsim-*,
pert_ids BRD-K{PERT_NUMBER_BASE + 1}..), cell lines and expression values are invented. The files only
copy the formats and folder layout of the real sources so the software can run anywhere.
Never report results computed from this directory as biological findings.

seed: {seed}
parameters: {json.dumps(params, sort_keys=True)}
contents: {sizes['genes']} genes ({sizes['landmarks']} landmarks in the expression matrices), {sizes['pathways']} pathways with
  {n_rel} relations, {sizes['drugs']} drugs ({sizes['druggable_genes']} druggable genes), {len(sim.cell_lines)} cell lines;
{sets}
Simulated biology (no structure-activity relationship: the SMILES are random and carry no signal):
- pathways are connected graphs of KGML relations grown by preferential attachment (hubs);
  activation/expression/indirect effect +1, inhibition/repression -1, binding/association 0.
- {sizes['druggable_genes']} druggable genes ({DRUGGABLE_FRACTION:.0%} of each pathway's genes, at least one; well-connected
  ones preferred), each with a usual mode of action (inhibited, or agonised for {AGONIST_TARGET_FRACTION:.0%} of them).
  Every drug's primary target is druggable; further listed targets are druggable with p={SECONDARY_DRUGGABLE_P};
  each target is acted on in its usual mode with p={MODE_AGREEMENT}. The Hub export lists the targets
  ("Target") and the mode per target ("MOA"), so the graph links each drug to its targets.
- realism kept small: {UNTARGETED_FRACTION:.0%} of the drugs list no target (they act on a hidden one), and a listed
  drug has a weak hidden off-target with p={OFF_TARGET_P}.
- target perturbation u0 = sum over targets of sign * strength (strength 1.5-3, off-targets 0.5-1),
  propagated {PROPAGATION_STEPS} steps: P = sum_k gamma^k W^k with gamma={PROPAGATION_GAMMA}, W = S^T + {FEEDBACK} * S
  (signal goes downstream along the signed relations, and {FEEDBACK} of it back upstream);
  point-mutated genes of {cell_line} pass on only {LOF_FACTOR} of their signal, amplified genes respond {AMP_FACTOR}x.
- response(drug, dose) = responsiveness * {SATURATION:g}*tanh(occ(dose) * P u0 / {SATURATION:g}) + tox stress;
  occ = Hill occupancy (EC50 0.1-3 uM, Hill 1-2.5), responsiveness ~ U(0.7, 1.3) per gene,
  tox stress = tox * d^2/(d^2+25) * a shared small gene vector.
- level 5: per-gene baseline + response + N(0, {noise:g}^2), 4 decimals; consensus signatures: response at
  {CONSENSUS_DOSE_UM:g} uM + the noise of a mean of {CONSENSUS_REPLICATES} replicates, N(0, {cons_noise:.3f}^2), 3 decimals.
Ground truth (targets, signs, druggable genes, responsiveness, all constants): demo-truth/truth.json.
"""
    return text


def _version() -> str:
    from kgexpr import __version__
    return __version__


def _stamp_mtimes(root: Path) -> None:
    """Deterministic mtimes derived from each file's content (same bytes -> same mtime)."""
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h = hashlib.sha256(p.read_bytes()).digest()
            t = _EPOCH_2000 + int.from_bytes(h[:4], "big") % (10 * 365 * 86400)
            os.utime(p, (t, t))
