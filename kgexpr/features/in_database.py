"""Feature methods computed inside Neo4j: Cypher similarities and GDS embeddings.

They reach the server only through the capabilities a store declares
(:class:`~kgexpr.graph.store.RunsCypher`: ``read``, ``errors``;
:class:`~kgexpr.graph.store.ResolvesNodes`; :class:`~kgexpr.graph.store.HasGds`), never through a
backend's name or class, and receive parameters already resolved by :func:`kgexpr.features.resolve_params`. Each result
equals what the Python implementation returns on the store's :class:`GraphView` (cn, lpi) or
is deterministic for a seed (GDS runs with concurrency 1).

GDS projection
    A Cypher projection (``cypher/gds/project_knowledge_graph.cypher``), not a native one: a
    native projection fails when a label or relationship type has no data yet, and it would keep
    parallel relationships (an INTERACTS pair in several pathways, A->B and B->A) and self-loops,
    so GDS would embed a different graph from the GraphView every other feature uses. The
    Cypher projection yields exactly that graph: undirected, simple, isolated nodes included.
    Nodes enter as their position in the GraphView (sorted ``Label:key`` ids), so GDS numbers and
    seeds them by the graph's content: two loads of the same graph in any order give the same
    embeddings. The projection is named ``kgexpr-<first 16 hex of the graph hash>``, made once per
    connection (the three GDS methods share it) and dropped when the store closes, at the end of
    the features stage. ``propagation`` walks a second projection of the same kind, genes and
    their INTERACTS relations only (``kgexpr-genes-<hash>``), with ``gds.pageRank`` seeded at each
    drug's targets. The only Cypher not in ``cypher/`` is what the ``graphdatascience`` client
    generates for its own calls (``gds.fastRP.stream`` / ``gds.node2vec.stream`` / ``gds.pageRank.stream``
    / ``gds.graph.*``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from kgexpr.graph.cypher import load_query
from kgexpr.graph.schema import KNOWLEDGE_TYPES, NODE_KEYS
from kgexpr.graph.store import HasGds, ResolvesNodes, RunsCypher
from kgexpr.graph.view import graph_hash

__all__ = ["CYPHER_QUERIES", "GDS_METHODS", "runs_cypher", "has_gds", "no_gds_note", "cypher_similarity", "gds_embedding",
           "gds_propagation"]

#: similarity methods computed in Cypher -> query name
CYPHER_QUERIES = {"cn": "features/common_neighbours", "lpi": "features/local_path_index"}
#: embedding methods computed with GDS
GDS_METHODS = ("deepwalk", "node2vec", "fastrp")


def runs_cypher(store) -> bool:
    """Whether ``store`` runs the Cypher similarities: it declares the query and node-lookup capabilities."""
    return isinstance(store, RunsCypher) and isinstance(store, ResolvesNodes)


def _offers_gds(store) -> bool:
    return runs_cypher(store) and isinstance(store, HasGds)


def has_gds(store) -> bool:
    """Whether ``store`` can run the GDS methods now (it offers GDS and its server has the plugin)."""
    return _offers_gds(store) and store.gds() is not None


def no_gds_note(store, name: str) -> str | None:
    """Why a GDS method falls back to Python, for a store that offers GDS on a server without the plugin."""
    if _offers_gds(store) and store.gds() is None:
        return f"Neo4j at {getattr(store, 'uri', 'the server')} has no Graph Data Science plugin: {name} computed in Python"
    return None


def _first_line(e) -> str:
    text = str(e or "").strip()
    return text.splitlines()[0] if text else ""


def cypher_similarity(store, name: str, rows: list[str], panel: list[str] | None, params: dict) -> pd.DataFrame:
    """cn / lpi as rows x panel (``panel=None``: rows x rows), x == y -> 0, in parallel row chunks."""
    panel_ids = rows if panel is None else panel
    row_u = list(dict.fromkeys(rows))
    panel_u = list(dict.fromkeys(panel_ids))
    eid = store.resolve_nodes(list(dict.fromkeys(row_u + panel_u))) if row_u or panel_u else {}
    S = np.zeros((len(row_u), len(panel_u)), dtype=np.float64)
    beta = float(params.get("beta", 0.0))
    qname = CYPHER_QUERIES[name]
    if name == "lpi" and beta == 0.0:
        qname = CYPHER_QUERIES["cn"]  # A² only: the same numbers, without the 3-step walks
    if row_u and panel_u:
        base = {"panel": {eid[y]: j for j, y in enumerate(panel_u)}, "rel_types": list(KNOWLEDGE_TYPES), "beta": beta}
        chunk = store.feature_chunk
        chunks = [
            [{"i": i, "eid": eid[x]} for i, x in enumerate(row_u[s : s + chunk], start=s)]
            for s in range(0, len(row_u), chunk)
        ]

        def run(part):
            return [(int(r["i"]), int(r["j"]), float(r["score"])) for r in store.read(qname, **base, rows=part)]

        with store.errors(f"computing {name} in Cypher"):
            with ThreadPoolExecutor(max_workers=min(store.feature_workers, len(chunks))) as pool:
                for result in pool.map(run, chunks):
                    for i, j, v in result:
                        S[i, j] = v
    ri = pd.Index(row_u).get_indexer(rows)
    pj = pd.Index(panel_u).get_indexer(panel_ids)
    return pd.DataFrame(np.ascontiguousarray(S[np.ix_(ri, pj)]), index=pd.Index(rows), columns=pd.Index(panel_ids))


def projection_name(view, part: str = "") -> str:
    """The GDS graph a run's methods use: named by the graph's content, so equal names hold equal graphs."""
    return f"kgexpr-{part + '-' if part else ''}{graph_hash(view)[:16]}"


def _projection(store, view, part: str, members, labels, rel_types):
    """A subgraph of the knowledge graph in GDS (nodes ``members``, positions in the view, ranked in that order),
    projected once per connection and dropped when the store closes."""
    gds = store.gds()
    name = projection_name(view, part)
    what = f"projecting the {part or 'knowledge'} graph into GDS as {name}"

    def project():
        with store.errors(what):
            if gds.graph.exists(name):  # same name, same content: left by a run that did not close
                return gds.graph.get(name)
        ids = list(view.nodes[members])
        eid = store.resolve_nodes(ids)
        rank = {eid[n]: i for i, n in enumerate(ids)}  # the view's order: content, not load history
        with store.errors(what):
            return gds.graph.project.cypher(
                load_query("gds/project_knowledge_graph"), graph_name=name,
                labels=list(labels), rel_types=list(rel_types), rank=rank,
            ).graph

    return store.projection(name, project)


def knowledge_projection(store, view):
    """The whole knowledge graph (the embeddings' input)."""
    return _projection(store, view, "", np.arange(len(view.nodes)), NODE_KEYS, KNOWLEDGE_TYPES)


def gene_projection(store, view):
    """Genes and their KEGG relations only: the graph propagation walks (ranks: positions among the view's genes)."""
    genes = np.flatnonzero(view.labels == "Gene")
    return _projection(store, view, "genes", genes, ("Gene",), ("INTERACTS",))


def gds_propagation(store, view, rows: list[str], panel: list[str] | None, params: dict) -> pd.DataFrame:
    """``propagation`` as GDS personalised PageRank, one run per row seeded at its target genes.

    GDS keeps ``(1 - d)`` per source node and no normalisation: its score is the walk's
    probability times the number of seeds, so each row is divided by its seed count; the damping
    factor is ``1 - restart``. The gene graph is simple and undirected, as in Python.
    """
    from kgexpr.features.mechanism import panel_columns, target_seeds
    from kgexpr.features.similarity import binary_adjacency

    restart = float(params["restart"])
    if not 0.0 < restart < 1.0:  # GDS needs a damping factor in (0, 1]; restart 1 stops at the seeds
        raise ValueError(f"propagation.restart must be in (0, 1) in GDS, got {restart}")
    panel = rows if panel is None else panel
    cols = panel_columns(view, panel)
    genes, S = target_seeds(view, binary_adjacency(view), rows)  # the walks' seeds, as in Python
    gds = store.gds()
    G = gene_projection(store, view)
    out = np.zeros((len(rows), len(panel)))
    for i in range(len(rows)):
        seeds = sorted(int(j) for j in S[i].indices)
        if not seeds:
            continue  # no target gene: no walk, zeros as in Python
        with store.errors("computing propagation with GDS (personalised PageRank)"):
            res = gds.page_rank.stream(G, source_nodes=seeds, damping_factor=1.0 - restart,
                                       max_iterations=int(params["max_iter"]), tolerance=float(params["tol"]) / 10,
                                       scaler="NONE", concurrency=1, log_progress=False)
        score = np.zeros(len(genes))
        score[res["nodeId"].astype(np.int64).to_numpy()] = res["score"].to_numpy(np.float64) / len(seeds)
        out[i] = score[cols]
    return pd.DataFrame(out, index=pd.Index(rows), columns=pd.Index(panel))


def gds_embedding(store, view, name: str, rows: list[str], seed: int, params: dict) -> pd.DataFrame:
    """DeepWalk / node2vec / FastRP with GDS on the run's projection; rows x d0.."""
    p = params
    dim = int(p["dim"])
    if dim < 1:
        raise ValueError(f"dim must be >= 1, got {dim}")
    columns = [f"d{i}" for i in range(dim)]
    if not rows:
        return pd.DataFrame(np.zeros((0, dim)), index=pd.Index([]), columns=columns)
    gds = store.gds()
    if gds is None:
        raise RuntimeError(f"Neo4j at {store.uri} has no Graph Data Science plugin")  # dispatch checks first
    pos = view.nodes.get_indexer(pd.Index(rows))
    if (pos < 0).any():  # unknown rows fail before any projection
        raise KeyError(f"nodes not in graph: {[r for r, k in zip(rows, pos) if k < 0][:5]}")
    G = knowledge_projection(store, view)
    with store.errors(f"computing {name} with GDS"):
        if name == "fastrp":
            emb = gds.fast_rp.stream(
                G, embedding_dimension=dim,
                iteration_weights=[float(w) for w in p["iteration_weights"]],
                normalization_strength=float(p["normalization_strength"]),
                node_self_influence=float(p["self_influence"]),
                random_seed=seed, concurrency=1,
            )
        else:
            return_factor, in_out_factor = (1.0, 1.0) if name == "deepwalk" else (float(p["p"]), float(p["q"]))
            emb = gds.node2vec.stream(
                G, embedding_dimension=dim, walk_length=int(p["walk_length"]),
                walks_per_node=int(p["walks_per_node"]), window_size=int(p["window"]),
                iterations=int(p["epochs"]), negative_sampling_rate=int(p["negative"]),
                return_factor=return_factor, in_out_factor=in_out_factor,
                random_seed=seed, concurrency=1,
            )
    # the stream's node ids are the ranks the projection was given: positions in the view
    Y = np.zeros((len(view.nodes), dim))
    Y[emb["nodeId"].astype(np.int64).to_numpy()] = np.asarray(emb["embedding"].tolist(), dtype=np.float64).reshape(len(emb), dim)
    return pd.DataFrame(np.ascontiguousarray(Y[pos]), index=pd.Index(rows), columns=columns)
