"""load: sources -> the knowledge graph in the store, and the expression matrices of one cell line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kgexpr import artifacts as A
from kgexpr.errors import DamagedFile, KgexprError
from kgexpr.progress import Progress, console
from kgexpr.rundir import file_fingerprint
from kgexpr.settings import Settings
from kgexpr.stages.base import StageContext, StageSpec


@dataclass
class DataChoice:
    root: Path
    demo: bool
    catalog: object


def resolve_data(s: Settings, *, quiet: bool = False) -> DataChoice:
    """Real data from the data directory when it has what a run needs; else the labelled demo data."""
    from kgexpr.sources.catalog import DataCatalog, resolve_data_dir

    if not s.data.demo:
        root = resolve_data_dir(s.data.data_dir)
        if root is not None:
            catalog = DataCatalog(root)
            missing = catalog.missing_for_run()
            if not missing:
                return DataChoice(Path(root), catalog.is_demo, catalog)
            if s.data.data_dir is not None:
                raise KgexprError(f"data directory {root} lacks {', '.join(missing)} (use --demo for simulated data)")
        elif s.data.data_dir is not None:
            raise KgexprError(f"data directory {s.data.data_dir} does not exist")
        if quiet:  # the demo data may not be written yet
            return DataChoice(Path(s.out) / A.DEMO_DATA, True, DataCatalog(Path(s.out) / A.DEMO_DATA))
        console.print(
            "[bold yellow]No real data directory found (--data-dir / KGEXPR_DATA / ../shared/data): "
            "using SIMULATED demo data. Results are not biology.[/]"
        )
    from kgexpr.demo import write_demo_data

    root = Path(s.out) / A.DEMO_DATA
    if not (root / "DEMO.txt").exists():
        write_demo_data(root, seed=s.seed)
    return DataChoice(root, True, DataCatalog(root))


def pick_expression(catalog, s: Settings, *, say: bool = False):
    """``--expression`` (a set name or a path), else the set with the most distinct compounds."""
    from kgexpr.sources.expression_sets import find_set

    sets = catalog.expression_sets
    if s.data.expression is not None:
        return find_set(sets, s.data.expression, catalog.data_dir)
    if not sets:
        raise KgexprError(f"no LINCS expression set (.gct/.gctx or consensus table) in {catalog.data_dir}")
    if len(sets) == 1:
        return sets[0]
    counts, unreadable = {}, {}
    for e in sets:  # one damaged set does not stop a run on another
        try:
            counts[e.name] = e.summary()["compounds"]
        except KgexprError as exc:
            unreadable[e.name] = exc
    if not counts:
        raise next(iter(unreadable.values()))
    readable = [e for e in sets if e.name in counts]
    best = max(readable, key=lambda e: (counts[e.name], e.name == readable[0].name))
    if say:
        for exc in unreadable.values():
            console.print(f"[yellow]expression: skipped: {exc}[/]")
        others = ", ".join(f"{n} ({c})" for n, c in counts.items() if n != best.name) or "none readable"
        console.print(f"expression: {best.name} ({counts[best.name]} compounds, the most; others: {others}; "
                      "choose with --expression)")
    return best


def check_expression(s: Settings) -> None:
    """Fail before any work when ``--expression`` names no set of the data directory and no file."""
    data = resolve_data(s, quiet=True)
    if data.root.is_dir():
        pick_expression(data.catalog, s)


def check_named_genes(s: Settings) -> None:
    """Fail before any work when ``--include-genes`` names a gene the data's LINCS gene table lacks.

    The check uses the landmark genes of that table (what load keeps); training checks the
    genes actually loaded again.
    """
    from kgexpr.learn.targets import resolve_gene_names
    from kgexpr.sources.lincs import read_gene_info

    if not s.learner.include_genes or s.learner.include_genes == Settings.default("include_genes"):
        return
    table_path = resolve_data(s).catalog.gene_info_lincs
    if table_path is None:
        return
    table = read_gene_info(table_path)
    landmarks = table[table["is_landmark"].fillna(False).astype(bool)]
    if len(landmarks):
        table = landmarks
    resolve_gene_names(table, s.learner.include_genes, what=f"LINCS landmark genes in {table_path.name}")


def prepare(ctx: StageContext) -> dict:
    """The data files this load reads, fingerprinted (a changed file is a changed load).

    A graph server is reached first, so a wrong address or a stopped server fails before any parsing.
    """
    if ctx.settings.backend.kind != "embedded":
        ctx.store()
    data = resolve_data(ctx.settings)
    es = pick_expression(data.catalog, ctx.settings, say=True)
    ctx.state.update(data=data, expression=es)
    return {"data_dir": str(data.root), "demo": data.demo, "expression_set": es.name, "release": es.release,
            "expression": [file_fingerprint(p) for p in es.files], "catalog": data.catalog.describe()}


def selection_of(s: Settings):
    from kgexpr.sources.expression_sets import Selection

    return Selection(cell_line=s.data.cell_line, pert_types=tuple(s.data.pert_types), time_h=s.data.pert_time, dose_um=s.data.pert_dose,
                     max_signatures=s.data.max_signatures, seed=s.seed)


def _perturbagens(catalog, es, sel, prog):
    """The profiled perturbagens with their InChIKeys and names where a structure source has them, and the
    structures found."""
    from kgexpr.sources.structures import gather_structures

    perts = sel.samples[["pert_id", "pert_iname"]].drop_duplicates("pert_id")
    structures = gather_structures(catalog, es, set(perts["pert_id"]))
    if len(structures):
        prog.step("perturbagen structures", f"{len(structures)} of {len(perts)} perturbagens described")
        perts = perts.merge(structures[["pert_id", "inchi_key"]], on="pert_id", how="left")
        # consensus rows carry only an id: name them as their source does
        names = structures.set_index("pert_id")["pert_iname"].replace("", pd.NA)
        unnamed = perts["pert_iname"] == perts["pert_id"]
        perts.loc[unnamed, "pert_iname"] = perts.loc[unnamed, "pert_id"].map(names).fillna(perts["pert_id"])
    return perts, structures


def _into_store(ctx: StageContext, kg, prog) -> tuple[dict, str]:
    """The knowledge graph written into the run's store, recorded there with its hash; (counts, graph hash)."""
    from kgexpr.graph.build import load_into
    from kgexpr.graph.view import graph_hash

    s = ctx.settings
    prog.step("writing graph", s.backend.kind)
    store = ctx.store(embedded_path=A.GRAPH.path(ctx.out))
    if s.backend.clear:
        prog.step("emptying the graph store first (--neo4j-clear)")
        store.clear()
    counts = load_into(store, kg)
    store.flush()
    prog.step("recording the load", "graph hash and counts, in the store")
    ghash = graph_hash(store.graph_view())
    store.record_load(ctx.key, ghash, counts)
    if counts.get("Gene", 0) > len(kg.genes):
        console.print(
            f"[yellow]load: the {s.backend.kind} store holds {counts['Gene']} genes, more than the "
            f"{len(kg.genes)} just loaded: features will see those too (use --neo4j-clear).[/]"
        )
    return counts, ghash


def _say_loaded(es, loaded, summary: dict, kg, chem: dict) -> None:
    from kgexpr.features.chemistry import describe

    cell, counts = summary["cell_line"], summary["counts"]
    where = f"{cell}" if cell else "pooled over cell lines"
    what = "structures" if chem["kind"] == "structure" else "formulas"
    console.print(f"load: {what} for {chem['parsed']} of {chem['compounds']} compounds ({describe(chem)}); "
                  f"{chem['missing']} without one get zeros and structure_missing=1")
    rec, grec = kg.report["drug_reconciliation"], kg.report["gene_reconciliation"]
    console.print(f"load: {rec['rows']} source drug rows -> {rec['drugs']} drugs ({rec['merged_drugs']} merged: "
                  f"{rec['joined_by_inchikey']} by InChIKey, {rec['joined_by_name']} by name; {rec['ambiguous_names']} "
                  f"names left ambiguous; see {A.DRUG_MERGES.filename}); {grec['symbols_from_ncbi']} gene symbols from "
                  f"NCBI, {len(grec['shared_symbols_settled'])} shared symbols settled, {grec['named_loc']} genes named LOC<id>")
    cov = kg.report.get("expression_coverage")
    if cov:
        console.print(f"load: coverage of the {cov['compounds']} compounds: {cov['matched_to_a_source_drug']} matched to "
                      f"a source drug, {cov['with_targets']} with targets in the graph, {chem['parsed']} with a structure")
    console.print(f"load: {es.name}: {summary['samples']} of {loaded.file_signatures} signatures x "
                  f"{summary['genes']} genes ({where}; scaling {summary['scaling']}); graph {counts}")


def run(ctx: StageContext) -> None:
    from kgexpr.features.chemistry import compute_descriptors
    from kgexpr.graph.build import assemble, load_gene_ids
    from kgexpr.learn.scaling import fit_transform, resolve_scaling
    from kgexpr.sources import lincs
    from kgexpr.sources.expression_sets import load_expression

    s = ctx.settings
    data, es = ctx.state["data"], ctx.state["expression"]
    catalog = data.catalog
    with Progress("load") as prog:
        prog.step("reading expression", f"{es.name}: {es.path.name}")
        loaded = load_expression(es, selection_of(s), strict=s.data.strict)
        for note in loaded.notes:
            console.print(f"[yellow]load: {es.path.name}: {note}[/]")
        sel, cell = loaded.profiles, loaded.cell_line
        scaling = resolve_scaling(s.data.scaling, es.kind)
        scaled, scale = fit_transform(sel.values, scaling)
        perts, structures = _perturbagens(catalog, es, sel, prog)
        prog.step("drug descriptors", s.data.descriptors)
        descriptors, chem = compute_descriptors(structures, s.data.descriptors, radius=s.data.fingerprint_radius,
                                                n_bits=s.data.fingerprint_bits, pert_ids=sel.samples["pert_id"].unique())
        prog.step("gene ids")
        gene_ids = load_gene_ids(catalog)
        prog.step("knowledge graph", str(catalog.kgml_dir))
        kg = assemble(catalog, gene_ids, perts, sel.genes[["entrez_id", "symbol"]], s.graph.mutation_cell_lines,
                      lincs_cell_ids=lincs.mutation_cell_lines(loaded.cell_lines), target_categories=s.graph.target_categories)
        counts, ghash = _into_store(ctx, kg, prog)
    ctx.write(A.EXPRESSION_RAW, sel.values)
    ctx.write(A.EXPRESSION_SCALED, scaled)
    ctx.write(A.EXPRESSION_SCALE, scale)
    ctx.write(A.SAMPLES, sel.samples)
    ctx.write(A.GENES, sel.genes)
    ctx.write(A.PERT_TO_DRUG, kg.pert_to_drug.rename("drug_id").rename_axis("pert_id").reset_index())
    ctx.write(A.DESCRIPTORS, descriptors)
    ctx.write(A.DRUG_MERGES, A.labelled(kg.drug_merges, data.demo))
    summary = {
        "data_dir": str(data.root), "demo": data.demo, "expression_set": es.name, "release": es.release,
        "kind": es.kind, "expression": str(es.path), "cell_line": cell, "scaling": scaling,
        "file_signatures": loaded.file_signatures, "samples": int(len(sel.samples)), "genes": int(sel.values.shape[1]),
        "perturbagens": int(sel.samples["pert_id"].nunique()), "notes": list(loaded.notes), "counts": counts,
        "sources": kg.report, "structures": chem, "graph_hash": ghash,
    }
    ctx.write(A.LOAD_SUMMARY, summary)
    ctx.info.update(summary)
    ctx.info["batch_size"] = s.backend.batch_size  # predict opens the store as the load did
    _say_loaded(es, loaded, summary, kg, chem)


def still_valid(ctx: StageContext, done) -> str | None:
    """A load is only as good as the database still holding it: its record there, and the same graph."""
    from kgexpr.graph.view import graph_hash

    s = ctx.settings
    if s.backend.kind == "embedded":  # the graph lives in the load's own folder, and explain adds its edges there
        try:
            store = ctx.store(embedded_path=A.GRAPH.path(done.path))
            same = graph_hash(store.graph_view()) == done.manifest.get("info", {}).get("graph_hash")
        except DamagedFile as e:
            return f"{e.path} is damaged"
        finally:
            ctx.close()
        return None if same else f"the embedded graph in {A.GRAPH.path(done.path)} changed since this load"
    if s.backend.clear:
        return "--neo4j-clear: emptying the database and loading it again"
    store = ctx.store()
    record = store.load_record(ctx.key)
    where = f"the {s.backend.kind} database at {s.backend.uri}"
    if not record:
        return f"{where} holds no record of this load (emptied, or another database)"
    if graph_hash(store.graph_view()) != record["graph_hash"]:
        return f"the knowledge graph in {where} changed since this load (another load, or a deletion)"
    return None


STAGE = StageSpec(
    name=A.LOAD, needs=(), version=5, sections=("data", "graph"), prepare=prepare, run=run, uses_backend=True,
    still_valid=still_valid,
    description="parse KEGG / drug targets / cell-line mutations / LINCS, build the graph",
)
