"""P6: L1 stock 24SO -> Le New Black at 10k products: LNB requests sent against figures changed.

One sandbox at --scale N (N 24SO products in company 1, and an LNB account whose N lines carry
their EAN13s, with the seed's gaps: about 1 in 17 has no EAN13 in LNB, so L1 skips that product
after one read of LNB's lines instead of sending it). The products are staged through the real 24SO extraction (E1), then L1's flow
function runs with the real LnbClient against the sandbox, as its Dagster asset calls it:

    first    the first run: every product with an EAN1 is sent
    tick_1%  1 % of the products get a new Stock in 24SO (control API), E1 again, then a run
    quiet    a run with nothing changed since

    products = products staged (company 1)
    changed  = figures LNB took in the run (created + updated)
    refused  = items LNB refused in the run (each retried every tick until LNB takes it: X5)
    not_in_lnb = products skipped because LNB has no line for their EAN13 (never sent)
    requests = bulk stock requests LNB counted in the run (its /_sandbox/lnb/stats, not ours)
    reads    = GET /inventory calls in the run (one per run with figures to send, none otherwise)

Per run one line; the last line is the 1 % tick:
P6 products=<n> changed=<n> requests=<n>
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


def _run(sandbox: Any, db: Path, identity: str, name: str) -> tuple[int, int, int, int, int, int, float]:
    """(products, changed, refused, not_in_lnb, requests, reads, seconds) of one L1 run."""
    from so24_pipelines.connectors.lnb import LnbClient
    from so24_pipelines.flows.context import RunContext
    from so24_pipelines.flows.lnb.stock import StockOptions, sync_stock

    creds = sandbox.control("GET", "lnb/credentials").json()
    stats = sandbox.control("GET", "lnb/stats").json()
    before, reads_before = stats["stock_requests"], stats["calls"].get("GET /inventory", 0)
    started = time.perf_counter()
    with LnbClient(
        creds["baseUrl"], creds["clientId"], creds["clientSecret"], requests_per_minute=60_000, burst=100
    ) as client:
        runs = sync_stock(RunContext.of(db, f"p6-{name}"), client, identity, StockOptions())
    seconds = time.perf_counter() - started
    stats = sandbox.control("GET", "lnb/stats").json()
    requests, reads = stats["stock_requests"] - before, stats["calls"].get("GET /inventory", 0) - reads_before
    counts = runs[0].counts()
    products = runs[0].plan_items
    lacking = int(runs[0].notes.get("not_in_lnb", 0))
    return products, counts["created"] + counts["updated"], counts["failed"], lacking, requests, reads, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10_000, help="24SO products = LNB lines (default 10000)")
    args, _ = parser.parse_known_args()  # `make bench` hands every benchmark the same options

    from so24_pipelines_tests.e2e.rackbeat_orders_harness import stage_so24
    from so24_pipelines_tests.sandbox_process import start_sandbox

    sandbox = start_sandbox(scale=args.scale, timeout=900)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "staging.duckdb"
            identity = stage_so24(sandbox, db, ("products",))
            lines = []
            for name in ("first", "tick_1%", "quiet"):
                if name == "tick_1%":
                    products = sandbox.control("GET", "24so/products").json()
                    for product in products[::100]:
                        stock = int(float(product.get("Stock") or 0))
                        sandbox.control(
                            "PATCH", f"24so/products/{product['Id']}", json={"Stock": str(stock + 3)}
                        )
                    stage_so24(sandbox, db, ("products",))
                products, changed, refused, lacking, requests, reads, seconds = _run(sandbox, db, identity, name)
                line = f"P6 products={products} changed={changed} requests={requests}"
                print(f"{name:8} {line} refused={refused} not_in_lnb={lacking} inventory_reads={reads} "
                      f"seconds={seconds:.1f}", flush=True)  # fmt: skip
                lines.append(line)
    finally:
        sandbox.stop()
    print(lines[1])


if __name__ == "__main__":
    main()
