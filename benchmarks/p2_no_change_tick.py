"""P2: a tick with nothing to do, at 10k records: no write, and little time spent finding that out.

Default (`--flow r1`): 10k 24SO products staged and synced to Rackbeat by R1 (the product flow of
flows/rackbeat/entities_run.py, through the shared loader); then one more R1 tick is timed.
`--flow r4` does the same with R4 over 10k orders (orders, rows, customers and products synced
first), for the order flow's own figure: it prints the full pass (every order mapped and diffed,
the worst case) and then times a tick after R4's staging overlap, the steady state of the
15-minute schedule, in which only orders staging saw change are mapped.

What the tick does is the real work of a 15-minute tick with no change: map every staged record
through its YAML spec, hash it, diff it against sync.id_map, and log "unchanged". The readiness
check (a handful of GETs) is done before the clock starts, like the asset's own preflight.

    writes    = creates + updates + resolves the tick sent (goal 0)
    compute_s = wall time of the tick (goal <= 2)

Last line: P2 writes=<n> compute_s=<s>
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _r1(sandbox, db: Path) -> tuple[int, float]:
    from so24_pipelines.flows.context import RunContext
    from so24_pipelines.flows.rackbeat import entities_run
    from so24_pipelines.flows.rackbeat.entities_specs import ENTITIES
    from so24_pipelines.flows.rackbeat.readiness import require_ready
    from so24_pipelines.settings import Settings
    from so24_pipelines_tests.e2e.rackbeat_orders_harness import rackbeat_client, stage_so24

    identity = stage_so24(sandbox, db, ("categories", "products"))
    settings = Settings.model_validate({"rackbeat": {"enabled": True}})
    with rackbeat_client(sandbox, requests_per_minute=1_000_000) as rb:
        require_ready(rb)
        for n, name in enumerate(("product_groups", "products")):
            started = time.perf_counter()
            run = entities_run.to_rackbeat(settings, rb, RunContext.of(db, f"sync-{n}"), ENTITIES[name], identity, initial=False)
            print(
                f"initial {name}: {run.notes.get('idle') or run.counts()} in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
        started = time.perf_counter()
        tick = entities_run.to_rackbeat(settings, rb, RunContext.of(db, "tick"), ENTITIES["products"], identity, initial=False)
        seconds = time.perf_counter() - started
    done = tick.counts()
    print(f"no-change tick: {done}")
    return sum(done.get(k, 0) for k in ("created", "updated", "resolved")), seconds


def _r4(sandbox, db: Path) -> tuple[int, float]:
    from so24_pipelines.flows.context import RunContext
    from so24_pipelines.flows.rackbeat.orders_flow import readiness_for_orders, run_orders
    from so24_pipelines.flows.rackbeat.orders_mapping import STAGING_OVERLAP
    from so24_pipelines_tests.e2e.rackbeat_orders_harness import (
        prepare_rackbeat,
        rackbeat_client,
        sendable_orders,
        stage_so24,
    )

    stage_so24(sandbox, db)
    orders = sendable_orders(db)
    with rackbeat_client(sandbox, requests_per_minute=1_000_000) as rb:
        prepare_rackbeat(rb, db, orders)
        started = time.perf_counter()
        first = run_orders(
            RunContext.of(db, "sync"), rb, so24_status="Confirmed", rackbeat_status="draft", max_workers=8
        )
        print(f"initial R4: {first.counts()} in {time.perf_counter() - started:.0f} s", flush=True)
        readiness_for_orders(rb, dry_run=False)
        started = time.perf_counter()
        full = run_orders(
            RunContext.of(db, "full"), rb, so24_status="Confirmed", rackbeat_status="draft", full=True
        )
        print(
            f"full pass over {len(orders)} orders (every order mapped, hashed, diffed): {full.counts()} "
            f"in {time.perf_counter() - started:.2f} s",
            flush=True,
        )
        wait = STAGING_OVERLAP.total_seconds() + 5
        print(f"waiting {wait:.0f} s (R4's staging overlap), as a 15-minute schedule would", flush=True)
        time.sleep(wait)
        started = time.perf_counter()
        tick = run_orders(RunContext.of(db, "tick"), rb, so24_status="Confirmed", rackbeat_status="draft")
        seconds = time.perf_counter() - started
    done = tick.counts()
    print(f"no-change tick: {done} (planned {tick.planned()})")
    return done["created"] + done["updated"] + done["resolved"], seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flow", choices=("r1", "r4"), default="r1")
    parser.add_argument("--scale", type=int, default=None, help="default: 10000 (r1), 30000 (r4)")
    args = parser.parse_args()

    from so24_pipelines_tests.sandbox_process import start_sandbox

    scale = args.scale or (10_000 if args.flow == "r1" else 30_000)
    sandbox = start_sandbox(scale=scale, timeout=600)
    try:
        sandbox.control("POST", "rackbeat/limits", json={"per_minute": 10_000_000})
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "staging.duckdb"
            writes, seconds = (_r1 if args.flow == "r1" else _r4)(sandbox, db)
    finally:
        sandbox.stop()
    print(f"P2 writes={writes} compute_s={seconds:.2f}")


if __name__ == "__main__":
    main()
