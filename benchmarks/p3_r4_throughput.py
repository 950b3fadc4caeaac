"""P3: R4 loading orders into Rackbeat at its rate limit: how much of the budget it uses, and how
often it runs into the limit anyway.

A sandbox at --scale N (about a third of its orders reach Confirmed/Production/Pack) is staged
and prepared (customers, products) with the budget out of the way; then the sandbox's Rackbeat
budget is set to --per-minute (600) and the hub's client to the same figure, and R4 sends every
order as a draft (two calls each: create, custom field) for at least a minute. The sandbox counts
what it allowed and what it refused with 429.

    throughput_pct_of_limit = requests allowed / (minutes of loading x per-minute limit) x 100
    pct_429                 = 429 answers / all requests x 100

Last line: P3 throughput_pct_of_limit=<x> pct_429=<y>   (goals: >= 90 and <= 1)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1500)
    parser.add_argument("--per-minute", type=int, default=600)
    args = parser.parse_args()

    from so24_pipelines.flows.context import RunContext
    from so24_pipelines.flows.rackbeat.orders_flow import run_orders
    from so24_pipelines_tests.e2e.rackbeat_orders_harness import (
        prepare_rackbeat,
        rackbeat_client,
        sendable_orders,
        stage_so24,
    )
    from so24_pipelines_tests.sandbox_process import start_sandbox

    sandbox = start_sandbox(scale=args.scale, timeout=300)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "staging.duckdb"
            stage_so24(sandbox, db, ("products", "companies", "orders"))
            orders = sendable_orders(db)
            sandbox.control("POST", "rackbeat/limits", json={"per_minute": 1_000_000})
            with rackbeat_client(sandbox) as fast:
                prepare_rackbeat(fast, db, orders)
            print(f"{len(orders)} orders to send at {args.per_minute} requests/minute", flush=True)
            sandbox.control("POST", "rackbeat/limits", json={"per_minute": args.per_minute})
            with rackbeat_client(sandbox, requests_per_minute=args.per_minute, burst=8) as client:
                started = time.perf_counter()
                run = run_orders(RunContext.of(db, "p3"), client, so24_status="Confirmed", rackbeat_status="draft")
                seconds = time.perf_counter() - started
            budget = sandbox.control("GET", "rackbeat/limits").json()
    finally:
        sandbox.stop()
    allowed, throttled = budget["allowed"], budget["throttled"]
    minutes = seconds / 60.0
    done = run.counts()
    print(
        f"created {done['created']}, failed {done['failed']} in {seconds:.1f} s; "
        f"sandbox allowed {allowed}, refused {throttled} (429)"
    )
    if seconds < 60:
        print(f"warning: loading took {seconds:.0f} s, less than a minute; raise --scale", flush=True)
    pct = allowed / (minutes * args.per_minute) * 100.0
    pct_429 = throttled / max(1, allowed + throttled) * 100.0
    print(f"P3 throughput_pct_of_limit={pct:.1f} pct_429={pct_429:.2f}")


if __name__ == "__main__":
    main()
