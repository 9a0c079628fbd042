"""Gene symbol ↔ Entrez id resolution (NCBI gene_info, LINCS gene tables).

Drug-target and mutation sources name genes by (sometimes outdated) HGNC symbols; the
graph keys genes by Entrez id, so every symbol goes through one :class:`GeneIdMap`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from kgexpr.sources._io import GENES, check_columns, check_unique, flags, is_missing, read_table, read_text, to_int

__all__ = ["GeneIdMap"]

_LM_COLUMNS = ("pr_is_lm", "is_lm", "pr_is_lmark")
_COLUMNS = ["entrez_id", "symbol", "name", "synonyms", "is_lm"]


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "entrez_id": pd.Series(dtype="int64"),
            "symbol": pd.Series(dtype="object"),
            "name": pd.Series(dtype="object"),
            "synonyms": pd.Series(dtype="object"),
            "is_lm": pd.Series(dtype="boolean"),
        }
    )


@dataclass
class GeneIdMap:
    """Entrez id table with symbol lookup; build with :meth:`from_ncbi` / :meth:`from_lincs`.

    ``table`` columns: entrez_id, symbol, name, synonyms (tuple of str), is_lm (nullable bool).
    """

    table: pd.DataFrame = field(default_factory=_empty_table)
    _official: dict[str, tuple[int, ...]] | None = field(default=None, init=False, repr=False)
    _synonym: dict[str, tuple[int, ...]] | None = field(default=None, init=False, repr=False)
    _by_id: dict[int, str] | None = field(default=None, init=False, repr=False)

    # ---------------------------------------------------------------- builders
    @classmethod
    def from_ncbi(cls, path: str | Path) -> "GeneIdMap":
        """NCBI ``Homo_sapiens.gene_info(.gz)``: '#Format: a b c (tab ...)' header, tab-separated rows."""
        path = Path(path)
        text = read_text(path)
        first, _, rest = text.partition("\n")
        if first.startswith("#Format:"):
            names = first[len("#Format:"):].split("(")[0].split()
        elif first.startswith("#"):
            names = first[1:].rstrip("\r").split("\t")
        else:
            names, rest = None, text
        header = "\t".join(names) + "\n" if names else ""
        df = read_table(path, ["GeneID", "Symbol"], text=header + rest)
        ids = to_int(df["GeneID"], path, "GeneID")
        check_unique(ids, path, "GeneID")
        syn = df["Synonyms"] if "Synonyms" in df.columns else pd.Series("", index=df.index)
        desc = df["description"] if "description" in df.columns else pd.Series("", index=df.index)
        table = pd.DataFrame(
            {
                "entrez_id": ids.to_numpy(),
                "symbol": df["Symbol"].to_numpy(),
                "name": [("" if is_missing(d) else d) for d in desc],
                "synonyms": [_split_synonyms(s) for s in syn],
                "is_lm": pd.array([None] * len(df), dtype="boolean"),
            }
        )
        return cls(table)

    @classmethod
    def from_lincs(cls, path: str | Path) -> "GeneIdMap":
        """LINCS gene table (GSE92742 ``gene_info`` or the probe-level ``geneinfo.tsv.gz``).

        Probe tables (with ``pr_id``) may list a gene on several probes (landmark if any probe
        is) and multi-gene probes "a///b", which are skipped; gene tables must not repeat ids.
        """
        path = Path(path)
        df = read_table(path)
        if "pr_gene_id" not in df.columns and "gene_id" in df.columns:  # CMap LINCS 2020 geneinfo_beta
            df = df.rename(columns={"gene_id": "pr_gene_id", "gene_symbol": "pr_gene_symbol",
                                    "gene_title": "pr_gene_title"})
            if "feature_space" in df.columns:
                df["pr_is_lm"] = (df["feature_space"].str.strip().str.lower() == "landmark").map({True: "1", False: "0"})
        check_columns(df, ["pr_gene_id", "pr_gene_symbol"], path)
        probe_table = "pr_id" in df.columns
        if probe_table:
            keep = ~df["pr_gene_id"].str.contains("///", regex=False) & ~df["pr_gene_id"].map(is_missing)
            df = df[keep]
        ids = to_int(df["pr_gene_id"], path, "pr_gene_id")
        if not probe_table:
            check_unique(ids, path, "pr_gene_id")
        lm_col = next((c for c in _LM_COLUMNS if c in df.columns), None)
        lm = (
            flags(df[lm_col], path, lm_col)
            if lm_col
            else pd.Series(pd.array([None] * len(df), dtype="boolean"), index=df.index)
        )
        if probe_table and lm_col and "pr_pool_id" in df.columns:
            # The API probe table also flags 193 "deltap"-only probes; the 978 L1000
            # landmarks are exactly the flagged probes of the epsilon pool.
            epsilon = df["pr_pool_id"].str.contains("epsilon", regex=False)
            if (epsilon & lm.fillna(False).astype(bool)).any():
                lm = lm.mask(lm.fillna(False).astype(bool) & ~epsilon, False)
        title = df["pr_gene_title"] if "pr_gene_title" in df.columns else pd.Series("", index=df.index)
        table = pd.DataFrame(
            {
                "entrez_id": ids.to_numpy(),
                "symbol": df["pr_gene_symbol"].to_numpy(),
                "name": ["" if is_missing(t) else t for t in title],
                "synonyms": [()] * len(df),
                "is_lm": lm.to_numpy(),
            }
        )
        if probe_table and not table.empty:
            grouped = table.assign(_yes=table["is_lm"].eq(True).fillna(False), _known=table["is_lm"].notna())
            grouped = grouped.groupby("entrez_id", sort=False)[["_yes", "_known"]].any()
            table = table.drop_duplicates("entrez_id").reset_index(drop=True)
            yes = table["entrez_id"].map(grouped["_yes"]).astype(bool)
            known = table["entrez_id"].map(grouped["_known"]).astype(bool)
            table["is_lm"] = pd.array([bool(y) if k else None for y, k in zip(yes, known)], dtype="boolean")
        return cls(table.reset_index(drop=True))

    @classmethod
    def from_frame(cls, genes: pd.DataFrame) -> "GeneIdMap":
        """From a genes frame (entrez_id, symbol[, name, is_landmark]) - e.g. LINCS profile genes."""
        n = len(genes)
        lm = genes["is_landmark"] if "is_landmark" in genes.columns else [None] * n
        table = pd.DataFrame(
            {
                "entrez_id": genes["entrez_id"].astype("int64").to_numpy(),
                "symbol": genes["symbol"].astype(str).to_numpy() if "symbol" in genes.columns else [""] * n,
                "name": genes["name"].astype(str).to_numpy() if "name" in genes.columns else [""] * n,
                "synonyms": [()] * n,
                "is_lm": pd.array(list(lm), dtype="boolean"),
            }
        )
        return cls(table.drop_duplicates("entrez_id").reset_index(drop=True))

    def merge(self, other: "GeneIdMap") -> "GeneIdMap":
        """Union; this map's symbols/names win, the other's differing symbol becomes a synonym."""
        m = self.table.merge(other.table, on="entrez_id", how="outer", suffixes=("_a", "_b"))
        # outer merges sort keys: restore this map's order, then the other's new ids
        order = {g: i for i, g in enumerate(self.table["entrez_id"])}
        order.update({g: len(order) + i for i, g in enumerate(other.table["entrez_id"]) if g not in order})
        m = m.iloc[np.argsort([order[g] for g in m["entrez_id"]], kind="stable")]
        rows = []
        for gid, sa, sb, na, nb, ya, yb, la, lb in zip(
            m["entrez_id"], m["symbol_a"], m["symbol_b"], m["name_a"], m["name_b"],
            m["synonyms_a"], m["synonyms_b"], m["is_lm_a"], m["is_lm_b"],
        ):
            sa = sa if isinstance(sa, str) else ""
            sb = sb if isinstance(sb, str) else ""
            symbol = sa or sb
            syn = list(ya if isinstance(ya, tuple) else ()) + list(yb if isinstance(yb, tuple) else ())
            if sb:
                syn.append(sb)
            syn = tuple(dict.fromkeys(x for x in syn if x.upper() != symbol.upper()))
            name = (na if isinstance(na, str) else "") or (nb if isinstance(nb, str) else "")
            lm = la if not pd.isna(la) else (lb if not pd.isna(lb) else None)
            rows.append((int(gid), symbol, name, syn, lm))
        table = pd.DataFrame(rows, columns=_COLUMNS) if rows else _empty_table()
        table["entrez_id"] = table["entrez_id"].astype("int64")
        table["is_lm"] = pd.array(table["is_lm"].tolist(), dtype="boolean")
        return GeneIdMap(table)

    # ---------------------------------------------------------------- lookups
    def _index(self) -> None:
        if self._official is not None:
            return
        official: dict[str, list[int]] = {}
        synonym: dict[str, list[int]] = {}
        for gid, sym, syns in zip(self.table["entrez_id"], self.table["symbol"], self.table["synonyms"]):
            gid = int(gid)
            if sym:
                official.setdefault(sym.upper(), []).append(gid)
            for s in syns:
                lst = synonym.setdefault(s.upper(), [])
                if gid not in lst:
                    lst.append(gid)
        self._official = {k: tuple(v) for k, v in official.items()}
        self._synonym = {k: tuple(v) for k, v in synonym.items()}
        self._by_id = dict(zip(self.table["entrez_id"].astype(int), self.table["symbol"]))

    def lookup(self, symbol: object) -> int | None:
        """One symbol → Entrez id: official symbol first, then an unambiguous synonym."""
        self._index()
        if is_missing(symbol):
            return None
        key = str(symbol).strip().upper()
        hit = self._official.get(key)
        if hit is not None:
            return hit[0] if len(hit) == 1 else None
        hit = self._synonym.get(key)
        return hit[0] if hit is not None and len(hit) == 1 else None

    def to_entrez(self, symbols: Iterable[object]) -> pd.Series:
        """Symbols → nullable Int64 Series (case-insensitive; ambiguous or unknown → NA).

        The result is indexed like ``symbols`` when it is a Series, else by the symbols.
        """
        if isinstance(symbols, str):
            symbols = [symbols]
        index = symbols.index if isinstance(symbols, pd.Series) else None
        values = list(symbols)
        ids = [self.lookup(s) for s in values]
        return pd.Series(pd.array(ids, dtype="Int64"), index=index if index is not None else values)

    def symbol(self, entrez: int | Iterable[int]) -> str | None | pd.Series:
        """Official symbol of an Entrez id (None if unknown); a list-like gives a Series."""
        self._index()
        if hasattr(entrez, "__index__"):
            return self._by_id.get(int(entrez))
        ids = list(entrez)
        return pd.Series([self._by_id.get(int(i)) for i in ids], index=ids, dtype="object")

    def __contains__(self, entrez: object) -> bool:
        self._index()
        try:
            return int(entrez) in self._by_id
        except (TypeError, ValueError):
            return False

    def __len__(self) -> int:
        return len(self.table)

    @property
    def genes(self) -> pd.DataFrame:
        """Frame (entrez_id, symbol, name) in the shared genes schema."""
        return self.table[["entrez_id", "symbol", "name"]].astype(GENES).reset_index(drop=True)

    @property
    def landmarks(self) -> set[int]:
        """Entrez ids flagged as L1000 landmarks (empty when the sources carry no flag)."""
        lm = self.table["is_lm"].fillna(False).astype(bool)
        return set(self.table.loc[lm, "entrez_id"].astype(int))

    @property
    def has_landmarks(self) -> bool:
        """True when at least one source gave landmark flags."""
        return bool(self.table["is_lm"].notna().any())


def _split_synonyms(value: str) -> tuple[str, ...]:
    if is_missing(value):
        return ()
    return tuple(s.strip() for s in str(value).split("|") if s.strip() and s.strip() != "-")

