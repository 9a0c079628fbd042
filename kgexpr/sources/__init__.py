"""Parsers for the providers' published formats.

Every parser returns plain pandas frames with fixed columns, and raises
:class:`kgexpr.errors.InputError` (file, line/record, field) on bad input.

Frame schemas shared by all sources (the graph builder relies on them):

- genes:         entrez_id:int64, symbol:str, name:str
- pathways:      kegg_id:str ("hsa04110"), name:str
- gene_pathway:  entrez_id:int64, kegg_id:str
- interactions:  source:int64, target:int64 (Entrez), kind:str, pathway:str
- drugs:         drug_id:str, name:str, pert_ids:str (";"-joined LINCS pert_ids, may be "")
- drug_targets:  drug_id:str, entrez_id:int64, source:str
- cell_lines:    name:str, tissue:str, cosmic_id:str
- mutations:     cell_line:str, entrez_id:int64, type:str
"""

from kgexpr.sources.catalog import DataCatalog, resolve_data_dir
from kgexpr.sources.cell_lines import (
    normalise_cell_line,
    read_cosmic_cell_lines_export,
    read_depmap_mutations,
    read_gdsc_alterations,
    read_gdsc_cell_lines,
)
from kgexpr.sources.drug_targets import (
    match_perturbagens,
    normalise_name,
    normalise_pert_id,
    read_drugbank,
    read_repurposing_hub,
)
from kgexpr.sources.gene_ids import GeneIdMap
from kgexpr.sources.kegg_rest import read_link_drug_target, read_link_pathway, read_list_pathway
from kgexpr.sources.kgml import KgmlPathway, read_kgml, read_kgml_dir
from kgexpr.sources.lincs import (
    GctData,
    Profiles,
    attach_sig_info,
    formula_descriptors,
    read_expression,
    read_gct,
    read_gctx,
    read_gene_info,
    read_pert_info,
    read_sig_info,
    scale_unit,
    select,
    to_profiles,
)

__all__ = [
    "DataCatalog", "resolve_data_dir",
    "normalise_cell_line", "read_cosmic_cell_lines_export", "read_depmap_mutations",
    "read_gdsc_alterations", "read_gdsc_cell_lines",
    "match_perturbagens", "normalise_name", "normalise_pert_id", "read_drugbank", "read_repurposing_hub",
    "GeneIdMap",
    "read_link_drug_target", "read_link_pathway", "read_list_pathway",
    "KgmlPathway", "read_kgml", "read_kgml_dir",
    "GctData", "Profiles", "attach_sig_info", "formula_descriptors", "read_expression", "read_gct",
    "read_gctx", "read_gene_info", "read_pert_info", "read_sig_info", "scale_unit", "select", "to_profiles",
]
