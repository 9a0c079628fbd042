"""The stages of a run, in the one direction data flows.

load (sources -> graph + expression) -> features (graph -> per-node features)
-> train (designs -> MTRS per model and split) -> evaluate (metrics, stacking,
statistics) -> explain (gene->gene associations, written back into the graph) -> deploy
(every model refitted on all samples, for ``kgexpr predict``).
Running a stage first brings every stage it reads up to date (each reused when
its key is unchanged), so no stage ever reads stale inputs.
"""

from __future__ import annotations

from kgexpr.rundir import RunDir, Stage
from kgexpr.settings import Settings
from kgexpr.stages import deploy, evaluate, explain, features, load, train
from kgexpr.stages.base import StageContext, StageSpec, execute, key_parts

STAGES: dict[str, StageSpec] = {spec.name: spec for spec in (load.STAGE, features.STAGE, train.STAGE,
                                                              evaluate.STAGE, explain.STAGE, deploy.STAGE)}

__all__ = ["STAGES", "StageContext", "StageSpec", "execute", "key_parts", "run_stage", "run_all"]


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
    run = run or RunDir(s.out)
    done = None
    for n in _chain(name):
        done = execute(STAGES[n], s, run)
    return done


def run_all(s: Settings, run: RunDir | None = None) -> dict[str, Stage]:
    run = run or RunDir(s.out)
    return {name: execute(spec, s, run) for name, spec in STAGES.items()}
