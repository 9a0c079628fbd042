"""Drug descriptors from chemical structure (a small registry): what the baseline model knows of a compound.

The baseline must know the chemistry a graph model could exploit, or a graph feature's gain
over it says little.  Every compound asked for gets one NaN-free row: where no structure
parses, zeros and ``structure_missing = 1``, so a model sees "unknown" rather than "tiny".
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from kgexpr.errors import KgexprError

__all__ = ["DESCRIPTOR_SETS", "PHYSCHEM", "MISSING_FLAG", "compute_descriptors", "formula_table", "describe",
           "parse_structure"]

DESCRIPTOR_SETS: dict[str, str] = {
    "structure": "Morgan (ECFP) fingerprint bits + physico-chemical descriptors, computed with RDKit",
    "formula": "element counts and molecular weight from the molecular formula",
}

MISSING_FLAG = "structure_missing"

#: physico-chemical descriptor columns, in order (computed in :func:`_physchem`)
PHYSCHEM = ("pc_mol_wt", "pc_logp", "pc_tpsa", "pc_hbd", "pc_hba", "pc_rot_bonds", "pc_rings",
            "pc_aromatic_rings", "pc_heavy_atoms", "pc_frac_csp3", "pc_formal_charge")

_FORMULA_COLUMNS = ("C", "H", "N", "O", "S", "P", "F", "Cl", "Br", "I", "other", "molecular_wt")


def _text(value: object) -> str:
    from kgexpr.sources._io import is_missing

    return "" if is_missing(value) else str(value).strip()


def _one_per_pert(structures: pd.DataFrame | None, pert_ids: Iterable[str] | None) -> pd.DataFrame:
    """The structure rows indexed by pert_id (first row wins), in the order asked (or as given)."""
    if structures is None or "pert_id" not in getattr(structures, "columns", ()):
        structures = pd.DataFrame({"pert_id": pd.Series(dtype=object)})
    table = structures.drop_duplicates("pert_id").set_index("pert_id")
    ids = list(dict.fromkeys(map(str, pert_ids))) if pert_ids is not None else list(table.index.astype(str))
    return table.reindex(pd.Index(ids, name="pert_id"))


def parse_structure(smiles: object = "", inchi: object = ""):
    """(RDKit molecule or None, "smiles" | "inchi" | "" ): SMILES first, InChI second; the largest fragment.

    Counter-ions and solvents of a salt say nothing of the drug's action, so only the largest
    fragment is kept.  RDKit's parse warnings must be silenced by the caller (``BlockLogs``).
    """
    from rdkit import Chem

    mol, how = None, ""
    smiles, inchi = _text(smiles), _text(inchi)
    if smiles:
        mol, how = Chem.MolFromSmiles(smiles), "smiles"
    if mol is None and inchi:
        try:
            mol, how = Chem.MolFromInchi(inchi, logLevel=None), "inchi"
        except Exception:  # noqa: BLE001 - the InChI library raises on some malformed strings
            mol = None
    if mol is None:
        return None, ""
    if len(Chem.GetMolFrags(mol)) > 1:
        from rdkit.Chem.MolStandardize import rdMolStandardize

        mol = rdMolStandardize.LargestFragmentChooser(preferOrganic=True).choose(mol)
    return mol, how


def _physchem(mol) -> list[float]:
    from rdkit import Chem
    from rdkit.Chem import Crippen, Descriptors, rdMolDescriptors as D

    return [Descriptors.MolWt(mol), Crippen.MolLogP(mol), D.CalcTPSA(mol), D.CalcNumHBD(mol), D.CalcNumHBA(mol),
            D.CalcNumRotatableBonds(mol), D.CalcNumRings(mol), D.CalcNumAromaticRings(mol), mol.GetNumHeavyAtoms(),
            D.CalcFractionCSP3(mol), Chem.GetFormalCharge(mol)]


def _structure_set(table: pd.DataFrame, radius: int, n_bits: int) -> tuple[pd.DataFrame, dict]:
    from rdkit.Chem import rdFingerprintGenerator
    from rdkit.rdBase import BlockLogs

    if n_bits < 1 or radius < 0:
        raise KgexprError(f"Morgan fingerprint: need n_bits >= 1 and radius >= 0 (got {n_bits}, {radius})")
    n = len(table)
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=n_bits)
    bits = np.zeros((n, n_bits), dtype=np.float64)
    pc = np.zeros((n, len(PHYSCHEM)), dtype=np.float64)
    missing = np.ones(n, dtype=np.float64)
    smiles = table["smiles"] if "smiles" in table.columns else pd.Series("", index=table.index)
    inchi = table["inchi"] if "inchi" in table.columns else pd.Series("", index=table.index)
    how_counts = {"smiles": 0, "inchi": 0}
    failed: list[str] = []
    block = BlockLogs()  # noqa: F841 - RDKit logs again once this is collected
    try:
        for i, (pid, smi, inc) in enumerate(zip(table.index, smiles, inchi)):
            if not (_text(smi) or _text(inc)):
                continue
            mol, how = parse_structure(smi, inc)
            if mol is not None:
                try:
                    values = _physchem(mol)
                    bits[i] = gen.GetFingerprintAsNumPy(mol)
                except Exception:  # noqa: BLE001 - a molecule RDKit parsed but cannot describe
                    mol = None
            if mol is None:
                failed.append(str(pid))
                continue
            pc[i] = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
            missing[i] = 0.0
            how_counts[how] += 1
    finally:
        del block
    width = max(4, len(str(n_bits - 1)))
    columns = [f"ecfp_{j:0{width}d}" for j in range(n_bits)] + list(PHYSCHEM) + [MISSING_FLAG]
    X = pd.DataFrame(np.hstack([bits, pc, missing[:, None]]), index=table.index, columns=columns)
    return X, {"parsed_from": how_counts, "unparseable": len(failed), "unparseable_examples": failed[:10],
               "radius": int(radius), "n_bits": int(n_bits), "physchem": list(PHYSCHEM)}


def formula_table(structures: pd.DataFrame | None, pert_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Element counts (C..I, other) and molecular_wt per pert_id, NaN where unknown or unparseable."""
    from kgexpr.sources.lincs import formula_descriptors

    table = _one_per_pert(structures, pert_ids)
    formulas = table["molecular_formula"] if "molecular_formula" in table.columns else pd.Series("", index=table.index)
    weights = table["molecular_wt"] if "molecular_wt" in table.columns else pd.Series(np.nan, index=table.index)
    weights = pd.to_numeric(weights.map(lambda v: np.nan if _text(v) == "" else v), errors="coerce")
    out = np.full((len(table), len(_FORMULA_COLUMNS)), np.nan)
    for i, formula in enumerate(formulas):
        text = _text(formula)
        if text:
            try:
                counts = formula_descriptors(text)
            except ValueError:
                continue
            out[i, :-1] = [counts[c] for c in _FORMULA_COLUMNS[:-1]]
    out[:, -1] = weights.to_numpy(dtype=float)
    return pd.DataFrame(out, index=table.index, columns=list(_FORMULA_COLUMNS)).rename_axis("pert_id")


def _formula_set(table: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    X = formula_table(table.reset_index(), table.index)
    missing = X[list(_FORMULA_COLUMNS[:-1])].isna().all(axis=1)
    X = X.fillna(0.0)
    X.loc[missing] = 0.0  # a weight without a formula is not a structure
    X[MISSING_FLAG] = missing.astype(np.float64)
    return X, {}


def compute_descriptors(structures: pd.DataFrame | None, kind: str = "structure", radius: int = 2,
                        n_bits: int = 1024, *, pert_ids: Iterable[str] | None = None) -> tuple[pd.DataFrame, dict]:
    """Descriptors per pert_id (index "pert_id", float64, never NaN) and a report.

    ``structures``: pert_id with smiles / inchi (kind "structure") or molecular_formula /
    molecular_wt (kind "formula"), and optionally source (as from
    :func:`kgexpr.sources.structures.gather_structures`).  ``pert_ids``: the rows wanted (default:
    those of ``structures``); every one gets a row, zeros and ``structure_missing = 1`` where
    nothing parses.  report: kind, compounds, parsed, missing, by_source (parsed per source),
    n_columns, and for "structure" how many parsed from SMILES / InChI and how many failed.
    """
    if kind not in DESCRIPTOR_SETS:
        from kgexpr.errors import suggest

        raise KgexprError(f"descriptor set {kind!r}: {suggest(kind, list(DESCRIPTOR_SETS))}")
    table = _one_per_pert(structures, pert_ids)
    X, extra = _structure_set(table, int(radius), int(n_bits)) if kind == "structure" else _formula_set(table)
    X = X.astype(np.float64).rename_axis("pert_id")
    parsed = X[MISSING_FLAG].to_numpy() == 0
    source = table["source"].map(_text) if "source" in table.columns else pd.Series("", index=table.index)
    by_source = source[parsed].replace("", "unknown").value_counts().sort_index()
    report = {"kind": kind, "compounds": int(len(X)), "parsed": int(parsed.sum()),
              "missing": int(len(X) - parsed.sum()), "by_source": {str(k): int(v) for k, v in by_source.items()},
              "n_columns": int(X.shape[1]), **extra}
    return X, report


def describe(report: dict) -> str:
    """The descriptor set in words, e.g. "RDKit ECFP4 1024 bits + 11 descriptors"."""
    if report.get("kind") == "structure":
        return (f"RDKit ECFP{2 * report['radius']} {report['n_bits']} bits + "
                f"{len(report['physchem'])} descriptors")
    return "element counts + molecular weight from the formula"
