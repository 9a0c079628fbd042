"""Drug descriptors from chemical structure (a small registry): what the baseline model knows of a compound.

(skeleton: filled in by the structure-baseline work)
"""

from __future__ import annotations

DESCRIPTOR_SETS: dict[str, str] = {
    "structure": "Morgan (ECFP) fingerprint bits + physico-chemical descriptors, computed with RDKit",
    "formula": "element counts and molecular weight from the molecular formula",
}
