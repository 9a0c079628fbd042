"""Which way an edge pushes its target: +1 (raises its activity), -1 (lowers it), 0 (unknown).

KGML relations carry subtypes ("activation", "inhibition", "expression", "repression", and
modifications such as "phosphorylation" whose effect KGML does not state); DrugBank target rows
carry the drug's actions ("inhibitor", "agonist", ...). Only these words give a sign; a relation or
action that names both directions, or neither, is 0 and carries no signed signal
(``signed-propagation`` walks signed edges only). The vocabularies are the sources' own words.
"""

from __future__ import annotations

__all__ = ["RAISING", "LOWERING", "sign_of", "SIGNED_PROPERTY"]

#: words (KGML subtypes, DrugBank actions) that raise the target's activity or amount
RAISING = frozenset({
    "activation", "expression",  # KGML
    "agonist", "partial agonist", "activator", "inducer", "potentiator", "stimulator",
    "positive allosteric modulator", "positive modulator",
})
#: words that lower it
LOWERING = frozenset({
    "inhibition", "repression",  # KGML
    "inhibitor", "antagonist", "partial antagonist", "inverse agonist", "blocker", "negative modulator",
    "inhibitory allosteric modulator", "inhibitor, competitive", "conversion inhibitor", "inactivator",
    "suppressor", "neutralizer", "antibody",
})

#: relationship type -> the property whose words give its sign
SIGNED_PROPERTY = {"INTERACTS": "kind", "TARGETS": "action"}


def sign_of(text) -> int:
    """+1, -1 or 0 for a ';' or '|' separated list of subtypes / actions (case and spaces ignored)."""
    if not isinstance(text, str) or not text:
        return 0
    words = {w.strip().lower() for w in text.replace("|", ";").split(";")}
    up, down = bool(words & RAISING), bool(words & LOWERING)
    return 1 if up and not down else -1 if down and not up else 0
