"""The files under cypher/explore/ that people paste into Neo4j Browser, checked without a server."""

import re
from pathlib import Path

EXPLORE = Path(__file__).resolve().parent.parent / "cypher" / "explore"


def test_the_browser_style_is_selectors_only():
    """Neo4j Browser 5's grass parser has no comments: pasted after :style, a comment naming ':style' splits the
    text there; dragged in, a comment becomes part of the first selector (Gene nodes lost their style)."""
    text = (EXPLORE / "style.grass").read_text()
    rules = [x for x in text.splitlines() if x.strip()]
    assert rules
    for rule in rules:
        assert re.fullmatch(r'(node|relationship)(\.\w+)? \{ ([^{}/"]|"[^"]*")+ \}', rule), rule
    assert {"node.Gene", "node.Drug", "node.Pathway"} <= {r.split(" ", 1)[0] for r in rules}


def test_limited_explore_queries_order_their_rows_completely():
    """A LIMIT after an ORDER BY of ties returns rows that change with the load order: the paths query
    orders by the nodes each path passes too."""
    text = (EXPLORE / "drug_to_gene_paths.cypher").read_text()
    assert re.search(r"ORDER BY hops, drug_id, via\s+LIMIT 25", text)
