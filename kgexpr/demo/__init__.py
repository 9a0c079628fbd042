"""Simulated demo data set in the real providers' formats (clearly labelled: NOT biology).

``write_demo_data(out_dir)`` writes a data directory with the same folder layout and file
formats as the real one (``../shared/data``: KEGG KGML, LINCS gene info / pert info / level-5
GCT+GCTX, dhimmel/lincs-style consensus signatures, NCBI gene_info, Drug Repurposing Hub export,
GDSC cell-line alterations), so every parser and the whole pipeline run on a machine without the
real data.  Everything is made up and seeded: genes are "SIMG001".. with fake Entrez ids
900001.., pathways are "hsa90001".., drugs are "kgxsim-001".. with pert_ids "BRD-K90000001"..

Sizes (defaults): 400 genes (200 landmarks), 25 pathways, 300 drugs.  ``lincs-consensi-demo/``
holds one consensus signature per drug (the set a run picks without ``--expression``: it has
the most compounds); ``lincs-l1000-demo/`` a level-5 plate of the first 60 drugs x 6 doses + 12
DMSO vehicles in one cell line (the per-dose code paths).  When the plate would hold every drug
(``n_drugs <= n_level5_drugs``) only the plate is written.

The simulated biology has a known answer that only the knowledge graph carries:

* pathways are connected signed graphs of KGML relations grown by preferential attachment
  (activation / expression / indirect effect: +1, inhibition / repression: -1, binding: 0);
* a few well-connected genes per pathway are druggable, each with a usual mode (inhibited,
  or agonised for a fifth of them); a drug's primary target is druggable, further listed
  targets mostly so, each acted on in its usual mode (rarely the other way).  The Hub export
  lists targets and modes, so the graph links each drug to its targets;
* u0 = sum over targets of sign * strength; the perturbation propagates along the relations,
  downstream and (half as strongly) back upstream: ``e = sum_{k<=3} gamma^k W^k u0``,
  ``W = S^T + 0.5 S``; point-mutated genes of the demo cell line pass on a quarter of their
  signal, amplified genes respond 1.5x;
* response = responsiveness * 3 tanh(occupancy(dose) * e / 3) + a small shared stress term;
  level 5 adds a per-gene baseline and N(0, noise^2); the consensus signature is the response
  at 10 uM plus the noise of a mean of 3 replicates;
* the SMILES are random chains of fragments (RDKit-valid, formula and weight by RDKit): the
  structure carries no signal.  Realism kept small: 3% of drugs list no target (hidden
  targets only), 15% of listed drugs have a weak hidden off-target.

Generation is deterministic (numpy Generator; gzip mtime 0; HDF5 without timestamps; file
mtimes derived from the file content): the same seed and parameters give byte-identical files.
The directory is built in a temporary sibling and renamed into place, so a failure leaves
nothing half-written.  The ground truth used by the simulation is in ``demo-truth/truth.json``.

Modules: :mod:`.constants` (ids, file names, simulation parameters), :mod:`.simulate` (the data in
memory), :mod:`.write` (the files; GCT / GCTX through :mod:`kgexpr.sources.gct`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kgexpr.atomic import atomic_dir
from kgexpr.errors import KgexprError

from .constants import *  # noqa: F401,F403  (the public constants: DEMO_BANNER, CONSENSUS_DIR, ...)
from .constants import DEMO_MARKER
from .simulate import _simulate, _validate
from .write import _stamp_mtimes, _write_all


def is_demo_dir(path: Path) -> bool:
    """True when ``path`` is a data directory written by :func:`write_demo_data`."""
    return (Path(path) / DEMO_MARKER).is_file()


def write_demo_data(out_dir: Path, *, seed: int = 0, n_genes: int = 400, n_pathways: int = 25,
                    n_drugs: int = 300, n_landmarks: int = 200, n_level5_drugs: int = 60,
                    doses: tuple[float, ...] = (0.04, 0.12, 0.37, 1.11, 3.33, 10.0),
                    cell_line: str = "MCF7", noise: float = 0.3) -> Path:
    """Write a labelled, simulated data directory in the real sources' formats; return its path.

    ``n_drugs`` drugs get consensus signatures; the first ``min(n_level5_drugs, n_drugs)`` of them
    also a level-5 plate at every dose. The directory is built next to ``out_dir`` and renamed into
    place. An existing ``out_dir`` is replaced only if it is empty or an earlier demo directory
    (has DEMO.txt); anything else raises :class:`KgexprError` rather than touching real data.
    """
    out_dir = Path(out_dir)
    doses = tuple(float(d) for d in doses)
    if n_level5_drugs >= 1:  # the plate holds at most every drug (a smaller n_level5_drugs fails validation)
        n_level5_drugs = min(int(n_level5_drugs), int(n_drugs))
    _validate(n_genes, n_pathways, n_drugs, n_landmarks, doses, noise, cell_line, n_level5_drugs)
    if out_dir.exists() and not (out_dir.is_dir() and (is_demo_dir(out_dir) or not any(out_dir.iterdir()))):
        raise KgexprError(f"demo: {out_dir} exists and is not a kgexpr demo directory; refusing to overwrite it")
    params = {"n_genes": n_genes, "n_pathways": n_pathways, "n_drugs": n_drugs, "n_landmarks": n_landmarks,
              "n_level5_drugs": n_level5_drugs, "doses": list(doses), "cell_line": cell_line, "noise": float(noise)}
    with atomic_dir(out_dir, prefix=f".{out_dir.name}.tmp-") as tmp:
        rng = np.random.default_rng(seed)
        sim = _simulate(rng, n_genes, n_pathways, n_drugs, n_landmarks, cell_line)
        _write_all(tmp, sim, rng, seed=seed, params=params, doses=doses, cell_line=cell_line, noise=float(noise),
                   n_level5_drugs=n_level5_drugs)
        _stamp_mtimes(tmp)
    return out_dir
