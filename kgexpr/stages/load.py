"""load: sources -> the knowledge graph in the store, and the expression matrices of one cell line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kgexpr import artifacts as A
from kgexpr.errors import KgexprError
from kgexpr.progress import Progress, console
from kgexpr.rundir import file_fingerprint
from kgexpr.settings import Settings
from kgexpr.stages.base import StageContext, StageSpec


@dataclass
class DataChoice:
    root: Path
    demo: bool
    catalog: object


def resolve_data(s: Settings) -> DataChoice:
    """Real data from the data directory when it has what a run needs; else the labelled demo data."""
    from kgexpr.sources.catalog import DataCatalog, resolve_data_dir

    if not s.demo:
        root = resolve_data_dir(s.data_dir)
        if root is not None:
            catalog = DataCatalog(root)
            missing = catalog.missing_for_run()
            if not missing:
                return DataChoice(Path(root), catalog.is_demo, catalog)
            if s.data_dir is not None:
                raise KgexprError(f"data directory {root} lacks {', '.join(missing)} (use --demo for simulated data)")
        elif s.data_dir is not None:
            raise KgexprError(f"data directory {s.data_dir} does not exist")
        console.print(
            "[bold yellow]No real data directory found (--data-dir / KGEXPR_DATA / ../shared/data): "
            "using SIMULATED demo data. Results are not biology.[/]"
        )
    from kgexpr.demo import write_demo_data

    root = Path(s.out) / A.DEMO_DATA
    if not (root / "DEMO.txt").exists():
        write_demo_data(root, seed=s.seed)
    return DataChoice(root, True, DataCatalog(root))


def pick_expression(catalog, s: Settings) -> Path:
    """``--expression``, else the first LINCS file the catalog lists (a .gctx before a .gct of the same name)."""
    if s.expression is not None:
        return Path(s.expression)
    files = catalog.expression_files
    if not files:
        raise KgexprError(f"no LINCS expression file (.gct/.gctx) in {catalog.data_dir}")
    return Path(files[0])


def check_named_genes(s: Settings) -> None:
    """Fail before any work when ``--include-genes`` names a gene the data's LINCS gene table lacks.

    The check uses the landmark genes of that table (what load keeps); training checks the
    genes actually loaded again.
    """
    from kgexpr.learn.targets import resolve_gene_names
    from kgexpr.sources.lincs import read_gene_info

    if not s.include_genes or s.include_genes == Settings.default("include_genes"):
        return
    table_path = resolve_data(s).catalog.gene_info_lincs
    if table_path is None:
        return
    table = read_gene_info(table_path)
    landmarks = table[table["is_landmark"].fillna(False).astype(bool)]
    if len(landmarks):
        table = landmarks
    resolve_gene_names(table, s.include_genes, what=f"LINCS landmark genes in {table_path.name}")


def params(s: Settings) -> dict:
    return {"cell_line": s.cell_line, "mutation_cell_lines": s.mutation_cell_lines, "neo4j_clear": s.neo4j_clear,
            "demo": s.demo}


def prepare(ctx: StageContext) -> dict:
    """The data files this load reads, fingerprinted (a changed file is a changed load)."""
    data = resolve_data(ctx.settings)
    expr_path = pick_expression(data.catalog, ctx.settings)
    ctx.state.update(data=data, expression=expr_path)
    return {"data_dir": str(data.root), "demo": data.demo, "expression": file_fingerprint(expr_path),
            "catalog": data.catalog.describe()}


def run(ctx: StageContext) -> None:
    from kgexpr.features.design import drug_descriptors
    from kgexpr.graph.build import assemble, load_gene_ids, load_into
    from kgexpr.sources import lincs

    s = ctx.settings
    data, expr_path = ctx.state["data"], ctx.state["expression"]
    catalog = data.catalog
    with Progress("load") as prog:
        prog.step("reading expression", expr_path.name)
        profiles = lincs.to_profiles(lincs.read_expression(expr_path))
        cell = lincs.pick_cell_line(profiles.samples, s.cell_line)
        sel = lincs.select(profiles, cell)
        scaled, mins, maxs = lincs.scale_unit(sel.values)
        perts = sel.samples[["pert_id", "pert_iname"]].drop_duplicates("pert_id")
        descriptors = None
        if catalog.pert_info is not None:
            prog.step("perturbagen info", catalog.pert_info.name)
            pinfo = lincs.read_pert_info(catalog.pert_info)
            pinfo = pinfo[pinfo["pert_id"].isin(set(perts["pert_id"]))].drop_duplicates("pert_id")
            if "inchi_key" in pinfo.columns:
                perts = perts.merge(pinfo[["pert_id", "inchi_key"]], on="pert_id", how="left")
            descriptors = drug_descriptors(pinfo)
        prog.step("gene ids")
        gene_ids = load_gene_ids(catalog)
        prog.step("knowledge graph", str(catalog.kgml_dir))
        kg = assemble(catalog, gene_ids, perts, sel.genes[["entrez_id", "symbol"]], s.mutation_cell_lines,
                      lincs_cell_ids=lincs.mutation_cell_lines(profiles.samples))
        prog.step("writing graph", s.backend)
        store = ctx.store(embedded_path=A.GRAPH.path(ctx.out))
        if s.neo4j_clear:
            prog.step("emptying the graph store first (--neo4j-clear)")
            store.clear()
        counts = load_into(store, kg)
        store.flush()
        if counts.get("Gene", 0) > len(kg.genes):
            console.print(
                f"[yellow]load: the {s.backend} store holds {counts['Gene']} genes, more than the "
                f"{len(kg.genes)} just loaded: features will see those too (use --neo4j-clear).[/]"
            )
    ctx.write(A.EXPRESSION_RAW, sel.values)
    ctx.write(A.EXPRESSION_SCALED, scaled)
    ctx.write(A.EXPRESSION_SCALE, pd.DataFrame({"min": mins, "max": maxs}))
    ctx.write(A.SAMPLES, sel.samples)
    ctx.write(A.GENES, sel.genes)
    ctx.write(A.PERT_TO_DRUG, kg.pert_to_drug.rename("drug_id").rename_axis("pert_id").reset_index())
    if descriptors is not None:
        ctx.write(A.DESCRIPTORS, descriptors)
    summary = {
        "data_dir": str(data.root), "demo": data.demo, "expression": str(expr_path), "cell_line": cell,
        "samples": int(len(sel.samples)), "genes": int(sel.values.shape[1]),
        "perturbagens": int(sel.samples["pert_id"].nunique()), "counts": counts, "sources": kg.report,
    }
    ctx.write(A.LOAD_SUMMARY, summary)
    ctx.info.update(summary)
    console.print(f"load: {summary['samples']} samples x {summary['genes']} genes ({cell}); graph {counts}")


STAGE = StageSpec(
    name=A.LOAD, needs=(), version=1, params=params, prepare=prepare, run=run, uses_backend=True,
    description="parse KEGG / drug targets / cell-line mutations / LINCS, build the graph",
)
