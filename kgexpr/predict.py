"""Predicted signatures for compounds, from a run's deployable models (``kgexpr predict``).

A compound is named by its Drug node id (DrugBank ``DB...``, LINCS ``BRD-...``, KEGG ``D...``)
or by a perturbagen id of the run's expression data. Its design row is built exactly as in
training (:func:`kgexpr.features.design.build_designs`): descriptors from its structure, graph
features from the run's feature tables, or, for a drug of the graph that no signature
profiled, computed on the run's stored graph with the same method and parameters. A compound
that is not in the graph at all comes from ``--drugs-file`` (id, smiles, targets) and is
added to the graph as a Drug node linked to its target genes: the similarity sets (common
neighbours, local path index, relative entropy, and the mechanism sets targets, propagation,
signed-propagation with the file's optional action column) see it exactly as they would a loaded
drug, as does the inductive embedding ``pathways``; the other embeddings are transductive (fitted
to the graph as loaded), so those models refuse it.
Predictions come back in the units of the input expression (the target scaling undone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kgexpr import artifacts as A
from kgexpr.errors import InputError, KgexprError, reading, reading_input, suggest
from kgexpr.graph.schema import node_id
from kgexpr.graph.signs import sign_of

#: the evaluation's preferred split for choosing the default model (compound-held-out first)
_SPLIT_PREFERENCE = ("cv", "drug", "random")


@dataclass
class Compound:
    """One compound to predict: its id, its Drug node (in the graph or added), where it comes from."""

    id: str
    drug_node: str
    source: str  # "expression" | "graph" | "file"
    smiles: str = ""
    targets: list[int] = field(default_factory=list)  # Entrez ids (file compounds)
    action: str = ""  # the compound's action on its targets (file compounds; "inhibitor", "agonist", ...)


@dataclass
class Prediction:
    table: pd.DataFrame  # compounds x Entrez ids, input units
    model: str
    compounds: list[Compound]
    notes: list[str]


class DeployedRun:
    """The artifacts of a run directory that prediction reads, checked once."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        info = A.DEPLOY_INFO.read_if_exists(self.root / A.DEPLOY)
        if info is None:
            raise KgexprError(f"{self.root} has no deployable models (run 'kgexpr run --out {self.root}' or "
                              f"'kgexpr deploy --out {self.root}' first)")
        if info.get("skipped"):
            raise KgexprError(f"{self.root}: the deployable models were not fitted ({info['skipped']})")
        if info.get("format") != A.DEPLOY_FORMAT:
            raise self.old_format()
        self.info = info
        self.load_dir, self.features_dir = self.root / A.LOAD, self.root / A.FEATURES
        self._check_files()
        self.load_manifest = A.manifest_of(A.LOAD).read(self.load_dir)
        self.load_summary = A.LOAD_SUMMARY.read(self.load_dir)
        self.genes = A.TARGET_GENES.read(self.root / A.TRAIN)
        self.samples = A.SAMPLES.read(self.load_dir)
        self.pert_to_drug = A.PERT_TO_DRUG.read(self.load_dir).set_index("pert_id")["drug_id"]
        self.drug_alias = drug_aliases(A.DRUG_MERGES.read_if_exists(self.load_dir))
        self.descriptors = A.DESCRIPTORS.read_if_exists(self.load_dir)
        self.scale = A.EXPRESSION_SCALE.read_if_exists(self.load_dir)
        self.kinds = A.FEATURE_KINDS.read(self.features_dir)
        self.nodes = A.FEATURE_NODES.read(self.features_dir)
        self.graph_models = list(info.get("graph_models", []))

    def old_format(self) -> KgexprError:
        return KgexprError(f"{self.root}: its deployable models were saved by an older kgexpr, in a format this one "
                           f"does not read; run 'kgexpr deploy --out {self.root}' with the run's options to refit them")

    def _check_files(self) -> None:
        """Every file prediction reads is still what its stage wrote (a truncated model is named, not unpickled)."""
        from kgexpr.rundir import broken_output

        for stage in (A.LOAD, A.FEATURES, A.TRAIN, A.DEPLOY):
            folder = self.root / stage
            why = broken_output(folder, A.manifest_of(stage).read(folder).get("outputs"))
            if why is not None:
                raise KgexprError(f"{why}: 'kgexpr run --out {self.root}' with the run's options rebuilds it")

    @property
    def model_names(self) -> list[str]:
        from kgexpr.evaluate import STACKING, STACKING_WEIGHTED

        return list(self.info["models"]) + ([STACKING, STACKING_WEIGHTED] if self.graph_models else [])

    def best_model(self) -> tuple[str, str]:
        """(model, why): the highest median R² of the run's evaluation, compound-held-out split first."""
        summary = A.EVALUATION_SUMMARY.read_if_exists(self.root / A.EVALUATE, {})
        for split in (*_SPLIT_PREFERENCE, *summary):
            med = summary.get(split, {}).get("median_r2")
            if med:
                usable = {m: v for m, v in med.items() if m in self.model_names and v == v}
                if usable:
                    best = max(usable, key=usable.get)
                    return best, f"best median R² on the {split} split ({usable[best]:.3f})"
        return self.model_names[0], "the run has no evaluation"

    def store(self):
        """The run's graph store, as the load stage wrote it."""
        from kgexpr.graph import DEFAULT_BATCH_SIZE, open_store
        from kgexpr.settings import neo4j_password

        address = self.load_manifest.get("backend") or {"backend": "embedded"}
        batch_size = self.load_manifest.get("info", {}).get("batch_size") or DEFAULT_BATCH_SIZE  # as the load ran
        return open_store(address, path=A.GRAPH.path(self.load_dir), password=neo4j_password(), batch_size=batch_size)

    def feature_params(self) -> tuple[dict, int]:
        """(method -> resolved parameters, seed) as the features stage used them."""
        manifest = A.manifest_of(A.FEATURES).read(self.features_dir)
        return manifest["params"]["features"]["methods"], int(manifest["params"]["seed"])


def read_drugs_file(path: str | Path) -> list[Compound]:
    """``--drugs-file``: a TSV/CSV with columns id, smiles, targets (gene symbols or Entrez ids, separated
    by ',', ';' or '|'), and optionally action (DrugBank's words: inhibitor, agonist, ...: the sign
    ``signed-propagation`` starts from); smiles and targets may be empty for a compound already in the graph."""
    path = Path(path)
    sep = "," if path.suffix.lower() == ".csv" else "\t"
    with reading_input(path):
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
    df.columns = [c.strip().lower() for c in df.columns]
    if "id" not in df.columns:
        raise InputError(path, f"needs a column 'id' (found {', '.join(df.columns)}); optional: smiles, targets, action")
    if df.empty:
        raise InputError(path, "has no compounds (a header and no rows)")
    from rdkit.rdBase import BlockLogs

    from kgexpr.features.chemistry import parse_structure

    out = []
    for line, r in enumerate(df.itertuples(index=False), start=2):
        cid = str(r.id).strip()
        if not cid:
            raise InputError(path, "empty id", line=line)
        targets = [t.strip() for t in str(getattr(r, "targets", "") or "").replace(";", ",").replace("|", ",").split(",")]
        smiles = str(getattr(r, "smiles", "") or "").strip()
        if smiles:  # a structure that does not parse would silently predict a compound without one
            with BlockLogs():
                mol, _how = parse_structure(smiles)
            if mol is None:
                raise InputError(path, f"compound {cid}: not a valid SMILES: {smiles!r}", line=line, field="smiles")
        out.append(Compound(cid, node_id("Drug", cid), "file", smiles=smiles, targets=[t for t in targets if t],
                            action=str(getattr(r, "action", "") or "").strip()))
    return out


def drug_aliases(merges: pd.DataFrame | None) -> dict[str, str]:
    """Source drug id -> the Drug node it was merged into (load/drug_merges.csv)."""
    if merges is None or not len(merges):
        return {}
    merged = merges[merges["kind"] == "merged"]
    return dict(zip(merged["member_id"].astype(str), merged["drug_id"].astype(str)))


def resolve_compounds(run: DeployedRun, ids: list[str], from_file: list[Compound], gene_table: pd.DataFrame) -> list[Compound]:
    """Every requested compound as the graph knows it; unknown ids are one error naming them all."""
    graph_drugs = set(run.nodes.loc[run.nodes["label"] == "Drug", "node_id"])
    by_file = {c.id: c for c in from_file}
    out, unknown = [], []
    for cid in list(dict.fromkeys([*ids, *by_file])):
        drug = run.pert_to_drug.get(cid)
        if not (isinstance(drug, str) and drug):
            drug = run.drug_alias.get(cid)  # a source id merged into another drug (DB00619 holds BRD-K92723993)
        node = node_id("Drug", drug if isinstance(drug, str) and drug else cid)
        if cid in by_file and by_file[cid].targets and node not in graph_drugs:
            c = by_file[cid]
            c.targets = _entrez_targets(c.targets, gene_table, c.id)
            out.append(c)
        elif node in graph_drugs or cid in set(run.samples["pert_id"]):
            source = "expression" if cid in set(run.samples["pert_id"]) else "graph"
            out.append(Compound(cid, node, source, smiles=by_file[cid].smiles if cid in by_file else ""))
        else:
            unknown.append(cid)
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        profiled = list(dict.fromkeys(run.samples["pert_id"].astype(str)))
        raise KgexprError(f"not a Drug node of the run's graph nor a perturbagen of its expression data: {shown} "
                          f"(its {len(profiled)} profiled compounds include {', '.join(profiled[:5])}; "
                          f"{len(graph_drugs)} Drug nodes in all; give a compound outside the graph in --drugs-file "
                          "with its smiles and targets)")
    if not out:
        raise KgexprError("no compounds given: use --drugs ID[,ID...] and/or --drugs-file FILE")
    return out


def _entrez_targets(targets: list[str], gene_table: pd.DataFrame, cid: str) -> list[int]:
    symbols = {str(s).upper(): int(e) for e, s in zip(gene_table["entrez_id"], gene_table["symbol"])}
    entrez = set(gene_table["entrez_id"].astype(int))
    out, bad = [], []
    for t in targets:
        if t.isdigit() and int(t) in entrez:
            out.append(int(t))
        elif t.upper() in symbols:
            out.append(symbols[t.upper()])
        else:
            bad.append(t)
    if bad:
        raise KgexprError(f"--drugs-file: compound {cid}: target(s) {', '.join(bad)} are not Gene nodes of the "
                          f"run's graph; {suggest(bad[0], sorted(symbols))}")
    return out


def _with_new_drugs(view, compounds: list[Compound]):
    """The graph plus one Drug node per file compound, linked to its target genes."""
    import scipy.sparse as sp

    from kgexpr.graph.view import GraphView

    new = [c for c in compounds if c.source == "file"]
    if not new:
        return view
    n, k = len(view.nodes), len(new)
    rows, cols = [], []
    for i, c in enumerate(new):
        for g in view.index_of([node_id("Gene", t) for t in c.targets]):
            rows += [n + i, g]
            cols += [g, n + i]
    extra = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + k, n + k))
    A_ = sp.bmat([[view.adjacency, None], [None, sp.csr_matrix((k, k))]], format="csr") + extra
    A_.sort_indices()
    # the compound's action, when the file states one, signs its edges to its targets (signed-propagation)
    srows, scols, svals = [], [], []
    for i, c in enumerate(new):
        sign = sign_of(c.action)
        if sign:
            targets = view.index_of([node_id("Gene", t) for t in c.targets])
            srows += [n + i] * len(targets)
            scols += list(targets)
            svals += [float(sign)] * len(targets)
    signed = view.signed if view.signed is not None else sp.csr_matrix((n, n))
    signed = sp.bmat([[signed, None], [None, sp.csr_matrix((k, k))]], format="csr") + sp.csr_matrix(
        (svals, (srows, scols)), shape=(n + k, n + k))
    signed.sort_indices()
    return GraphView(sp.csr_matrix(A_), view.nodes.append(pd.Index([c.drug_node for c in new])),
                     np.concatenate([view.labels, np.array(["Drug"] * k, dtype=view.labels.dtype)]),
                     signed=sp.csr_matrix(signed) if signed.nnz else None)


def _inductive(run: DeployedRun) -> list[str]:
    """The run's feature sets that can place a compound from its targets alone."""
    from kgexpr.features import get_method

    return [name for name in run.kinds if get_method(name).inductive]


def needed_models(model: str, run: DeployedRun) -> list[str]:
    from kgexpr.evaluate import STACKING, STACKING_WEIGHTED

    return run.graph_models if model in (STACKING, STACKING_WEIGHTED) else [model]


def feature_tables(run: DeployedRun, compounds: list[Compound], models: list[str], progress=print) -> tuple[dict, pd.DataFrame]:
    """Each needed feature set's table with a row for every compound (computed where the run has none),
    and the node degrees (file compounds: their number of targets)."""
    from kgexpr.features import compute_on

    tables = {name: (run.kinds[name], A.feature_table(name).read(run.features_dir))
              for name in models if name in run.kinds}
    degrees = run.nodes[["node_id", "degree"]]
    missing = [c for c in compounds if any(c.drug_node not in t.index for _, t in tables.values())]
    if not missing:
        return tables, degrees
    from kgexpr.features import get_method

    transductive = [name for name in tables if not get_method(name).inductive]
    outside = [c.id for c in missing if c.source == "file"]
    if outside and transductive:
        raise KgexprError(
            f"{', '.join(outside[:5])}: not in the run's graph, and {', '.join(transductive)} "
            f"{'is an embedding' if len(transductive) == 1 else 'are embeddings'} of the graph as loaded "
            f"(transductive): predict these with --model baseline or one of {', '.join(_inductive(run))}")
    methods, seed = run.feature_params()
    store = run.store()
    try:
        view = _with_new_drugs(store.graph_view(), missing)
        gene_nodes = [node_id("Gene", int(g)) for g in A.GENES.read(run.load_dir)["entrez_id"]]
        rows = [c.drug_node for c in missing]
        for name, (kind, table) in list(tables.items()):
            todo = [r for r in rows if r not in table.index]
            if not todo:
                continue
            progress(f"predict: {name} features for {len(todo)} compound(s) without a signature, on the stored graph")
            if kind == "similarity":
                res = compute_on(name, todo, gene_nodes, view=view, store=None, seed=seed, params=methods[name])
            elif get_method(name).inductive:  # a row from the node's own edges: nothing of the graph to reproduce
                res = compute_on(name, todo, None, view=view, store=None, seed=seed, params=methods[name])
            else:  # an embedding of the whole graph: it must reproduce the run's rows to be comparable
                anchors = [g for g in gene_nodes if g in table.index][:5]
                res = compute_on(name, todo + anchors, None, view=view, store=store, seed=seed, params=methods[name])
                res.table.columns = [str(c) for c in res.table.columns]
                drift = np.abs(res.table.loc[anchors, table.columns].to_numpy() - table.loc[anchors].to_numpy()).max()
                if not drift <= 1e-6 * max(1.0, np.abs(table.loc[anchors].to_numpy()).max()):
                    raise KgexprError(f"{name}: recomputed on the stored graph ({res.engine}), the embedding differs "
                                      f"from the run's by {drift:.3g}, so compounds outside the run's data cannot be "
                                      "placed in it; predict them with a similarity model (cn, lpi, entropy) or the "
                                      "baseline")
                res.table.drop(index=anchors, inplace=True)
            part = res.table
            part.columns = [str(c) for c in part.columns]
            tables[name] = (kind, pd.concat([table, part.reindex(columns=table.columns)]))
        new_nodes = [c for c in missing if c.source == "file"]
        if new_nodes:
            degrees = pd.concat([degrees, pd.DataFrame({"node_id": [c.drug_node for c in new_nodes],
                                                        "degree": [len(c.targets) for c in new_nodes]})])
    finally:
        store.close()
    return tables, degrees


def descriptors_for(run: DeployedRun, compounds: list[Compound]) -> pd.DataFrame | None:
    """The run's descriptors for its own perturbagens; for the others, computed from their structure
    (the file's SMILES, else the data directory's structure sources) with the run's settings."""
    if run.descriptors is None:
        return None
    have = run.descriptors.reindex([c.id for c in compounds if c.id in run.descriptors.index])
    others = [c for c in compounds if c.id not in run.descriptors.index]
    if not others:
        return have
    from kgexpr.features.chemistry import compute_descriptors

    params = run.load_manifest["params"]["data"]
    kind = params.get("descriptors", "structure")
    structures = _structures(run, [c for c in others if not c.smiles])
    given = pd.DataFrame({"pert_id": [c.id for c in others if c.smiles], "smiles": [c.smiles for c in others if c.smiles]})
    rows = pd.concat([given, structures], ignore_index=True) if structures is not None else given
    rows = rows.drop_duplicates("pert_id")
    missing = [c.id for c in others if c.id not in set(rows["pert_id"])]
    if missing:
        rows = pd.concat([rows, pd.DataFrame({"pert_id": missing})], ignore_index=True)
    table, _report = compute_descriptors(rows, kind=kind, radius=int(params.get("fingerprint_radius", 2)),
                                         n_bits=int(params.get("fingerprint_bits", 1024)))
    table = table.reindex(columns=run.descriptors.columns, fill_value=0.0)
    return pd.concat([have, table])


def _structures(run: DeployedRun, compounds: list[Compound]) -> pd.DataFrame | None:
    if not compounds:
        return None
    from kgexpr.sources.catalog import DataCatalog
    from kgexpr.sources.expression_sets import find_set
    from kgexpr.sources.structures import gather_structures

    root = Path(run.load_summary["data_dir"])
    if not root.is_dir():
        return None
    catalog = DataCatalog(root)
    es = find_set(catalog.expression_sets, run.load_summary["expression_set"], catalog.data_dir)
    ids = {c.drug_node.split(":", 1)[1] for c in compounds} | {c.id for c in compounds}
    table = gather_structures(catalog, es, ids)
    key = {c.drug_node.split(":", 1)[1]: c.id for c in compounds}
    table = table.assign(pert_id=table["pert_id"].map(lambda p: key.get(p, p)))
    return table[table["pert_id"].isin({c.id for c in compounds})]


def design_rows(run: DeployedRun, compounds: list[Compound], models: list[str], dose_um: float | None,
                time_h: float | None, cell_line: str | None, progress=print) -> dict:
    """model -> (X as the deployed model's columns, X_target) for every compound, built as in training."""
    from kgexpr.features.design import build_designs

    cells = sorted(run.samples["cell_id"].astype(str).unique())
    cell = cell_line or (cells[0] if len(cells) == 1 else None)
    if cell is None or cell not in cells:
        raise KgexprError(f"--cell-line: the run's models know {', '.join(cells)}; name one of them")
    samples = pd.DataFrame({"pert_id": [c.id for c in compounds], "cell_id": cell,
                            "dose_um": _default(run.samples["dose_um"], dose_um),
                            "time_h": _default(run.samples["time_h"], time_h)},
                           index=pd.Index([c.id for c in compounds], name="sample"))
    pert_to_drug = pd.Series({c.id: c.drug_node.split(":", 1)[1] for c in compounds})
    tables, degrees = feature_tables(run, compounds, models, progress)
    designs = build_designs(samples, descriptors_for(run, compounds), pert_to_drug, degrees, tables,
                            run.genes["entrez_id"], cell_lines=cells)
    return {name: designs[name] for name in models}


def _default(column: pd.Series, value: float | None) -> float:
    """The given dose/time, else the training data's most common one (NaN where the data has none)."""
    if value is not None:
        return float(value)
    known = column.dropna()
    return float(known.mode().iloc[0]) if len(known) else float("nan")


def apply_model(run: DeployedRun, name: str, design) -> np.ndarray:
    """The two deployed MTRS stages of ``name`` on its design rows: (compounds, genes), scaled units."""
    import joblib

    from kgexpr.learn.engine import FittedTwoStage

    path = A.deployed_model(name).path(run.root / A.DEPLOY)
    with reading(path):
        model = joblib.load(path)
    if not isinstance(model, FittedTwoStage):
        raise run.old_format()
    X = design.X.reindex(columns=list(model.columns), fill_value=0.0).to_numpy(np.float64)
    return model.predict(X, design.X_target)


def predict(run_dir, ids: list[str], drugs_file=None, model: str | None = None, dose_um=None, time_h=None,
            cell_line=None, progress=print) -> Prediction:
    """Predicted signatures (input units) of the compounds ``ids`` and those of ``drugs_file``."""
    from kgexpr.evaluate import STACKING, STACKING_WEIGHTED, stack_mean, stack_weighted
    from kgexpr.learn.scaling import inverse

    run = DeployedRun(run_dir)
    notes = []
    if model is None:
        model, why = run.best_model()
        notes.append(f"model {model}: {why}")
    elif model not in run.model_names:
        raise KgexprError(f"--model {model!r}: the run has {', '.join(run.model_names)}; {suggest(model, run.model_names)}")
    from_file = read_drugs_file(drugs_file) if drugs_file else []
    graph_genes = pd.DataFrame({"entrez_id": [], "symbol": []})
    if any(c.targets for c in from_file):
        store = run.store()
        try:
            graph_genes = store.nodes("Gene")[["entrez_id", "symbol"]]
        finally:
            store.close()
    compounds = resolve_compounds(run, ids, from_file, graph_genes)
    models = needed_models(model, run)
    designs = design_rows(run, compounds, models, dose_um, time_h, cell_line, progress)
    preds = {name: apply_model(run, name, designs[name]) for name in models}
    if model == STACKING:  # evaluate's own stacking functions: predict combines exactly as the evaluation did
        Y = stack_mean([preds[g] for g in run.graph_models])
    elif model == STACKING_WEIGHTED:
        W = A.DEPLOY_STACKING_WEIGHTS.read(run.root / A.DEPLOY).loc[run.graph_models].to_numpy()
        Y = stack_weighted([preds[g] for g in run.graph_models], W)
    else:
        Y = preds[model]
    genes = run.genes["entrez_id"].to_numpy()
    if run.scale is not None:
        Y = inverse(Y, run.scale.reindex(genes))
    table = pd.DataFrame(Y, index=pd.Index([c.id for c in compounds], name="perturbagen"),
                         columns=[str(int(g)) for g in genes])
    n_new = sum(c.source != "expression" for c in compounds)
    if n_new:
        notes.append(f"{n_new} of {len(compounds)} compound(s) have no signature in the run's expression data")
    trained = [c.id for c in compounds if c.source == "expression"]
    if trained:
        shown = ", ".join(trained[:10]) + (f" and {len(trained) - 10} more" if len(trained) > 10 else "")
        notes.append(f"in training: {shown}: the deployed models were fitted on their signatures, so these "
                     "predictions are the refit's in-sample fit, not held-out predictions (held-out scores: the "
                     "run's evaluation)")
    return Prediction(table, model, compounds, notes)


def write_tsv(table: pd.DataFrame, path: str | Path, demo: bool = False) -> Path:
    """The consensus file's layout: a 'perturbagen' column, one column per Entrez gene id, then the data column
    (SIMULATED or real, :data:`kgexpr.artifacts.DATA_COLUMN`)."""
    from kgexpr.atomic import atomic_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as tmp:
        A.labelled(table, demo).to_csv(tmp, sep="\t", float_format="%.5g")
    return path


def top_genes(table: pd.DataFrame, symbols: dict, k: int) -> list[str]:
    """Per compound, its k most up- and down-regulated genes (input units)."""
    lines = []
    for cid, row in table.iterrows():
        order = row.sort_values()
        fmt = lambda items: ", ".join(f"{symbols.get(int(g), g)} {v:+.2f}" for g, v in items.items())  # noqa: E731
        lines.append(f"{cid}: up {fmt(order.iloc[::-1][:k])}; down {fmt(order.iloc[:k])}")
    return lines
