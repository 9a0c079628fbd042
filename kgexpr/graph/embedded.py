"""In-process store on pandas frames, persisted as parquet; the default backend."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from kgexpr.atomic import atomic_dir
from kgexpr.errors import KgexprError, reading
from kgexpr.graph.schema import NODE_KEYS, REL_TYPES, check_label, check_rel_type
from kgexpr.graph.store import GraphStore


def _key_dtype(label: str):
    return "int64" if label == "Gene" else "object"


class EmbeddedStore(GraphStore):
    backend = "embedded"

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        self._nodes: dict[str, pd.DataFrame] = {}
        self._edges: dict[str, pd.DataFrame] = {}
        self._empty()
        if self.path is not None and (self.path / "store.json").exists():
            with reading(self.path / "store.json"):  # written last: a store without it whole is damaged
                json.loads((self.path / "store.json").read_text())["counts"]
            self._load()

    # ---- writes ---------------------------------------------------------------------------

    def merge_nodes(self, label: str, rows: pd.DataFrame) -> int:
        key = self._checked_node_key(label, rows)
        if rows.empty:
            return 0
        rows = rows.drop_duplicates(subset=[key], keep="last").copy()
        rows[key] = rows[key].astype(_key_dtype(label))
        cur = self._nodes[label].set_index(key)
        new = rows.set_index(key)
        merged = new.combine_first(cur) if len(cur) else new
        # properties of the new rows win, existing properties they lack are kept
        self._nodes[label] = merged.reset_index().sort_values(key, ignore_index=True)
        return len(rows)

    def merge_edges(self, rel_type: str, rows: pd.DataFrame) -> int:
        rt = self._checked_rel_type(rel_type, rows)
        if rows.empty:
            return 0
        rows = rows.copy()
        rows["source"] = rows["source"].astype(_key_dtype(rt.source))
        rows["target"] = rows["target"].astype(_key_dtype(rt.target))
        for end, label in (("source", rt.source), ("target", rt.target)):
            known = self._nodes[label][NODE_KEYS[label]]
            missing = ~rows[end].isin(known)
            if missing.any():
                raise KgexprError(
                    f"{rel_type}: {int(missing.sum())} {end} nodes are not {label} nodes in the store "
                    f"(e.g. {rows.loc[missing, end].iloc[0]!r})"
                )
        ident = ["source", "target", *rt.identity]
        rows = rows.drop_duplicates(subset=ident, keep="last")
        cur = self._edges[rel_type]
        merged = pd.concat([cur, rows], ignore_index=True).drop_duplicates(subset=ident, keep="last")
        self._edges[rel_type] = merged.sort_values(ident, ignore_index=True)
        return len(rows)

    def delete_edges(self, rel_type: str, where: dict) -> int:
        check_rel_type(rel_type)
        df = self._edges[rel_type]
        mask = pd.Series(True, index=df.index)
        for k, v in where.items():
            if k not in df.columns:
                return 0
            mask &= df[k] == v
        self._edges[rel_type] = df[~mask].reset_index(drop=True)
        return int(mask.sum())

    # ---- reads ----------------------------------------------------------------------------

    def nodes(self, label: str) -> pd.DataFrame:
        check_label(label)
        return self._nodes[label].copy()

    def edges(self, rel_type: str) -> pd.DataFrame:
        check_rel_type(rel_type)
        return self._edges[rel_type].copy()

    # ---- persistence ----------------------------------------------------------------------

    def _empty(self) -> None:
        self._nodes = {
            label: pd.DataFrame({key: pd.Series(dtype=_key_dtype(label))}) for label, key in NODE_KEYS.items()
        }
        self._edges = {
            t: pd.DataFrame(
                {"source": pd.Series(dtype=_key_dtype(rt.source)), "target": pd.Series(dtype=_key_dtype(rt.target))}
            )
            for t, rt in REL_TYPES.items()
        }

    def clear(self) -> None:
        """Empty every frame in memory; the saved copy (if any) changes only on the next flush."""
        self._empty()

    def flush(self) -> None:
        """Save to the store's ``path``."""
        if self.path is None:
            raise KgexprError("this embedded store has no path to flush to: open it with a path or call save(path)")
        self.save()

    def save(self, path: str | Path | None = None) -> Path:
        """Write all frames as parquet, atomically (a temp dir renamed into place); remembers ``path``."""
        if path is None and self.path is None:
            raise KgexprError("this embedded store has no path: call save(path)")
        path = Path(path or self.path)
        with atomic_dir(path, prefix=".store-") as tmp:
            for label, df in self._nodes.items():
                df.to_parquet(tmp / f"node_{label}.parquet", index=False)
            for t, df in self._edges.items():
                df.to_parquet(tmp / f"rel_{t}.parquet", index=False)
            (tmp / "store.json").write_text(json.dumps({"format": 1, "counts": self.counts()}, indent=1))
        self.path = path
        return path

    def _load(self) -> None:
        for label in NODE_KEYS:
            f = self.path / f"node_{label}.parquet"
            if f.exists():
                with reading(f):
                    self._nodes[label] = pd.read_parquet(f)
        for t in REL_TYPES:
            f = self.path / f"rel_{t}.parquet"
            if f.exists():
                with reading(f):
                    self._edges[t] = pd.read_parquet(f)

