"""P5: what a no-change tick costs in wall time against the work its steps do.

A scheduled tick is a Dagster run of the real Definitions (`so24_pipelines.definitions`), executed
through the instance with the job's own executor, as the run worker the schedule's run launcher
starts executes it: `execute_job` of a reconstructable job in a temp DAGSTER_HOME holding the
repo's dagster.yaml (pools, run limits), against the sandbox with the demo settings (Rackbeat and
Ongoing connected). First the initial extraction, R1/R2 (so R4's orders find their customers
and products in Rackbeat) and each job's first load (what a tick then finds unchanged), then one
timed tick of each job:

    so24_incremental      E1-E7 (the 15-minute extraction)
    rackbeat_orders_sync  an R flow job (R4 with the order extraction it needs)
    ongoing_sync          an O flow job (O6: the Ongoing flows that are on)

    wall_s  = from launching the run until it is over (what the schedule's tick costs)
    work_s  = sum of the run's step durations (STEP_START -> end, from the run's events)
    ratio   = wall_s / work_s (goal <= 1.5 for the worst job)

Each job's tick is timed `--repeat` times (3) and the median tick (by wall) is reported: on a
shared two-core machine one tick's ratio varies by half from run to run. The overhead (wall -
work) is printed split into what a run pays once whatever its steps (launch -> first step, last
step -> returned: run creation and its planned events, run start, resources, log capture) and
what it pays per step (between steps); with sub-second work the first sets a floor on the ratio
that fewer or larger steps cannot lower (work_s holds each step's own Dagster events too, so
merging steps lowers wall_s and work_s alike).

The run worker's own process start (Python, Dagster, the definitions: once per run, whatever the
executor) is printed apart, measured once, and is not in the ratio. So is the webhook path's run:
one `rackbeat_shipped` run (R5, one step, the run a shipped event starts), printed as its overhead
(wall - work), the part of P4's latency a deployment adds to the in-process figure P4 measures.

`--execution multiprocess` runs the same ticks with a process per step (what every job did before
the Definitions' executor became in-process by default), for the before/after comparison.

Last line: P5 tick_wall_s=<worst job's wall> work_s=<its work> ratio=<its ratio>
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

JOBS = ("so24_incremental", "rackbeat_orders_sync", "ongoing_sync")
# Run once before the timed ticks: R1/R2 put the customers and products R4's orders name into
# Rackbeat, so R4's tick has nothing to do (rather than retrying orders that wait for them).
SETUP = ("so24_incremental", "rackbeat_entities_sync")
DEFINITIONS_MODULE = "so24_pipelines.definitions"


def _recon(name: str):  # noqa: ANN202 - a Dagster ReconstructableJob
    """The job as a run worker loads it: by code pointer to the module's `defs`."""
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    repo = ReconstructableRepository.for_module(DEFINITIONS_MODULE, "defs", working_directory=str(ROOT))
    return repo.get_reconstructable_job(name)


@dataclass
class Tick:
    name: str
    wall: float
    work: float
    steps: int
    writes: int
    failed: int
    executor: str
    # where wall - work goes (seconds): before the run's first event, RUN_START -> first step,
    # between steps, last step -> RUN_SUCCESS, after it until execute_job returned
    phases: dict[str, float] | None = None

    @property
    def ratio(self) -> float:
        return self.wall / max(self.work, 0.01)

    def overhead(self) -> str:
        return ", ".join(f"{name} {seconds:.2f}" for name, seconds in (self.phases or {}).items())

    def split(self) -> str:
        """The overhead as paid once per run and per step (see the module docstring)."""
        phases = self.phases or {}
        once = sum(phases.get(k, 0.0) for k in ("launch->RUN_START", "->first step", "last step->end", "after end"))
        between = phases.get("between steps", 0.0)
        per_step = between / max(self.steps - 1, 1)
        return f"once per run {once:.2f} s, between steps {between:.2f} s ({per_step * 1000:.0f} ms per step)"


def _phases(instance, run_id: str, launched: float, returned: float) -> dict[str, float]:  # noqa: ANN001
    """Wall clock of one run cut at its events: what the steps do not account for."""
    import dagster as dg

    records = instance.all_logs(run_id)
    kinds = [(r.timestamp, r.dagster_event.event_type if r.dagster_event else None) for r in records]
    first = min(t for t, _ in kinds)
    run_start = next((t for t, k in kinds if k == dg.DagsterEventType.RUN_START), first)
    run_end = max((t for t, k in kinds if k in (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE)),
                  default=max(t for t, _ in kinds))  # fmt: skip
    stats = sorted(instance.get_run_step_stats(run_id), key=lambda s: s.start_time or 0)
    spans = [(s.start_time or 0, s.end_time or s.start_time or 0) for s in stats]
    between = sum(max(0.0, b[0] - a[1]) for a, b in zip(spans, spans[1:], strict=False))
    resources = sum(
        b - a
        for (a, ka), (b, kb) in zip(kinds, kinds[1:], strict=False)
        if ka == dg.DagsterEventType.RESOURCE_INIT_STARTED and kb == dg.DagsterEventType.RESOURCE_INIT_SUCCESS
    )
    return {
        "launch->RUN_START": run_start - launched,
        "->first step": (spans[0][0] - run_start) if spans else 0.0,
        "between steps": between,
        "last step->end": (run_end - spans[-1][1]) if spans else 0.0,
        "after end": returned - run_end,
        "(resource init, inside steps)": resources,
    }


def _execute(instance, name: str, execution: str | None = None) -> Tick:  # noqa: ANN001 - DagsterInstance
    """Run `name` through the instance with its own executor; what it cost and what it wrote."""
    import dagster as dg

    run_config = {"execution": {"config": {execution: {}}}} if execution else None
    launched = time.time()
    started = time.perf_counter()
    with dg.execute_job(_recon(name), instance=instance, run_config=run_config, raise_on_error=False) as result:
        wall = time.perf_counter() - started
        returned = time.time()
        run_id = result.run_id
        if not result.success:
            failed = [e.message for e in result.all_events if e.is_failure]
            raise SystemExit(f"{name} failed: {failed[:3]}")
        writes = failed = 0
        for event in result.all_events:
            if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
                meta = event.event_specific_data.materialization.metadata
                writes += sum(int(meta[k].value) for k in ("created", "updated", "resolved") if k in meta)
                failed += int(meta["failed"].value) if "failed" in meta else 0
    stats = instance.get_run_step_stats(run_id)
    work = sum((s.end_time or s.start_time or 0) - (s.start_time or 0) for s in stats)
    engine = instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
    executor = "in process" if any("in process" in (r.user_message or "") for r in engine) else "multiprocess"
    return Tick(name, wall, work, len(stats), writes, failed, executor, _phases(instance, run_id, launched, returned))


def _process_start_s(env: dict[str, str]) -> float:
    """One run worker's start: a Python process importing Dagster and loading the definitions."""
    code = f"import {DEFINITIONS_MODULE} as d; d.defs()"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--jobs", nargs="*", default=list(JOBS))
    parser.add_argument("--repeat", type=int, default=3, help="timed ticks per job; the median is reported")
    parser.add_argument(
        "--execution", choices=("multiprocess", "in_process"), default=None,
        help="ask every timed run for this executor mode (default: the Definitions' own)",
    )  # fmt: skip
    args = parser.parse_args()

    import dagster as dg

    from so24_pipelines.cli import demo_settings, sandbox_env
    from so24_pipelines_tests.sandbox_process import start_sandbox

    sandbox = start_sandbox(scale=args.scale, timeout=300)
    ticks: list[Tick] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
            os.environ["DAGSTER_HOME"] = str(home)
            os.environ["SO24_SETTINGS"] = str(demo_settings(home, sandbox.url))
            os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
            env = dict(os.environ)
            sandbox_env(sandbox.url, env)
            os.environ.update(env)
            # Rackbeat's sandbox limit is the real one (480/min); the first loads would only wait.
            sandbox.control("POST", "rackbeat/limits", json={"per_minute": 10_000_000})
            with dg.DagsterInstance.get() as instance:
                # The initial extraction, then each job's first load (what the timed tick finds).
                for name in dict.fromkeys((*SETUP, *args.jobs)):
                    tick = _execute(instance, name)
                    print(
                        f"setup {name}: {tick.steps} steps, wall {tick.wall:.1f} s, wrote {tick.writes}, "
                        f"failed {tick.failed}",
                        flush=True,
                    )
                for name in args.jobs:
                    tries = sorted((_execute(instance, name, args.execution) for _ in range(max(1, args.repeat))),
                                   key=lambda t: t.wall)  # fmt: skip
                    tick = tries[len(tries) // 2]
                    ticks.append(tick)
                    print(
                        f"{name}: {tick.steps} steps ({tick.executor}), writes {tick.writes}, failed {tick.failed}, "
                        f"tick_wall_s={tick.wall:.2f} work_s={tick.work:.2f} ratio={tick.ratio:.2f} "
                        f"(median of {len(tries)}, walls {', '.join(f'{t.wall:.2f}' for t in tries)}; "
                        f"overhead {tick.wall - tick.work:.2f} s: {tick.split()}; {tick.overhead()})",
                        flush=True,
                    )
                r5 = _execute(instance, "rackbeat_shipped", args.execution)
                print(
                    f"webhook path: rackbeat_shipped ({r5.executor}), one run of {r5.steps} step(s): "
                    f"wall {r5.wall:.1f} s, work {r5.work:.1f} s, overhead {r5.wall - r5.work:.1f} s ({r5.overhead()})",
                    flush=True,
                )
            print(f"run worker process start (once per run, any executor): {_process_start_s(env):.1f} s")
    finally:
        sandbox.stop()
    worst = max(ticks, key=lambda t: t.ratio)
    print(f"P5 tick_wall_s={worst.wall:.2f} work_s={worst.work:.2f} ratio={worst.ratio:.2f}")


if __name__ == "__main__":
    main()
