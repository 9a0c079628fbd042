"""Drug → target gene tables (Drug Repurposing Hub, DrugBank) and LINCS perturbagen matching.

The graph keys drugs by LINCS pert_id where one is known, so each source carries the
identifiers (pert_ids, InChIKey, name) that :func:`match_perturbagens` needs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from kgexpr.errors import InputError
from kgexpr.sources._io import DRUG_TARGETS, check_unique, frame, is_missing, line_of, read_table, to_int
from kgexpr.sources.gene_ids import GeneIdMap

__all__ = [
    "read_repurposing_hub",
    "read_drugbank",
    "DRUGBANK_CATEGORIES",
    "normalise_name",
    "normalise_pert_id",
    "match_perturbagens",
]

_BRD = re.compile(r"^(BRD-[A-Z0-9]{9})(?:-|$)")
_NON_ALNUM = re.compile(r"[^a-z0-9]")
_DRUG_COLUMNS = ["drug_id", "name", "pert_ids", "moa", "inchikey"]


def normalise_name(name: object) -> str:
    """Case/punctuation-insensitive key: lowercase, keep only [a-z0-9] ("CP-724,714" → "cp724714")."""
    if is_missing(name):
        return ""
    return _NON_ALNUM.sub("", str(name).lower())


def normalise_pert_id(value: object) -> str:
    """LINCS pert_id from a Broad sample id ("BRD-K76908866-001-06-8" → "BRD-K76908866"); others kept."""
    text = "" if is_missing(value) else str(value).strip()
    m = _BRD.match(text)
    return m.group(1) if m else text


def _split(value: str, sep: str = ",") -> list[str]:
    if is_missing(value):
        return []
    return [v.strip() for v in str(value).split(sep) if v.strip() and not is_missing(v)]


def read_repurposing_hub(
    path: str | Path, gene_ids: GeneIdMap
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Drug Repurposing Hub export → (drugs, drug_targets, report).

    drug_id is the first 13-character pert_id of ``Id``; targets are HGNC symbols mapped to
    Entrez with ``gene_ids``.  report: compounds, with_targets (>=1 mapped target),
    targets_unmapped (distinct symbols without an Entrez id) and unmapped_symbols.
    """
    path = Path(path)
    df = read_table(path, ["Name", "Target", "Id"])
    drug_rows, target_rows, unmapped = [], [], set()
    seen: dict[str, int] = {}
    with_targets = 0
    for pos in range(len(df)):
        line = line_of(pos)
        pert_ids = list(dict.fromkeys(normalise_pert_id(i) for i in _split(df["Id"].iat[pos])))
        if not pert_ids:
            raise InputError(path, "no Broad id in Id column", line=line, field="Id")
        drug_id = pert_ids[0]
        if drug_id in seen:
            raise InputError(
                path, f"duplicate id {drug_id!r} (first on line {seen[drug_id]})", line=line, field="Id"
            )
        seen[drug_id] = line
        inchikeys = list(dict.fromkeys(_split(df["InChIKey"].iat[pos]))) if "InChIKey" in df.columns else []
        moa = df["MOA"].iat[pos] if "MOA" in df.columns else ""
        drug_rows.append((drug_id, df["Name"].iat[pos], ";".join(pert_ids), moa, inchikeys[0] if inchikeys else ""))
        symbols = list(dict.fromkeys(_split(df["Target"].iat[pos])))
        ids = gene_ids.to_entrez(symbols) if symbols else pd.Series([], dtype="Int64")
        mapped = False
        for sym, gid in zip(symbols, ids):
            if pd.isna(gid):
                unmapped.add(sym)
            else:
                target_rows.append((drug_id, int(gid), "repurposing-hub"))
                mapped = True
        with_targets += mapped
    drugs = pd.DataFrame(drug_rows, columns=_DRUG_COLUMNS).astype(str)
    targets = frame(target_rows, DRUG_TARGETS).drop_duplicates(ignore_index=True)
    report = {
        "compounds": len(drugs),
        "with_targets": int(with_targets),
        "targets_unmapped": len(unmapped),
        "unmapped_symbols": sorted(unmapped),
    }
    return drugs, targets, report


#: DrugBank protein categories; "target" alone by default (enzymes, transporters and carriers mostly
#: metabolise or move a drug rather than carry its effect)
DRUGBANK_CATEGORIES = ("target", "enzyme", "transporter", "carrier")


def read_drugbank(
    proteins_path: str | Path, slim_path: str | Path, gene_ids: GeneIdMap | None = None,
    categories: tuple[str, ...] = ("target",),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """dhimmel/drugbank ``proteins.tsv`` + ``drugbank-slim.tsv`` → (drugs, drug_targets).

    Keeps the rows of ``categories`` (of :data:`DRUGBANK_CATEGORIES`) in organism "Human"; every drug
    with such a row is a drug, named by the slim table where it lists it (name and InChIKey to match
    LINCS by) and by its id alone otherwise; with ``gene_ids`` Entrez ids unknown to the map are
    dropped (DrugBank 4 ids can be retired).  drugs has drug_id (DBxxxxx), name, pert_ids "",
    inchikey (without the "InChIKey=" prefix); drug_targets adds to the usual columns the row's
    ``category`` and its ``actions`` ("inhibitor|antagonist", "" when DrugBank lists none).
    """
    unknown = sorted(set(categories) - set(DRUGBANK_CATEGORIES))
    if unknown or not categories:
        raise ValueError(f"DrugBank categories {unknown or '(none)'}: choose from {', '.join(DRUGBANK_CATEGORIES)}")
    proteins_path, slim_path = Path(proteins_path), Path(slim_path)
    slim = read_table(slim_path, ["drugbank_id", "name"], quoted=True)  # descriptions span lines
    check_unique(slim["drugbank_id"], slim_path, "drugbank_id")
    inchikey = slim["inchikey"] if "inchikey" in slim.columns else pd.Series("", index=slim.index)
    inchikey = inchikey.str.replace(r"^InChIKey=", "", regex=True)
    drugs = pd.DataFrame(
        {
            "drug_id": slim["drugbank_id"],
            "name": slim["name"],
            "pert_ids": "",
            "inchikey": [("" if is_missing(k) else k) for k in inchikey],
        }
    ).reset_index(drop=True)

    prot = read_table(proteins_path, ["drugbank_id", "category", "entrez_gene_id", "organism"])
    keep = prot["category"].str.lower().isin(set(categories)) & prot["organism"].str.lower().eq("human")
    keep &= ~prot["entrez_gene_id"].map(is_missing)
    prot = prot[keep]
    ids = to_int(prot["entrez_gene_id"], proteins_path, "entrez_gene_id")
    actions = prot["actions"] if "actions" in prot.columns else pd.Series("", index=prot.index)
    targets = pd.DataFrame({"drug_id": prot["drugbank_id"].to_numpy(), "entrez_id": ids.to_numpy(),
                            "category": prot["category"].str.lower().to_numpy(),
                            "actions": ["" if is_missing(a) else str(a).strip() for a in actions]})
    # a drug with human targets but no slim row (no name or InChIKey there) is still a drug: its id names it,
    # and the expression data can link it by that id (consensus signatures are keyed by DrugBank id)
    unlisted = sorted(set(targets["drug_id"]) - set(drugs["drug_id"]))
    if unlisted:
        drugs = pd.concat([drugs, pd.DataFrame({"drug_id": unlisted, "name": "", "pert_ids": "", "inchikey": ""})],
                          ignore_index=True)
    if gene_ids is not None:
        targets = targets[[i in gene_ids for i in targets["entrez_id"]]]
    targets["source"] = "drugbank"
    targets = targets.astype({**DRUG_TARGETS, "category": "object", "actions": "object"})
    return drugs, targets.drop_duplicates(ignore_index=True)


def match_perturbagens(perts: pd.DataFrame, drugs: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Map LINCS perturbagens to drug ids: by pert_id (drugs.pert_ids), then InChIKey, then name.

    ``perts`` needs pert_id and pert_iname (inchi_key optional); ``drugs`` needs drug_id and
    name (pert_ids, inchikey optional).  Returns (mapping[pert_id, drug_id, matched_by],
    report{n_matched, n_total, by_pert_id, by_inchikey, by_name}).  First drug wins on ties.
    """
    for col in ("pert_id", "pert_iname"):
        if col not in perts.columns:
            raise InputError("perturbagens", f"missing column '{col}'", field=col)
    for col in ("drug_id", "name"):
        if col not in drugs.columns:
            raise InputError("drugs", f"missing column '{col}'", field=col)

    by_pert: dict[str, str] = {}
    by_key: dict[str, str] = {}
    by_name: dict[str, str] = {}
    pert_ids = drugs["pert_ids"] if "pert_ids" in drugs.columns else [""] * len(drugs)
    keys = drugs["inchikey"] if "inchikey" in drugs.columns else [""] * len(drugs)
    for did, name, pids, key in zip(drugs["drug_id"], drugs["name"], pert_ids, keys):
        for p in _split(pids, ";"):
            by_pert.setdefault(normalise_pert_id(p), did)
        if not is_missing(key):
            by_key.setdefault(str(key).strip().upper(), did)
        n = normalise_name(name)
        if n:
            by_name.setdefault(n, did)

    by_id = set(drugs["drug_id"].astype(str))  # a perturbagen named by its drug id (DrugBank consensus signatures)
    has_key = "inchi_key" in perts.columns
    rows, seen = [], set()
    for i in range(len(perts)):
        pid = normalise_pert_id(perts["pert_id"].iat[i])
        if not pid or pid in seen:
            continue
        seen.add(pid)
        key = perts["inchi_key"].iat[i] if has_key else ""
        key = "" if is_missing(key) else str(key).strip().upper().removeprefix("INCHIKEY=")
        name = normalise_name(perts["pert_iname"].iat[i])
        if pid in by_pert:
            rows.append((pid, by_pert[pid], "pert_id"))
        elif pid in by_id:
            rows.append((pid, pid, "drug_id"))
        elif key and key in by_key:
            rows.append((pid, by_key[key], "inchikey"))
        elif name and name in by_name:
            rows.append((pid, by_name[name], "name"))
    mapping = pd.DataFrame(rows, columns=["pert_id", "drug_id", "matched_by"]).astype(str)
    counts = mapping["matched_by"].value_counts()
    report = {
        "n_matched": len(mapping),
        "n_total": len(seen),
        "by_drug_id": int(counts.get("drug_id", 0)),
        "by_pert_id": int(counts.get("pert_id", 0)),
        "by_inchikey": int(counts.get("inchikey", 0)),
        "by_name": int(counts.get("name", 0)),
    }
    return mapping, report
