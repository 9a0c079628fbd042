"""One Drug node per compound and one named Gene node per Entrez id, whatever the sources call them.

The Repurposing Hub keys compounds by Broad id, DrugBank by DB id, KGML by KEGG D number, and
each spells names its own way, so the same compound arrives several times (imatinib is
``BRD-K92723993`` and ``DB00619``). Drug rows are joined when they share an id or an InChIKey,
then when they share a normalised name, unless the rows under that name carry InChIKeys of
different molecules (different first blocks: the skeleton): such a name stays ambiguous and its
rows stay apart. Names that are identifiers (KGML names a drug entry after its first D number)
never join anything. A merged drug keeps every source's ids and targets; its key is its DrugBank
id, else its Broad id, else its KEGG id.

Genes are keyed by Entrez id and keep the sources' symbols; NCBI's table fills the empty ones and
settles two ids that share one (KGML calls the locus NCBI names LOC102724560 "CBS"), and a gene no
table names gets NCBI's own convention, ``LOC<id>``, instead of an empty string.
"""

from __future__ import annotations

import re

import pandas as pd

from kgexpr.sources.drug_targets import normalise_name

__all__ = ["reconcile_drugs", "reconcile_genes", "SOURCE_PRIORITY"]

#: whose id becomes a merged drug's key, first wins
SOURCE_PRIORITY = ("drugbank", "repurposing-hub", "kegg-kgml", "lincs")
_ID_LIKE = re.compile(r"^(DB\d{5}|D\d{5}|C\d{5}|BRD-[A-Z][A-Z0-9]{8}|CPD\d+|\d+)$", re.IGNORECASE)
MAX_LISTED = 25  # ambiguous names and renames listed in the load report (all are in the merge table)


class _Clusters:
    """Union-find over row positions."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> bool:
        a, b = self.find(i), self.find(j)
        if a == b:
            return False
        self.parent[max(a, b)] = min(a, b)
        return True


def _join(values) -> str:
    return ";".join(sorted({v for v in values if isinstance(v, str) and v}))


def reconcile_drugs(drugs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]:
    """Merge drug rows of several sources into one row per compound.

    ``drugs``: drug_id, name, source, and optionally pert_ids (";"-joined) and inchikey.
    Returns (merged drugs: drug_id, name, names, pert_ids, drugbank_ids, kegg_ids, inchikey, source;
    old drug_id -> merged drug_id; the merge table: every folded row with its key and how it was
    matched, plus every ambiguous name; the report).
    """
    d = drugs.reset_index(drop=True).copy()
    for col in ("pert_ids", "inchikey"):
        if col not in d.columns:
            d[col] = ""
    d = d.fillna({"name": "", "pert_ids": "", "inchikey": ""}).astype({"drug_id": str, "name": str})
    ids = set(d["drug_id"])
    id_like = d["name"].map(lambda x: bool(_ID_LIKE.match(x.strip())) or x in ids)
    renamed = d.loc[id_like & (d["name"] != d["drug_id"]) & (d["name"] != ""), ["drug_id", "name"]]
    d.loc[id_like | (d["name"].str.strip() == ""), "name"] = d["drug_id"]  # a drug named after another id: its own
    d["key"] = d["inchikey"].astype(str).str.strip().str.upper().str.removeprefix("INCHIKEY=")
    d["skeleton"] = d["key"].str[:14]
    d["norm"] = [("" if bad else normalise_name(n)) for n, bad in zip(d["name"], id_like)]

    uf = _Clusters(len(d))
    how = pd.Series("", index=d.index, dtype=object)
    for _, pos in d.groupby("drug_id").indices.items():
        for p in pos[1:]:
            uf.union(pos[0], p)
    by_key = 0
    keyed = d.index[d["key"] != ""]
    for pos in d.loc[keyed].groupby("key").indices.values():
        rows = keyed[pos]
        for r in rows[1:]:
            if uf.union(rows[0], r):
                by_key += 1
                for i in (rows[0], r):
                    how[i] = how[i] or "inchikey"
    # names: only where the clusters they would join agree on the molecule
    named = d.index[d["norm"] != ""]
    ambiguous = []
    by_name = 0
    skeletons_of: dict[int, set] = {}  # cluster root -> the InChIKey skeletons of its rows
    for i, sk in zip(d.index, d["skeleton"]):
        skeletons_of.setdefault(uf.find(i), set()).update({sk} - {""})
    for norm, pos in d.loc[named].groupby("norm").indices.items():
        rows = named[pos]
        roots = {uf.find(r) for r in rows}
        if len(roots) < 2:
            continue
        skeletons = set().union(*(skeletons_of[r] for r in roots))
        if len(skeletons) > 1:
            ambiguous.append({"name": d.loc[rows[0], "name"], "drug_ids": sorted(set(d.loc[rows, "drug_id"])),
                              "inchikey_skeletons": sorted(skeletons)})
            continue
        for r in rows[1:]:
            if uf.union(rows[0], r):
                by_name += 1
                for i in (rows[0], r):
                    how[i] = how[i] or "name"
        skeletons_of[uf.find(rows[0])] = skeletons

    d["cluster"] = [uf.find(i) for i in d.index]
    rank = {s: i for i, s in enumerate(SOURCE_PRIORITY)}
    d["_rank"] = d["source"].map(lambda s: rank.get(s, len(rank)))
    head = d.sort_values(["cluster", "_rank", "drug_id"]).drop_duplicates("cluster").set_index("cluster")
    d["merged_id"] = d["cluster"].map(head["drug_id"])
    grouped = d.groupby("cluster", sort=False)
    merged = pd.DataFrame({
        "drug_id": head["drug_id"],
        "name": head["name"],
        "names": grouped["name"].agg(_join),
        "pert_ids": grouped["pert_ids"].agg(lambda v: _join(p for x in v for p in str(x).split(";"))),
        "drugbank_ids": d["drug_id"].where(d["source"] == "drugbank", "").groupby(d["cluster"], sort=False).agg(_join),
        "kegg_ids": d["drug_id"].where(d["source"] == "kegg-kgml", "").groupby(d["cluster"], sort=False).agg(_join),
        "inchikey": head["key"],
        "source": grouped["source"].agg(_join),
    }).reset_index(drop=True)
    id_map = pd.Series(d["merged_id"].to_numpy(), index=d["drug_id"].to_numpy()).groupby(level=0).first()
    folded = d[d["drug_id"] != d["merged_id"]]
    table = pd.concat([
        pd.DataFrame({"kind": "merged", "drug_id": folded["merged_id"], "member_id": folded["drug_id"],
                      "member_source": folded["source"], "member_name": folded["name"],
                      "matched_by": folded.index.map(lambda i: how[i] or "drug_id")}),
        pd.DataFrame({"kind": "ambiguous", "drug_id": "", "member_id": [";".join(a["drug_ids"]) for a in ambiguous],
                      "member_source": "", "member_name": [a["name"] for a in ambiguous], "matched_by": ""}),
    ], ignore_index=True)
    report = {
        "rows": int(len(d)),
        "drugs": int(len(merged)),
        "merged_drugs": int((grouped.size() > 1).sum()),
        "rows_folded": int(len(folded)),
        "joined_by_inchikey": int(by_key),
        "joined_by_name": int(by_name),
        "ambiguous_names": len(ambiguous),
        "ambiguous_examples": ambiguous[:MAX_LISTED],
        "renamed_id_like_names": renamed.head(MAX_LISTED).to_dict("records"),
        "names_on_several_drugs": int((merged["name"].map(normalise_name).value_counts() > 1).sum()),
    }
    return merged, id_map, table, report


def reconcile_genes(genes: pd.DataFrame, ncbi: pd.DataFrame | None) -> tuple[pd.DataFrame, dict]:
    """Every gene a symbol of its own and a name.

    ``genes``: entrez_id, symbol (as the sources gave it: KGML, LINCS), name. The sources' symbols
    are newer than the bundled NCBI table (2016) and stay; NCBI's (``ncbi``: entrez_id, symbol, name)
    fills the empty ones and settles two ids sharing one symbol; a gene still without a symbol of
    its own gets NCBI's convention for unnamed loci, ``LOC<entrez id>``.
    """
    g = genes.drop_duplicates("entrez_id").reset_index(drop=True).copy()
    given = g["symbol"].fillna("").astype(str).str.strip()
    blank = pd.Series("", index=g.index)
    if ncbi is not None and len(ncbi):
        ref = ncbi.drop_duplicates("entrez_id").set_index("entrez_id")
        ncbi_sym = g["entrez_id"].map(ref["symbol"]).fillna("").astype(str)
        ncbi_name = g["entrez_id"].map(ref["name"]).fillna("").astype(str) if "name" in ref.columns else blank
    else:
        ncbi_sym, ncbi_name = blank, blank
    symbol = given.where(given != "", ncbi_sym)
    filled = (given == "") & (ncbi_sym != "")
    shared = symbol.duplicated(keep=False) & (symbol != "")
    settle = shared & (ncbi_sym != "") & (ncbi_sym != symbol)  # NCBI tells the ids apart
    before = symbol.copy()
    symbol[settle] = ncbi_sym[settle]
    still = symbol.duplicated(keep=False) & (symbol != "") & (ncbi_sym != symbol)  # the id NCBI gives it keeps it
    loc = (symbol == "") | still
    symbol[loc] = "LOC" + g.loc[loc, "entrez_id"].astype(str)
    g["symbol"] = symbol
    old_name = g["name"].fillna("").astype(str) if "name" in g.columns else blank
    g["name"] = old_name.where(old_name.str.strip() != "", ncbi_name)
    g.loc[g["name"].str.strip() == "", "name"] = g["symbol"]
    renamed = settle | still
    report = {
        "genes": int(len(g)),
        "symbols_from_ncbi": int(filled.sum()),
        "shared_symbols_settled": [{"entrez_id": int(e), "was": a, "now": b}
                                   for e, a, b in zip(g.loc[renamed, "entrez_id"], before[renamed], symbol[renamed])][:MAX_LISTED],
        "named_loc": int(((given == "") & (ncbi_sym == "")).sum()),
        "symbols_on_several_genes": sorted(set(symbol[symbol.duplicated(keep=False)]))[:MAX_LISTED],
    }
    return g, report
