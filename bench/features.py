"""Benchmark every registered feature method on a seeded Barabási–Albert graph.

    .venv/bin/python bench/features.py                 # 20k nodes, m=10 (~200k edges)
    .venv/bin/python bench/features.py --n 2000 --methods cn lle

Each method runs in its own fresh subprocess, so the reported peak RSS (``ru_maxrss``) is that
method's alone (it includes the interpreter, imports and the graph; the "baseline" row is the
same process doing everything except the method).  Similarity methods get 500 random rows x
1000 random panel nodes; embeddings embed the whole graph and return the 500 rows.
Writes ``bench/results/features.json`` with the numbers and machine info.
Targets: each method <= 60 s wall and <= 4 GB peak RSS on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TIME_LIMIT_S = 60.0
RSS_LIMIT_MB = 4096.0


def barabasi_albert(n: int, m: int, seed: int = 0) -> sp.csr_matrix:
    """Symmetric 0/1 CSR adjacency of a Barabási–Albert graph (networkx's construction:
    a star on m+1 nodes, then each new node attaches to m distinct nodes drawn
    proportionally to degree from the repeated-endpoints list)."""
    rng = np.random.default_rng(seed)
    rep = np.empty(2 * m * n, dtype=np.int64)
    rep[:m] = np.arange(1, m + 1)
    rep[m : 2 * m] = 0
    size = 2 * m
    src = np.empty(m * (n - m), dtype=np.int64)
    dst = np.empty_like(src)
    src[:m] = 0
    dst[:m] = np.arange(1, m + 1)
    e = m
    for v in range(m + 1, n):
        chosen: set[int] = set()
        while len(chosen) < m:
            chosen.update(rep[rng.integers(0, size, size=m - len(chosen))].tolist())
        targets = np.fromiter(sorted(chosen), dtype=np.int64, count=m)
        src[e : e + m] = v
        dst[e : e + m] = targets
        e += m
        rep[size : size + m] = targets
        rep[size + m : size + 2 * m] = v
        size += 2 * m
    src, dst = src[:e], dst[:e]
    A = sp.csr_matrix((np.ones(2 * e), (np.r_[src, dst], np.r_[dst, src])), shape=(n, n))
    A.sum_duplicates()
    A.data[:] = 1.0
    A.sort_indices()
    return A


def _graph(n: int, m: int, seed: int):
    import pandas as pd

    from kgexpr.features import GraphView

    A = barabasi_albert(n, m, seed)
    nodes = pd.Index([f"Gene:{i:06d}" for i in range(n)], dtype=object)
    return GraphView(adjacency=A, nodes=nodes, labels=np.array(["Gene"] * n, dtype=object))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def run_one(method: str, n: int, m: int, n_rows: int, n_panel: int, seed: int) -> dict:
    from kgexpr.features import compute_features, get_method

    g = _graph(n, m, seed)
    rng = np.random.default_rng(seed + 1)
    rows = list(g.nodes[rng.choice(n, size=min(n_rows, n), replace=False)])
    panel = list(g.nodes[rng.choice(n, size=min(n_panel, n), replace=False)])
    before = _rss_mb()
    if method == "baseline":
        return {"method": method, "wall_s": 0.0, "peak_rss_mb": before, "shape": None}
    kind = get_method(method).kind
    t0 = time.perf_counter()
    df = compute_features(g, method, rows, panel if kind == "similarity" else None, seed=seed)
    wall = time.perf_counter() - t0
    assert np.isfinite(df.to_numpy()).all(), f"{method}: non-finite values"
    return {"method": method, "kind": kind, "wall_s": wall, "peak_rss_mb": _rss_mb(), "rss_before_mb": before, "shape": list(df.shape)}


def machine_info() -> dict:
    import gensim
    import pandas
    import scipy

    mem = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    cpu_model = None
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": cpu_model or platform.processor(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "mem_total_gib": mem,
        "load_avg_1_5_15": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "gensim": gensim.__version__,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--m", type=int, default=10)
    ap.add_argument("--rows", type=int, default=500)
    ap.add_argument("--panel", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--methods", nargs="*", default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "features.json")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        print(json.dumps(run_one(args.child, args.n, args.m, args.rows, args.panel, args.seed)))
        return 0

    from kgexpr.features import available_methods

    methods = args.methods or available_methods()
    A = barabasi_albert(args.n, args.m, args.seed)
    deg = np.diff(A.indptr)
    graph_info = {"model": "barabasi_albert", "n": args.n, "m": args.m, "seed": args.seed, "edges": int(A.nnz // 2), "max_degree": int(deg.max()), "rows": args.rows, "panel": args.panel}
    print(f"BA graph: n={args.n} m={args.m} edges={graph_info['edges']} max_degree={graph_info['max_degree']}")
    results = []
    print(f"{'method':<10} {'wall s':>8} {'peak RSS MB':>12}  ok")
    for method in ["baseline", *methods]:
        cmd = [sys.executable, __file__, "--child", method, "--n", str(args.n), "--m", str(args.m), "--rows", str(args.rows), "--panel", str(args.panel), "--seed", str(args.seed)]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            print(f"{method:<10} FAILED\n{proc.stderr[-2000:]}")
            results.append({"method": method, "error": proc.stderr[-2000:]})
            continue
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        res["ok"] = method == "baseline" or (res["wall_s"] <= TIME_LIMIT_S and res["peak_rss_mb"] <= RSS_LIMIT_MB)
        results.append(res)
        print(f"{method:<10} {res['wall_s']:>8.2f} {res['peak_rss_mb']:>12.0f}  {'yes' if res['ok'] else 'NO'}")
    info = machine_info()
    payload = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "targets": {"wall_s": TIME_LIMIT_S, "peak_rss_mb": RSS_LIMIT_MB},
        "graph": graph_info,
        "machine": info,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(args.out)
    print(f"wrote {args.out}")
    return 0 if all(r.get("ok", False) for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
