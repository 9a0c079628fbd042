"""Benchmark: batched UNWIND loading into Neo4j vs one query per row.

    NEO4J_URI=bolt://127.0.0.1:27687 NEO4J_PASSWORD=... .venv/bin/python bench/neo4j_load.py --wipe

Loads the real KEGG graph (all human KGML maps: genes, pathways, IN_PATHWAY, INTERACTS from
``$KGEXPR_DATA`` or ``../shared/data``, folder ``kegg-kgml-hsa-all``) with
:class:`kgexpr.graph.neo4j.Neo4jStore` (``UNWIND $rows ... MERGE``, one transaction per batch):
``--warmup`` loads first (reported, not counted: the first loads after a server start run on a
cold JIT and are 2-4x slower), then ``--repeat`` loads whose median is reported. Then a subset of
about ``--per-row`` rows of the same mix (the genes of a seeded sample, the pathways they are in,
the IN_PATHWAY and INTERACTS rows among them) one auto-commit query per row -- what a naive
loader does -- and the same subset batched again. Prints rows/s of each and the ratios; writes
``bench/results/neo4j_load.json`` with machine and server info.

The database is emptied before each phase, hence ``--wipe`` (never point it at data you keep).
Goals: batched >= 20,000 rows/s on the full graph and >= 20x the per-row rate.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kgexpr.graph.cypher import load_query  # noqa: E402
from kgexpr.graph.neo4j import Neo4jStore  # noqa: E402
from kgexpr.graph.neo4j_values import property_maps as _props  # noqa: E402
from kgexpr.sources.kgml import read_kgml_dir  # noqa: E402

GOAL_ROWS_PER_S = 20_000
GOAL_RATIO = 20.0


def data_dir(arg: str | None) -> Path:
    for d in (arg, os.environ.get("KGEXPR_DATA"), ROOT.parent / "shared" / "data"):
        if d and (Path(d) / "kegg-kgml-hsa-all").is_dir():
            return Path(d)
    sys.exit("no kegg-kgml-hsa-all folder: pass --data-dir or set KGEXPR_DATA")


def frames(kgml_dir: Path) -> dict[str, pd.DataFrame]:
    kg = read_kgml_dir(kgml_dir)
    return {
        "Gene": kg.genes[["entrez_id", "symbol"]].drop_duplicates("entrez_id").reset_index(drop=True),
        "Pathway": kg.pathways.drop_duplicates("kegg_id").reset_index(drop=True),
        "IN_PATHWAY": kg.gene_pathway.drop_duplicates()
        .rename(columns={"entrez_id": "source", "kegg_id": "target"})
        .reset_index(drop=True),
        "INTERACTS": kg.interactions.drop_duplicates(["source", "target", "pathway"]).reset_index(drop=True),
    }


def subset(f: dict[str, pd.DataFrame], n_rows: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """About n_rows rows of the same mix: sampled genes, their pathways and the edges among them."""
    rng = np.random.default_rng(seed)
    genes_all = f["Gene"]["entrez_id"].to_numpy()
    total = sum(len(df) for df in f.values())
    k = max(10, int(len(genes_all) * n_rows / total))
    while True:
        g = set(rng.choice(genes_all, size=min(k, len(genes_all)), replace=False).tolist())
        gp = f["IN_PATHWAY"][f["IN_PATHWAY"]["source"].isin(g)]
        it = f["INTERACTS"][f["INTERACTS"]["source"].isin(g) & f["INTERACTS"]["target"].isin(g)]
        pw = f["Pathway"][f["Pathway"]["kegg_id"].isin(set(gp["target"]))]
        n = len(g) + len(pw) + len(gp) + len(it)
        if n >= n_rows or k >= len(genes_all):
            break
        k = int(k * 1.15) + 1
    return {
        "Gene": f["Gene"][f["Gene"]["entrez_id"].isin(g)].reset_index(drop=True),
        "Pathway": pw.reset_index(drop=True),
        "IN_PATHWAY": gp.reset_index(drop=True),
        "INTERACTS": it.reset_index(drop=True),
    }


def n_rows(f) -> int:
    return int(sum(len(df) for df in f.values()))


def wipe(store: Neo4jStore) -> None:
    store.clear()


def merge_all(store: Neo4jStore, f) -> float:
    """Batched MERGE of every node and edge table; returns the seconds it took."""
    t0 = time.perf_counter()
    store.merge_nodes("Gene", f["Gene"])
    store.merge_nodes("Pathway", f["Pathway"])
    store.merge_edges("IN_PATHWAY", f["IN_PATHWAY"])
    store.merge_edges("INTERACTS", f["INTERACTS"])
    return time.perf_counter() - t0


def load_batched(store: Neo4jStore, f) -> dict:
    wipe(store)
    store.ensure_schema()
    dt = merge_all(store, f)
    counts = store.counts()
    return {"rows": n_rows(f), "seconds": round(dt, 3), "rows_per_s": round(n_rows(f) / dt, 1), "counts": counts}


def load_per_row(store: Neo4jStore, f) -> dict:
    """One auto-commit query per row (MERGE, the same statements as the batched files)."""
    wipe(store)
    store.ensure_schema()
    q = {name: load_query(f"bench/{name}") for name in
         ("merge_gene_row", "merge_pathway_row", "merge_in_pathway_row", "merge_interacts_row")}
    t0 = time.perf_counter()
    with store._session() as s:
        for row, props in zip(f["Gene"]["entrez_id"].tolist(), _props(f["Gene"].drop(columns=["entrez_id"]))):
            s.run(q["merge_gene_row"], key=int(row), props=props).consume()
        for row, props in zip(f["Pathway"]["kegg_id"].tolist(), _props(f["Pathway"].drop(columns=["kegg_id"]))):
            s.run(q["merge_pathway_row"], key=str(row), props=props).consume()
        for src, tgt in zip(f["IN_PATHWAY"]["source"].tolist(), f["IN_PATHWAY"]["target"].tolist()):
            s.run(q["merge_in_pathway_row"], source=int(src), target=str(tgt), props={}).consume()
        it = f["INTERACTS"]
        for src, tgt, props in zip(it["source"].tolist(), it["target"].tolist(), _props(it.drop(columns=["source", "target"]))):
            s.run(q["merge_interacts_row"], source=int(src), target=int(tgt), pathway=props["pathway"], props=props).consume()
    dt = time.perf_counter() - t0
    counts = store.counts()
    return {"rows": n_rows(f), "seconds": round(dt, 3), "rows_per_s": round(n_rows(f) / dt, 1), "counts": counts}


def machine(store: Neo4jStore) -> dict:
    import importlib.util

    import neo4j

    with store._session() as s:
        comp = s.run("CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0] AS v, edition").single()
        memory = {r["name"]: r["value"] for r in s.run(
            "SHOW SETTINGS YIELD name, value WHERE name IN "
            "['server.memory.heap.max_size', 'server.memory.pagecache.size'] RETURN name, value")}
        try:
            gds = s.run("RETURN gds.version() AS v").single()["v"]
        except Exception:
            gds = None
    try:
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        mem_gb = None
    return {
        "platform": platform.platform(), "machine": platform.machine(), "processor": platform.processor(),
        "cpu_count": os.cpu_count(), "memory_gb": mem_gb, "python": platform.python_version(),
        "neo4j_driver": neo4j.__version__,
        "neo4j_rust_ext": importlib.util.find_spec("neo4j._rust") is not None, "server": f"{comp['name']} {comp['v']} {comp['edition']}", "gds": gds,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "uri": store.uri, "server_memory": memory,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--uri", default=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"))
    ap.add_argument("--user", default=os.environ.get("NEO4J_USER", "neo4j"))
    ap.add_argument("--per-row", type=int, default=2000, help="rows in the per-row subset")
    ap.add_argument("--batch-size", type=int, default=10_000)
    ap.add_argument("--warmup", type=int, default=2, help="full batched loads before the measured ones (JIT warm-up)")
    ap.add_argument("--repeat", type=int, default=3, help="measured full batched loads (the median is reported)")
    ap.add_argument("--wipe", action="store_true", help="required: the benchmark empties the database")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "neo4j_load.json"))
    a = ap.parse_args(argv)
    if not a.wipe:
        sys.exit("bench/neo4j_load.py empties the database it loads into; pass --wipe to confirm")
    root = data_dir(a.data_dir)
    t = time.perf_counter()
    full = frames(root / "kegg-kgml-hsa-all")
    print(f"KGML parsed in {time.perf_counter() - t:.1f} s: " + ", ".join(f"{k} {len(v)}" for k, v in full.items()))
    small = subset(full, a.per_row)
    store = Neo4jStore(a.uri, a.user, os.environ.get("NEO4J_PASSWORD"), batch_size=a.batch_size)
    try:
        info = machine(store)
        warm = []
        for k in range(a.warmup):
            warm.append(load_batched(store, full))
            print(f"warm-up load {k + 1}/{a.warmup} (not counted; the first loads after a server start run on a "
                  f"cold JIT): {warm[-1]['rows_per_s']:,.0f} rows/s")
        runs = []
        for k in range(a.repeat):
            runs.append(load_batched(store, full))
            print(f"batched (UNWIND, {a.batch_size}/tx), full graph, run {k + 1}/{a.repeat}: {runs[-1]['rows']} rows in "
                  f"{runs[-1]['seconds']} s = {runs[-1]['rows_per_s']:,.0f} rows/s")
        rates = sorted(r["rows_per_s"] for r in runs)
        batched = {**runs[-1], "rows_per_s": float(np.median(rates)), "rows_per_s_runs": [r["rows_per_s"] for r in runs],
                   "rows_per_s_best": rates[-1]}
        again = load_batched_again(store, full)
        print(f"batched re-run on the loaded graph (all MERGEs match): {again['rows_per_s']:,.0f} rows/s")
        per_row = load_per_row(store, small)
        print(f"per-row (1 query/row), subset: {per_row['rows']} rows in {per_row['seconds']} s "
              f"= {per_row['rows_per_s']:,.0f} rows/s")
        batched_small = load_batched(store, small)
        print(f"batched, same subset: {batched_small['rows']} rows in {batched_small['seconds']} s "
              f"= {batched_small['rows_per_s']:,.0f} rows/s")
        assert per_row["counts"] == batched_small["counts"], (per_row["counts"], batched_small["counts"])
        wipe(store)
    finally:
        store.close()
    ratio = batched["rows_per_s"] / per_row["rows_per_s"]
    ratio_same = batched_small["rows_per_s"] / per_row["rows_per_s"]
    print(f"batched full graph, median of {a.repeat}: {batched['rows_per_s']:,.0f} rows/s (best {batched['rows_per_s_best']:,.0f})")
    print(f"ratio batched(full, median) / per-row: {ratio:.1f}x; same 2k-row subset: {ratio_same:.1f}x")
    ok = batched["rows_per_s"] >= GOAL_ROWS_PER_S and ratio >= GOAL_RATIO
    print(f"goal >= {GOAL_ROWS_PER_S:,} rows/s and >= {GOAL_RATIO:.0f}x: {'met' if ok else 'NOT met'}")
    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result = {
        "benchmark": "neo4j_load", "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "data": str(root / "kegg-kgml-hsa-all"),
        "machine": info, "batch_size": a.batch_size, "repeat": a.repeat,
        "warmup_full": warm, "batched_full": batched, "batched_rerun_full": again, "per_row_subset": per_row, "batched_subset": batched_small,
        "ratio_batched_full_vs_per_row": round(ratio, 2), "ratio_batched_vs_per_row_same_subset": round(ratio_same, 2),
        "goals": {"rows_per_s": GOAL_ROWS_PER_S, "ratio": GOAL_RATIO, "met": ok},
    }
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=str) + "\n")
    print(f"wrote {out}")
    return 0


def load_batched_again(store: Neo4jStore, f) -> dict:
    """The same load on the already loaded graph (idempotent MERGE: nothing new is created)."""
    before = store.counts()
    dt = merge_all(store, f)
    after = store.counts()
    assert after == before, (before, after)
    return {"rows": n_rows(f), "seconds": round(dt, 3), "rows_per_s": round(n_rows(f) / dt, 1), "counts": after}


if __name__ == "__main__":
    raise SystemExit(main())
