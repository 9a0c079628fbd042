"""Random-walk corpora for DeepWalk and node2vec, vectorised over walkers with numpy.

Walks are returned as an ``int64`` array of shape ``(n_walkers, walk_length)`` holding node
indices, padded with ``-1`` after the first step for walkers that start on an isolated node
(those "walks" are just the node itself).  All randomness comes from the given
``numpy.random.Generator``, so a fixed seed gives bit-identical walks.
"""

from __future__ import annotations

import numpy as np

__all__ = ["start_nodes", "uniform_walks", "node2vec_walks", "walks_to_sentences"]


def start_nodes(n: int, walks_per_node: int, rng: np.random.Generator) -> np.ndarray:
    """``walks_per_node`` passes over all nodes, each pass in a fresh random order (DeepWalk)."""
    if walks_per_node < 1:
        raise ValueError("walks_per_node must be >= 1")
    return np.concatenate([rng.permutation(n) for _ in range(walks_per_node)]).astype(np.int64)


def _first_step(indptr, indices, deg, cur, rng):
    r = np.floor(rng.random(len(cur)) * deg[cur]).astype(np.int64)
    return indices[indptr[cur] + r]


def uniform_walks(
    indptr: np.ndarray, indices: np.ndarray, starts: np.ndarray, walk_length: int, rng: np.random.Generator
) -> np.ndarray:
    """Uniform (first-order) random walks on a CSR graph, one per entry of ``starts``."""
    if walk_length < 1:
        raise ValueError("walk_length must be >= 1")
    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    deg = np.diff(indptr)
    starts = np.asarray(starts, dtype=np.int64)
    W = np.full((len(starts), walk_length), -1, dtype=np.int64)
    W[:, 0] = starts
    alive = np.nonzero(deg[starts] > 0)[0]  # an undirected walk never gets stuck after step 0
    for s in range(1, walk_length):
        W[alive, s] = _first_step(indptr, indices, deg, W[alive, s - 1], rng)
    return W


def node2vec_walks(
    indptr: np.ndarray,
    indices: np.ndarray,
    starts: np.ndarray,
    walk_length: int,
    p: float,
    q: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Second-order node2vec walks (Grover & Leskovec 2016) by vectorised rejection sampling.

    A walker that came from ``t`` and sits on ``v`` moves to a neighbour ``x`` of ``v`` with
    probability proportional to ``1/p`` if x == t, ``1`` if x is adjacent to t and ``1/q``
    otherwise.  Each step proposes x uniformly from Γ(v) and accepts with probability
    ``weight / max(1/p, 1, 1/q)`` (exact; as in KnightKing); rejected walkers re-propose until
    all have moved.  Adjacency tests use a binary search on the sorted CSR edge keys.
    Requires sorted CSR column indices (``binary_adjacency`` guarantees that).
    """
    if walk_length < 1:
        raise ValueError("walk_length must be >= 1")
    if p <= 0 or q <= 0:
        raise ValueError("p and q must be > 0")
    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    n = len(indptr) - 1
    deg = np.diff(indptr)
    starts = np.asarray(starts, dtype=np.int64)
    W = np.full((len(starts), walk_length), -1, dtype=np.int64)
    W[:, 0] = starts
    alive = np.nonzero(deg[starts] > 0)[0]
    if walk_length == 1 or len(alive) == 0:
        return W
    W[alive, 1] = _first_step(indptr, indices, deg, W[alive, 0], rng)

    edge_keys = np.repeat(np.arange(n, dtype=np.int64), deg) * n + indices  # sorted (row-major CSR)
    w_back, w_in, w_out = 1.0 / p, 1.0, 1.0 / q
    w_max = max(w_back, w_in, w_out)

    def adjacent(a, b):
        keys = a * n + b
        pos = np.searchsorted(edge_keys, keys)
        pos[pos >= len(edge_keys)] = len(edge_keys) - 1
        return edge_keys[pos] == keys

    for s in range(2, walk_length):
        pending = alive
        while len(pending):
            t = W[pending, s - 2]
            v = W[pending, s - 1]
            x = _first_step(indptr, indices, deg, v, rng)
            weight = np.where(x == t, w_back, np.where(adjacent(t, x), w_in, w_out))
            accept = rng.random(len(pending)) * w_max < weight
            W[pending[accept], s] = x[accept]
            pending = pending[~accept]
    return W


def walks_to_sentences(W: np.ndarray, vocab: np.ndarray) -> list[list[str]]:
    """Turn a padded walk array into gensim sentences (lists of token strings).

    ``vocab[i]`` is the token of node i; the token objects are shared, so the corpus costs
    about one pointer per step.
    """
    vocab = np.asarray(vocab, dtype=object)
    full = W[:, -1] >= 0
    if full.all():
        return vocab[W].tolist()
    out: list[list[str]] = [None] * len(W)  # type: ignore[list-item]
    idx_full = np.nonzero(full)[0]
    for i, sent in zip(idx_full.tolist(), vocab[W[idx_full]].tolist()):
        out[i] = sent
    for i in np.nonzero(~full)[0].tolist():
        row = W[i]
        out[i] = vocab[row[row >= 0]].tolist()
    return out
