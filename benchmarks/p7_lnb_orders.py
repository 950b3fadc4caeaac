"""P7: L2 orders Le New Black -> 24SO on the sandbox: orders per minute, within 24SO's request budget.

One sandbox at --scale N (24SO company 1's products and customers; an LNB account whose SKUs and
retailers line up with them). --orders confirmed LNB orders are made by the brand (control API:
one to three coded lines each, retailers with a valid reference), the 24SO products and companies
are staged through the real extraction (E1, E3), then L2's flow function runs with the real
clients against the sandbox, as its Dagster asset calls it:

    first   the run that exports them: read and stage the LNB orders, map, create each 24SO order
            (a look-up of the customer's orders first, once per customer and run), acknowledge
            each in LNB (POST /orders/status)
    quiet   a run with nothing changed since (goal: 0 writes)

The 24SO client keeps its budget (--per-hour, 24SO's 7,200 an hour: 2 a second after a burst of
120), and so does the sandbox's 24SO, so the figure is what a deployment gets, not the machine's
speed; --per-hour 1000000 shows the hub's own cost.

    orders     = 24SO orders carrying an LNB reference after the run (the sandbox's count, not ours)
    seconds    = wall time of the run
    per_minute = orders / seconds x 60

Per run one line; the last line is the first run's:
P7 orders=<n> seconds=<s> per_minute=<x>
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _run(sandbox: Any, db: Path, name: str, per_hour: int) -> tuple[int, int, float]:
    """(24SO orders from LNB after the run, writes of the run, seconds) of one L2 run."""
    from so24_pipelines.connectors.lnb import LnbClient
    from so24_pipelines.connectors.so24 import session
    from so24_pipelines.connectors.so24.client import So24Client, So24Credentials
    from so24_pipelines.flows.context import RunContext
    from so24_pipelines.flows.lnb.orders import L2Options, sync_orders
    from so24_pipelines.flows.pairing import use_identity

    lnb = sandbox.control("GET", "lnb/credentials").json()
    c = sandbox.control("GET", "24so/credentials").json()
    options = L2Options(statuses=("confirmed",), so24_status="Confirmed", product_key="ean13",
                        discount_unit="fraction", acknowledge_status="closed")  # fmt: skip
    started = time.perf_counter()
    with (
        LnbClient(
            lnb["baseUrl"], lnb["clientId"], lnb["clientSecret"], requests_per_minute=60_000
        ) as lnb_client,
        So24Client(
            base_url=f"{sandbox.url}/24so",
            credentials=So24Credentials(c["application_id"], c["username"], c["password"]),
            requests_per_hour=per_hour,
        ) as so24,  # fmt: skip
    ):
        identity = session.current_identity(so24, None)
        use_identity(so24, identity, "lnb")
        runs = sync_orders(RunContext.of(db, f"p7-{name}"), lnb_client, so24, identity, options)
    seconds = time.perf_counter() - started
    writes = sum(r.counts()["created"] + r.counts()["updated"] + r.counts()["resolved"] for r in runs)
    orders = sum(
        1
        for o in sandbox.control("GET", "24so/orders").json()
        if str(o.get("ReferenceNumber", "")).startswith("LNB-")
    )
    return orders, writes, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--orders", type=int, default=300, help="confirmed LNB orders to export (default 300)"
    )
    parser.add_argument("--per-hour", type=int, default=7200, help="24SO request budget, client and sandbox")
    parser.add_argument(
        "--scale", type=int, default=200, help="sandbox scale: 24SO products, customers (200)"
    )
    args, _ = parser.parse_known_args()  # `make bench` hands every benchmark the same options

    from so24_pipelines_tests.e2e.rackbeat_orders_harness import stage_so24
    from so24_pipelines_tests.sandbox_process import start_sandbox

    sandbox = start_sandbox(scale=args.scale, timeout=300)
    try:
        sandbox.control("POST", "lnb/orders/generate", json={"count": args.orders, "status": "confirmed"})
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "staging.duckdb"
            stage_so24(sandbox, db, ("products", "companies"))
            sandbox.control("POST", "24so/limits", json={"per_hour": args.per_hour})
            lines = []
            for name in ("first", "quiet"):
                before = sum(1 for o in sandbox.control("GET", "24so/orders").json()
                             if str(o.get("ReferenceNumber", "")).startswith("LNB-"))  # fmt: skip
                orders, writes, seconds = _run(sandbox, db, name, args.per_hour)
                made = orders - before
                line = f"P7 orders={made} seconds={seconds:.1f} per_minute={made / seconds * 60:.0f}"
                print(f"{name:6} {line} writes={writes}", flush=True)
                lines.append(line)
    finally:
        sandbox.stop()
    print(lines[0])


if __name__ == "__main__":
    main()
