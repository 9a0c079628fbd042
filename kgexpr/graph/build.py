"""Sources -> graph: assemble the knowledge frames and merge them into a store.

The graph holds KEGG genes, pathways and their interactions, drugs with their
targets (KEGG DRUG entries in KGML, the Drug Repurposing Hub, DrugBank) and
cell lines with their mutations (GDSC/COSMIC) as super-nodes. Every LINCS
landmark gene of the expression data gets a node, so each modelled gene is in
the graph even when KEGG does not know it (the paper's "super-nodes fill the
gaps"), and every perturbagen gets a Drug node (a matched drug's, or its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kgexpr.graph.reconcile import reconcile_drugs, reconcile_genes
from kgexpr.graph.store import GraphStore
from kgexpr.sources.catalog import DataCatalog
from kgexpr.sources.cell_lines import normalise_cell_line, read_gdsc_alterations
from kgexpr.sources.drug_targets import match_perturbagens, read_drugbank, read_repurposing_hub
from kgexpr.sources.gene_ids import GeneIdMap
from kgexpr.sources.kgml import read_kgml_dir


#: Drug node properties besides the key and provenance (";"-joined where a drug has several)
DRUG_COLUMNS = ("name", "names", "pert_ids", "drugbank_ids", "kegg_ids", "inchikey")


@dataclass
class Knowledge:
    genes: pd.DataFrame
    pathways: pd.DataFrame
    gene_pathway: pd.DataFrame
    interactions: pd.DataFrame
    drugs: pd.DataFrame
    drug_targets: pd.DataFrame
    cell_lines: pd.DataFrame
    mutations: pd.DataFrame
    pert_to_drug: pd.Series  # LINCS pert_id -> drug_id
    report: dict = field(default_factory=dict)
    drug_merges: pd.DataFrame | None = None  # every source row folded into another drug, and the ambiguous names


def load_gene_ids(catalog: DataCatalog) -> GeneIdMap:
    ids = None
    for path, reader in ((catalog.gene_info_ncbi, GeneIdMap.from_ncbi), (catalog.gene_info_lincs, GeneIdMap.from_lincs)):
        if path is not None:
            m = reader(path)
            ids = m if ids is None else ids.merge(m)
    if ids is None:
        from kgexpr.errors import KgexprError

        raise KgexprError(f"no gene id table (gene-ids/) in {catalog.data_dir}")
    return ids


def assemble(
    catalog: DataCatalog,
    gene_ids: GeneIdMap,
    perturbagens: pd.DataFrame,
    expression_genes: pd.DataFrame,
    cell_lines: str | list[str] = "lincs",
    lincs_cell_ids: list[str] | None = None,
    target_categories: tuple[str, ...] = ("target",),
) -> Knowledge:
    """Build all node and edge frames; ``perturbagens`` has pert_id, pert_iname (inchi_key optional).

    ``target_categories``: which DrugBank protein categories become TARGETS edges (the other sources
    list targets only); each edge keeps its ``category`` and the drug's ``action`` on it.
    """
    report: dict = {}
    kg = read_kgml_dir(catalog.kgml_dir)
    report["kgml"] = {"dir": str(catalog.kgml_dir), "pathways": len(kg.pathways), "genes": len(kg.genes),
                      "interactions": len(kg.interactions)}

    drug_frames = [kg.drugs.assign(source="kegg-kgml")]
    target_frames = [kg.drug_targets]
    if catalog.repurposing_hub is not None:
        d, t, rep = read_repurposing_hub(catalog.repurposing_hub, gene_ids)
        drug_frames.append(d.assign(source="repurposing-hub"))
        target_frames.append(t)
        report["repurposing_hub"] = {k: v for k, v in rep.items() if not isinstance(v, (list, set, tuple))}
    if catalog.drugbank is not None:
        proteins, slim = catalog.drugbank
        d, t = read_drugbank(proteins, slim, gene_ids, categories=tuple(target_categories))
        drug_frames.append(d.assign(source="drugbank"))
        target_frames.append(t)
        report["drugbank"] = {"drugs": len(d), "targets": len(t)}
    source_drugs = pd.concat(drug_frames, ignore_index=True)
    all_targets = pd.concat(target_frames, ignore_index=True)

    # perturbagens -> source drugs (pert_id, then InChIKey, then normalised name), then one drug per compound
    mapping, match_report = match_perturbagens(perturbagens, source_drugs)
    report["perturbagen_matching"] = match_report
    all_drugs, merged_id, drug_merges, report["drug_reconciliation"] = reconcile_drugs(source_drugs)
    mapping["drug_id"] = mapping["drug_id"].map(merged_id)
    all_targets["drug_id"] = all_targets["drug_id"].map(merged_id).fillna(all_targets["drug_id"])
    pert_to_drug = mapping.set_index("pert_id")["drug_id"]
    unmatched = perturbagens.loc[~perturbagens["pert_id"].isin(pert_to_drug.index)]
    own = pd.DataFrame({"drug_id": unmatched["pert_id"].astype(str), "name": unmatched["pert_iname"].astype(str),
                        "pert_ids": unmatched["pert_id"].astype(str), "source": "lincs"})
    pert_to_drug = pd.concat([pert_to_drug, pd.Series(own["drug_id"].to_numpy(), index=unmatched["pert_id"].to_numpy())])

    # genes: KEGG genes, landmark genes of the expression data, and the targets of kept drugs
    genes = pd.concat(
        [kg.genes[["entrez_id", "symbol"]], expression_genes[["entrez_id", "symbol"]]], ignore_index=True
    ).drop_duplicates("entrez_id")
    universe = set(genes["entrez_id"])
    used = set(pert_to_drug.to_numpy())
    # keep every drug with a target (its target genes join the graph) and every drug that perturbed a sample, so that
    # any compound a source lists targets for can be predicted
    targets = all_targets
    keep = set(targets["drug_id"]) | used
    drugs = pd.concat([all_drugs, own], ignore_index=True)
    drugs = drugs[drugs["drug_id"].isin(keep)].drop_duplicates("drug_id")
    drugs[list(DRUG_COLUMNS)] = drugs[list(DRUG_COLUMNS)].fillna("")
    # one TARGETS edge per drug and gene, naming every source that lists it
    targets = targets[targets["drug_id"].isin(set(drugs["drug_id"]))]
    targets = targets.assign(category=targets.get("category", pd.Series(index=targets.index, dtype=object)).fillna("target"),
                             actions=targets.get("actions", pd.Series(index=targets.index, dtype=object)).fillna(""))
    targets = targets.groupby(["drug_id", "entrez_id"], as_index=False, sort=False).agg(
        source=("source", _joined), category=("category", _joined), action=("actions", _joined))
    targeted = set(targets["drug_id"])
    report["expression_coverage"] = {
        "compounds": int(perturbagens["pert_id"].nunique()),
        "matched_to_a_source_drug": int(mapping["pert_id"].nunique()),
        "with_targets": int(sum(pert_to_drug.get(p) in targeted for p in perturbagens["pert_id"].unique())),
    }
    extra = pd.DataFrame({"entrez_id": sorted(set(targets["entrez_id"]) - universe)})
    if len(extra):
        extra["symbol"] = [gene_ids.symbol(int(e)) or "" for e in extra["entrez_id"]]
        genes = pd.concat([genes, extra], ignore_index=True)
    universe = set(genes["entrez_id"])
    names = gene_ids.genes.set_index("entrez_id")["name"] if len(gene_ids) else pd.Series(dtype=str)
    genes["name"] = genes["entrez_id"].map(names).fillna("").astype(str)
    genes, report["gene_reconciliation"] = reconcile_genes(genes, gene_ids.genes if len(gene_ids) else None)
    genes["landmark"] = genes["entrez_id"].isin(set(expression_genes["entrez_id"]))

    # cell lines as super-nodes, mutations onto genes already in the graph
    cells = pd.DataFrame(columns=["name", "tissue", "cosmic_id"])
    muts = pd.DataFrame(columns=["cell_line", "entrez_id", "type"])
    if catalog.gdsc_alterations is not None:
        cells, muts = read_gdsc_alterations(catalog.gdsc_alterations, gene_ids)
        if cell_lines == "lincs" and lincs_cell_ids:
            wanted = {normalise_cell_line(c) for c in lincs_cell_ids}
        elif isinstance(cell_lines, (list, tuple)):
            wanted = {normalise_cell_line(c) for c in cell_lines}
        else:
            wanted = None
        if wanted is not None:
            cells = cells[cells["name"].map(normalise_cell_line).isin(wanted)]
        muts = muts[muts["cell_line"].isin(set(cells["name"])) & muts["entrez_id"].isin(universe)]
        cells = cells[cells["name"].isin(set(muts["cell_line"]))]
        report["cell_lines"] = {"file": str(catalog.gdsc_alterations), "cell_lines": len(cells), "mutations": len(muts)}

    gp = kg.gene_pathway.drop_duplicates()
    inter = kg.interactions.drop_duplicates(["source", "target", "pathway"])
    return Knowledge(
        genes=genes.sort_values("entrez_id", ignore_index=True),
        pathways=kg.pathways.drop_duplicates("kegg_id").reset_index(drop=True),
        gene_pathway=gp.reset_index(drop=True),
        interactions=inter.reset_index(drop=True),
        drugs=drugs[["drug_id", *DRUG_COLUMNS, "source"]].reset_index(drop=True),
        drug_targets=targets.reset_index(drop=True),
        cell_lines=cells.reset_index(drop=True),
        mutations=muts.drop_duplicates().reset_index(drop=True),
        pert_to_drug=pert_to_drug,
        report=report,
        drug_merges=drug_merges,
    )


def _joined(values) -> str:
    """The distinct words of a group's ';' / '|' separated values, sorted, ';'-joined ("" for none)."""
    words = {w.strip() for v in values for w in str(v).replace("|", ";").split(";")}
    return ";".join(sorted(w for w in words if w))


def load_into(store: GraphStore, kg: Knowledge) -> dict[str, int]:
    """Merge every frame into the store (idempotent); returns the store's counts."""
    store.merge_nodes("Gene", kg.genes)
    store.merge_nodes("Pathway", kg.pathways)
    store.merge_nodes("Drug", kg.drugs.rename(columns={"source": "provenance"}))
    store.merge_nodes("CellLine", kg.cell_lines)
    store.merge_edges("IN_PATHWAY", kg.gene_pathway.rename(columns={"entrez_id": "source", "kegg_id": "target"}))
    store.merge_edges("INTERACTS", kg.interactions)
    targets = kg.drug_targets.rename(columns={"source": "provenance"})
    store.merge_edges("TARGETS", targets.rename(columns={"drug_id": "source", "entrez_id": "target"}))
    store.merge_edges("HAS_MUTATION", kg.mutations.rename(columns={"cell_line": "source", "entrez_id": "target"}))
    return store.counts()
