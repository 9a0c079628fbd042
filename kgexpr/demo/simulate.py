"""The demo simulator: a signed KGML-like graph, cell lines, drugs and their responses, in memory.

Every random draw comes from the one ``numpy`` Generator passed in, in a fixed order (genes, pathways,
landmarks, cell lines, per-gene response terms, druggable pool, drugs), so the same seed gives the
same data set.  :mod:`kgexpr.demo.write` turns it into files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgexpr.errors import KgexprError

from .constants import (
    _OTHER_CELL_LINES, _SUBTYPE_P, _SUBTYPES, AGONIST_TARGET_FRACTION, AMP_FACTOR, ATTACHMENT, COSMIC_BASE,
    CONSENSUS_DOSE_UM, CONSENSUS_REPLICATES, DRUGGABLE_FRACTION, ENTREZ_BASE, EXTRA_EDGES, FEEDBACK,
    HUB_PREFERENCE, LANDMARK_PATHWAY_WEIGHT, LOF_FACTOR, MODE_AGREEMENT, N_VEHICLE, OFF_TARGET_P,
    PATHWAY_NUMBER_BASE, PERT_NUMBER_BASE, PROPAGATION_GAMMA, PROPAGATION_STEPS, SATURATION,
    SECONDARY_DRUGGABLE_P, UNTARGETED_FRACTION,
)


@dataclass
class _Sim:
    entrez: np.ndarray
    symbols: list[str]
    synonyms: list[str]  # "" when none
    chrom: np.ndarray
    landmark: np.ndarray  # bool
    bing: np.ndarray  # bool
    in_pathway: np.ndarray  # bool
    pathways: list[dict]  # number, title, genes, entries, relations
    signed: np.ndarray  # n x n, S[i, j] = sign of i -> j
    cell_lines: list[dict]
    druggable: np.ndarray  # gene indices of the druggable pool
    druggable_mode: np.ndarray  # -1 (mostly inhibited) / +1 (mostly agonised), per druggable gene
    drugs: list[dict]
    propagation: np.ndarray  # n x n, effect = propagation @ u0
    baseline: np.ndarray
    responsiveness: np.ndarray
    tox_gene: np.ndarray


def _validate(n_genes, n_pathways, n_drugs, n_landmarks, doses, noise, cell_line, n_level5_drugs):
    if n_genes < 10:
        raise KgexprError(f"demo: n_genes must be >= 10 (got {n_genes})")
    if not 1 <= n_landmarks <= n_genes:
        raise KgexprError(f"demo: n_landmarks must be in 1..n_genes={n_genes} (got {n_landmarks})")
    if n_pathways < 1 or n_genes < 5 * n_pathways:
        raise KgexprError(f"demo: need 1 <= n_pathways <= n_genes/5 (got n_pathways={n_pathways}, n_genes={n_genes})")
    if n_drugs < 1:
        raise KgexprError(f"demo: n_drugs must be >= 1 (got {n_drugs})")
    if not 1 <= n_level5_drugs <= n_drugs:
        raise KgexprError(f"demo: n_level5_drugs must be in 1..n_drugs={n_drugs} (got {n_level5_drugs})")
    if len(doses) < 1 or any(not np.isfinite(d) or d <= 0 for d in doses) or len(set(doses)) != len(doses):
        raise KgexprError(f"demo: doses must be distinct positive numbers (got {tuple(doses)})")
    if not np.isfinite(noise) or noise < 0:
        raise KgexprError(f"demo: noise must be >= 0 (got {noise})")
    if not cell_line or not cell_line.isascii() or any(c in cell_line for c in "\t\n\r\",: "):
        raise KgexprError(f"demo: bad cell line name {cell_line!r}")
    if n_drugs > 9_999_999 or n_genes > 99_999 or n_pathways > 9_999:
        raise KgexprError("demo: sizes too large for the simulated id ranges")


def _propagation_operator(signed: np.ndarray, lof: np.ndarray) -> np.ndarray:
    """``P = sum_{k=0..K} gamma^k W^k``: W passes a gene's signal to its KGML successors (times the sign
    of the relation) and FEEDBACK of it back to its predecessors; loss-of-function genes pass on only
    LOF_FACTOR of theirs. The response saturates later (SATURATION), so hubs cannot blow up."""
    w = signed.T + FEEDBACK * signed  # (W u)_j = sum_i S[i, j] u_i + FEEDBACK * sum_k S[j, k] u_k
    w[:, lof] *= LOF_FACTOR
    prop = np.eye(len(signed))
    step = np.eye(len(signed))
    for _ in range(PROPAGATION_STEPS):
        step = PROPAGATION_GAMMA * (w @ step)
        prop = prop + step
    return prop


def _simulate(rng: np.random.Generator, n_genes, n_pathways, n_drugs, n_landmarks, cell_line) -> _Sim:
    entrez, symbols, synonyms, chrom = _genes(rng, n_genes)
    pathways, signed, in_pathway = _pathways(rng, n_genes, n_pathways)
    landmark, bing = _landmarks(rng, in_pathway, n_landmarks)
    cell_lines = _cell_lines(rng, in_pathway, cell_line)
    demo_cl = cell_lines[0]

    # ---- propagation operator for the demo cell line, and how strongly each gene responds
    prop = _propagation_operator(signed, demo_cl["mutated"])
    responsiveness = rng.uniform(0.7, 1.3, n_genes)
    responsiveness[demo_cl["amplified"]] *= AMP_FACTOR
    baseline = rng.normal(0.0, 0.2, n_genes)
    tox_gene = rng.normal(0.0, 0.15, n_genes)

    druggable, druggable_mode = _druggable_pool(rng, pathways, signed)
    drugs = _drugs(rng, n_drugs, symbols, synonyms, np.flatnonzero(in_pathway), druggable, druggable_mode)
    return _Sim(entrez, symbols, synonyms, chrom, landmark, bing, in_pathway, pathways, signed, cell_lines,
                druggable, druggable_mode, drugs, prop, baseline, responsiveness, tox_gene)


def _genes(rng: np.random.Generator, n_genes: int):
    """Entrez ids, symbols, synonyms ("" when none) and chromosomes of the simulated genes."""
    width = max(3, len(str(n_genes)))
    entrez = ENTREZ_BASE + 1 + np.arange(n_genes)
    symbols = [f"SIMG{i + 1:0{width}d}" for i in range(n_genes)]
    has_syn = rng.random(n_genes) < 0.12
    synonyms = [f"{s}A" if h else "" for s, h in zip(symbols, has_syn)]
    chrom = rng.integers(1, 23, n_genes)
    return entrez, symbols, synonyms, chrom


def _pathways(rng: np.random.Generator, n_genes: int, n_pathways: int):
    """Pathway modules: ~85% of genes in a primary module, ~15% of members cross-talk genes; each a connected
    signed graph of KGML entries and relations. Returns the pathways, the sign matrix S and the pathway genes."""
    order = rng.permutation(n_genes)
    n_in = max(int(round(0.85 * n_genes)), 4 * n_pathways)
    cuts = np.sort(rng.choice(np.arange(1, n_in // 4), n_pathways - 1, replace=False)) * 4 if n_pathways > 1 else []
    # cuts at multiples of 4 -> every module has >= 4 genes
    modules = [list(m) for m in np.split(order[:n_in], cuts)]
    pathways = []
    signed = np.zeros((n_genes, n_genes))
    for p, members in enumerate(modules):
        extra_n = int(rng.binomial(len(members), 0.15))
        others = np.setdiff1d(order[:n_in], members)
        extra = list(rng.choice(others, min(extra_n, len(others)), replace=False)) if len(others) else []
        genes = [int(g) for g in rng.permutation(members + extra)]
        entries = _entries(rng, genes)
        pairs = _entry_pairs(rng, len(entries))
        relations = _relations(rng, pairs, entries, signed)
        pathways.append({"number": PATHWAY_NUMBER_BASE + p + 1, "title": f"Simulated pathway {p + 1}",
                         "genes": genes, "entries": entries, "relations": relations})
    signed = np.clip(signed, -1, 1)
    in_pathway = np.zeros(n_genes, bool)
    in_pathway[order[:n_in]] = True
    return pathways, signed, in_pathway


def _entries(rng: np.random.Generator, genes: list[int]) -> list[list[int]]:
    """KGML gene entries: mostly one gene, ~10% gene families of two."""
    entries: list[list[int]] = []
    i = 0
    while i < len(genes):
        if i + 1 < len(genes) and rng.random() < 0.10:
            entries.append(genes[i:i + 2])
            i += 2
        else:
            entries.append([genes[i]])
            i += 1
    return entries


def _entry_pairs(rng: np.random.Generator, m: int) -> list[tuple[int, int]]:
    """Directed relations between ``m`` entries: a random spanning tree grown by preferential attachment
    (hubs; connected), then EXTRA_EDGES * m further draws between well-connected entries."""
    pairs: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    deg = np.ones(m)
    for k in range(1, m):
        j = int(rng.choice(k, p=deg[:k] ** ATTACHMENT / (deg[:k] ** ATTACHMENT).sum()))
        a, b = (j, k) if rng.random() < 0.5 else (k, j)
        pairs.append((a, b))
        seen.update({(a, b), (b, a)})
        deg[[j, k]] += 1
    for _ in range(int(round(EXTRA_EDGES * m))):
        a, b = (int(x) for x in rng.choice(m, 2, replace=False, p=deg / deg.sum()))
        if (a, b) not in seen:
            pairs.append((a, b))
            seen.update({(a, b), (b, a)})
            deg[[a, b]] += 1
    return pairs


def _relations(rng: np.random.Generator, pairs, entries, signed: np.ndarray) -> list[tuple]:
    """A KGML relation (type, subtypes) per entry pair; adds each relation's sign to ``signed`` in place."""
    relations = []
    for a, b in pairs:
        name, value, sign, rtype = _SUBTYPES[int(rng.choice(len(_SUBTYPES), p=_SUBTYPE_P))]
        subs = [(name, value)]
        if rtype == "PPrel" and sign != 0 and name != "indirect effect" and rng.random() < 0.25:
            subs.append(("phosphorylation", "+p"))
        relations.append((a, b, rtype, subs))
        if sign:
            for ga in entries[a]:
                for gb in entries[b]:
                    if ga != gb:
                        signed[ga, gb] += sign
    return relations


def _landmarks(rng: np.random.Generator, in_pathway: np.ndarray, n_landmarks: int):
    """Landmark genes, mostly pathway members (as the real landmarks are well-studied genes), and the
    BING genes (landmarks plus ~60% of the rest)."""
    n_genes = len(in_pathway)
    w_lm = np.where(in_pathway, LANDMARK_PATHWAY_WEIGHT, 1.0)
    landmark = np.zeros(n_genes, bool)
    landmark[rng.choice(n_genes, n_landmarks, replace=False, p=w_lm / w_lm.sum())] = True
    bing = landmark | (rng.random(n_genes) < 0.6)
    return landmark, bing


def _cell_lines(rng: np.random.Generator, in_pathway: np.ndarray, cell_line: str) -> list[dict]:
    """The demo cell line (first) and four others, with their point mutations, amplifications and a
    methylated gene."""
    n_genes = len(in_pathway)
    cell_lines = []
    for k, (name, tcga, tissue, sub) in enumerate([(cell_line, "BRCA", "breast", "breast")] + _OTHER_CELL_LINES):
        n_mut = max(3, int(round(0.04 * n_genes)))
        w = np.where(in_pathway, 3.0, 1.0)
        mutated = np.sort(rng.choice(n_genes, n_mut, replace=False, p=w / w.sum()))
        amplified = np.sort(rng.choice(np.setdiff1d(np.arange(n_genes), mutated), 3, replace=False))
        methylated = int(rng.integers(0, n_genes))
        cell_lines.append({"name": name, "cosmic": COSMIC_BASE + k + 1, "tcga": tcga, "tissue": tissue,
                           "sub": sub, "mutated": mutated, "amplified": amplified, "methylated": methylated,
                           "cna_region": f"cna{tcga.split('/')[0]}{int(rng.integers(1, 30))}"})
    return cell_lines


def _druggable_pool(rng: np.random.Generator, pathways: list[dict], signed: np.ndarray):
    """The druggable pool: in every pathway its best-connected genes are preferred; each has a usual mode
    (-1: mostly inhibited, +1: mostly agonised)."""
    degree = (signed != 0).sum(0) + (signed != 0).sum(1)
    chosen: set[int] = set()
    for pw in pathways:
        cand = np.array(sorted(set(pw["genes"]) - chosen), dtype=int)
        k = min(len(cand), max(1, int(round(DRUGGABLE_FRACTION * len(pw["genes"])))))
        if k:
            w_pool = (1.0 + degree[cand].astype(float)) ** HUB_PREFERENCE
            chosen.update(int(g) for g in rng.choice(cand, k, replace=False, p=w_pool / w_pool.sum()))
    druggable = np.array(sorted(chosen), dtype=int)
    druggable_mode = np.where(rng.random(len(druggable)) < AGONIST_TARGET_FRACTION, 1.0, -1.0)
    return druggable, druggable_mode


def _drugs(rng: np.random.Generator, n_drugs: int, symbols, synonyms, pathway_genes: np.ndarray,
           druggable: np.ndarray, druggable_mode: np.ndarray) -> list[dict]:
    """The simulated drugs: sample ids, targets (listed or hidden), names as listed in the Hub export,
    dose response parameters, a random structure, phase and purity."""
    n_genes = len(symbols)
    mode_of = dict(zip(druggable.tolist(), druggable_mode.tolist()))
    n_untargeted = 0 if n_drugs < 5 else max(1, int(round(UNTARGETED_FRACTION * n_drugs)))
    untargeted = set(rng.choice(n_drugs, n_untargeted, replace=False).tolist()) if n_untargeted else set()
    drugs = []
    seen_smiles: set[str] = set()
    for d in range(n_drugs):
        pert_id = f"BRD-K{PERT_NUMBER_BASE + d + 1:08d}"
        sample_ids = [f"{pert_id}-001-01-{int(rng.integers(0, 10))}"]
        if rng.random() < 0.2:
            sample_ids.append(f"{pert_id}-003-02-{int(rng.integers(0, 10))}")
        targets = _drug_targets(rng, n_genes, pathway_genes, druggable, mode_of, listed=d not in untargeted)
        listed_as = []  # (name in the Hub export, sign)
        for t in targets:
            if t["listed"]:
                use_syn = bool(synonyms[t["gene"]]) and rng.random() < 0.15
                listed_as.append((synonyms[t["gene"]] if use_syn else symbols[t["gene"]], t["sign"]))
        drugs.append({
            "index": d, "pert_id": pert_id, "name": f"kgxsim-{d + 1:03d}", "sample_ids": sample_ids,
            "targets": targets, "listed_as": listed_as,
            "ec50": float(np.exp(rng.uniform(np.log(0.1), np.log(3.0)))), "hill": float(rng.uniform(1.0, 2.5)),
            "tox": float(rng.uniform(0.0, 1.0)), "smiles": _fake_smiles(rng, seen_smiles),
            "phase": str(rng.choice(["Preclinical", "Phase 1", "Phase 2", "Phase 3", "Launched"])),
            "purity": float(np.round(rng.uniform(90, 100), 2)),
        })
    return drugs


def _drug_targets(rng: np.random.Generator, n_genes: int, pathway_genes: np.ndarray, druggable: np.ndarray,
                  mode_of: dict, *, listed: bool) -> list[dict]:
    """A drug's targets: a druggable primary one, up to three more (mostly druggable), each acted on in its
    usual mode (non-druggable ones: the primary's); an untargeted drug (``listed`` False) always, a listed
    one with p=OFF_TARGET_P, also has a weak hidden off-target."""
    n_t = min(int(rng.choice([1, 2, 3, 4], p=[0.4, 0.3, 0.2, 0.1])), len(druggable))
    tgt = [int(rng.choice(druggable))]  # the primary target is always druggable
    while len(tgt) < n_t:
        pool = druggable if rng.random() < SECONDARY_DRUGGABLE_P else pathway_genes
        g = int(rng.choice(pool))
        if g not in tgt:
            tgt.append(g)
    primary = mode_of[tgt[0]]
    targets = []
    for g in tgt:
        usual = mode_of.get(g, primary)
        targets.append({"gene": g, "sign": usual if rng.random() < MODE_AGREEMENT else -usual,
                        "strength": float(rng.uniform(1.5, 3.0)), "listed": listed})
    if not listed or rng.random() < OFF_TARGET_P:
        g = int(rng.choice(np.setdiff1d(np.arange(n_genes), tgt)))
        targets.append({"gene": g, "sign": 1.0 if rng.random() < AGONIST_TARGET_FRACTION else -1.0,
                        "strength": float(rng.uniform(0.5, 1.0)), "listed": False})
    return targets


_FRAGMENTS = [  # (smiles, may continue the chain)
    ("C", True), ("CC", True), ("C(C)C", True), ("O", True), ("N", True), ("C(=O)", True),
    ("c1ccccc1", True), ("c1ccncc1", True), ("C(=O)N", True), ("S(=O)(=O)", True), ("c1ccc2ccccc2c1", True),
    ("C1CCNCC1", True), ("c1ccoc1", True),
    ("C(F)(F)F", False), ("Cl", False), ("F", False), ("C#N", False),
]
_STARTS = [0, 1, 6, 7, 11]
_CHAIN = [i for i, f in enumerate(_FRAGMENTS) if f[1]]
_ENDS = [i for i, f in enumerate(_FRAGMENTS) if not f[1]]


def _fake_smiles(rng: np.random.Generator, seen: set[str]) -> tuple[str, str, float]:
    """A small made-up molecule (a chain of fragments) that RDKit parses, with its RDKit formula and
    average molecular weight; a structure already in ``seen`` (canonical SMILES) is drawn again."""
    from rdkit import Chem
    from rdkit.Chem import Descriptors, rdMolDescriptors

    while True:
        chain = [int(rng.choice(_STARTS))]
        for _ in range(int(rng.integers(3, 9))):
            chain.append(int(rng.choice(_CHAIN)))
        if rng.random() < 0.4:
            chain.append(int(rng.choice(_ENDS)))
        smiles = "".join(_FRAGMENTS[i][0] for i in chain)
        mol = Chem.MolFromSmiles(smiles)
        if mol is None:  # cannot happen with these fragments; drawn again rather than written unparsable
            continue
        canonical = Chem.MolToSmiles(mol)
        if canonical in seen:
            continue
        seen.add(canonical)
        return smiles, rdMolDescriptors.CalcMolFormula(mol), round(float(Descriptors.MolWt(mol)), 3)


def _inchikey(index: int) -> str:
    code = ""
    v = index
    for _ in range(7):
        code = chr(ord("A") + v % 26) + code
        v //= 26
    return f"KGXDEMO{code}-UHFFFAOYSA-N"


def _response(sim: _Sim, drug: dict, dose: float) -> np.ndarray:
    """Noise-free response of every gene to ``drug`` at ``dose`` µM (before the per-gene baseline)."""
    u0 = np.zeros(len(sim.entrez))
    for t in drug["targets"]:
        u0[t["gene"]] += t["sign"] * t["strength"]
    e_unit = sim.propagation @ u0
    occ = dose ** drug["hill"] / (dose ** drug["hill"] + drug["ec50"] ** drug["hill"])
    tox = drug["tox"] * dose ** 2 / (dose ** 2 + 5.0 ** 2)
    return SATURATION * np.tanh(occ * e_unit / SATURATION) * sim.responsiveness + tox * sim.tox_gene


def _expression(rng, sim: _Sim, drugs: list[dict], doses, cell_line, noise):
    """Level-5 samples (columns) of ``drugs`` at every dose plus the vehicles, and the landmark x sample
    z-score matrix."""
    doses = [float(d) for d in doses]
    n_genes = len(sim.entrez)
    samples = []
    effects = []
    n_plates = max(1, (len(drugs) + 9) // 10)
    for drug in drugs:
        plate = drug["index"] // 10 + 1
        for dose in doses:
            effects.append(_response(sim, drug, dose))
            brew = f"KGXDEMO{plate:03d}_{cell_line}_24H"
            samples.append({"brew_prefix": brew, "id": f"{brew}:{drug['sample_ids'][0]}:{dose:g}",
                            "pert_id": drug["pert_id"], "pert_iname": drug["name"], "pert_type": "trt_cp",
                            "pert_dose": dose, "pert_dose_unit": "um", "pert_idose": f"{dose!r} um"})
    for k in range(N_VEHICLE):
        plate = k % n_plates + 1
        brew = f"KGXDEMO{plate:03d}_{cell_line}_24H"
        effects.append(np.zeros(n_genes))
        samples.append({"brew_prefix": brew, "id": f"{brew}:DMSO:{k // n_plates + 1}", "pert_id": "DMSO",
                        "pert_iname": "DMSO", "pert_type": "ctl_vehicle", "pert_dose": -666.0,
                        "pert_dose_unit": "-666", "pert_idose": "-666"})
    for s in samples:
        s.update({"cell_id": cell_line, "pert_time": 24, "pert_time_unit": "h", "pert_itime": "24 h"})
    eff = np.array(effects)  # samples x genes
    z = sim.baseline[None, :] + eff + rng.normal(0.0, noise, eff.shape) if noise > 0 else sim.baseline[None, :] + eff
    lm = np.flatnonzero(sim.landmark)
    rows = lm[rng.permutation(len(lm))]
    cols = rng.permutation(len(samples))
    values = np.round(z[np.ix_(cols, rows)].T, 4) + 0.0  # genes x samples, no negative zeros
    return rows, [samples[c] for c in cols], values


def _consensus(rng, sim: _Sim, noise: float):
    """Consensus signatures: one row per drug (sorted by pert_id), its response at CONSENSUS_DOSE_UM plus
    N(0, noise^2), landmark columns in text order of their Entrez ids (as dhimmel/lincs); 3 decimals."""
    lm = np.flatnonzero(sim.landmark)
    cols = lm[np.argsort([str(sim.entrez[g]) for g in lm], kind="stable")]
    drugs = sorted(sim.drugs, key=lambda d: d["pert_id"])
    eff = np.array([_response(sim, d, CONSENSUS_DOSE_UM)[cols] for d in drugs])
    if noise > 0:
        eff = eff + rng.normal(0.0, noise / np.sqrt(CONSENSUS_REPLICATES), eff.shape)
    return drugs, cols, np.round(eff, 3) + 0.0

