"""The stages of a run, in the one direction data flows.

load (sources -> graph + expression) -> features (graph -> per-node features)
-> train (designs -> MTRS per model and split) -> evaluate (metrics, stacking,
statistics) -> explain (gene->gene associations, written back into the graph) -> deploy
(every model refitted on all samples, for ``kgexpr predict``).
Running a stage first brings every stage it reads up to date (each reused when
its key is unchanged), so no stage ever reads stale inputs.
"""

from __future__ import annotations

from dataclasses import replace

from kgexpr.rundir import RunDir, Stage
from kgexpr.settings import DEMO_TREES, Settings
from kgexpr.stages import deploy, evaluate, explain, features, load, train
from kgexpr.stages.base import StageContext, StageSpec, execute, key_parts

STAGES: dict[str, StageSpec] = {spec.name: spec for spec in (load.STAGE, features.STAGE, train.STAGE,
                                                              evaluate.STAGE, explain.STAGE, deploy.STAGE)}

__all__ = ["DEMO_TREES", "STAGES", "StageContext", "StageSpec", "execute", "key_parts", "ready", "run_stage", "run_all"]


def ready(s: Settings) -> Settings:
    """Settings as every stage sees them, the same from the CLI and the Python API: the environment read,
    the trees resolved (the learner's default; DEMO_TREES on the simulated demo data), every value checked
    and the options that name data checked against it, all before any work."""
    from kgexpr.learn.learners import LEARNERS
    from kgexpr.stages.load import check_expression, check_named_genes, resolve_data

    s = s.resolved().validate()
    if s.learner.n_trees is None:
        trees = DEMO_TREES if resolve_data(s, quiet=True).demo else LEARNERS[s.learner.learner].default_trees
        s = replace(s, learner=replace(s.learner, n_trees=trees))
    check_named_genes(s)
    if s.data.expression is not None:
        check_expression(s)
    return s


def _chain(name: str) -> list[str]:
    """``name`` and every stage it reads, dependencies first."""
    order: list[str] = []

    def visit(n: str) -> None:
        for dep in STAGES[n].needs:
            visit(dep)
        if n not in order:
            order.append(n)

    visit(name)
    return order


def run_stage(name: str, s: Settings, run: RunDir | None = None) -> Stage:
    """Run ``name`` after bringing the stages it reads up to date."""
    s = ready(s)
    run = run or RunDir(s.out)
    done = None
    for n in _chain(name):
        done = execute(STAGES[n], s, run)
    return done


def run_all(s: Settings, run: RunDir | None = None) -> dict[str, Stage]:
    """Every stage in order (each reused when its key is unchanged)."""
    s = ready(s)
    run = run or RunDir(s.out)
    return {name: execute(spec, s, run) for name, spec in STAGES.items()}
