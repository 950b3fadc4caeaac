"""P8: X7's nightly reconciliation at 10k products: requests per pair as % of the vendors' hourly limits.

One sandbox at --scale N (N 24SO products, the sandbox's companies and orders at that scale). The
other sides are filled first through their own APIs, as the flows would leave them: a Rackbeat
product and a WMS article for every 24SO product (by number). Then each pair's reconciliation
function runs with the real clients against the sandbox, as its Dagster asset calls it, and counts
the HTTP requests each client really sent (retries included).

    requests  = HTTP requests the reconciliation sent to that system
    per_hour  = the system's hourly budget: 24SO 7,200 per user (reference/24so/API.md), Rackbeat
                480 a minute = 28,800 (reference/rackbeat/API.md); Ongoing and Le New Black publish
                none, so our own pace stands in (ongoing.requests_per_second 5/s = 18,000,
                lnb.requests_per_minute 300 = 18,000)
    share     = requests / per_hour, the slice of one hour's budget a night's run takes
    per_record = the baseline measured in the same run: one GET per record (what a naive
                 reconciliation would send), and the ratio of that to what was sent

Orders are not compared (no pair reconciles them yet), so 10k orders add no request.

P8 rackbeat=<requests> (<share> of the hour) ongoing=<requests> (<share>) lnb=<requests> (<share>)
   so24=<requests per pair> (<share>)
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

PER_HOUR = {"so24": 7200, "rackbeat": 480 * 60, "ongoing": 5 * 3600, "lnb": 300 * 60}


def _fill_rackbeat(sandbox: Any, products: list[dict[str, Any]]) -> None:
    from so24_pipelines_tests.e2e import rackbeat_entities_harness as h

    h.open_budget(sandbox)
    with h.rackbeat(sandbox) as client:
        have = {str(p["number"]) for p in client.iter_products(page_size=1000)}
        groups = {g["number"] for g in client.list_product_groups()}
        group = min(groups)
        for p in products:
            number = str(p.get("No") or "")
            if number and len(number) <= 25 and number not in have:
                client.create_product({"number": number, "name": p.get("Name") or number, "group": group,
                                       "sales_price": float(p.get("Price") or 0)})  # fmt: skip


def _fill_wms(client: Any, products: list[dict[str, Any]]) -> None:
    for p in products:
        if p.get("No"):
            client.put_article(
                str(p["No"]), {"productCode": str(p["Id"]), "articleName": p.get("Name") or p["No"]}
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10_000, help="24SO products (default 10000)")
    args, _ = parser.parse_known_args()  # `make bench` hands every benchmark the same options

    from so24_pipelines.connectors.lnb import LnbClient
    from so24_pipelines.connectors.so24.session import current_identity
    from so24_pipelines.flows.context import RunContext
    from so24_pipelines.flows.lnb.stock import StockOptions
    from so24_pipelines.flows.reconcile.run import reconcile_lnb, reconcile_ongoing, reconcile_rackbeat
    from so24_pipelines.settings import Settings
    from so24_pipelines_tests.e2e import rackbeat_entities_harness as h
    from so24_pipelines_tests.e2e.ongoing_harness import o_resources
    from so24_pipelines_tests.sandbox_process import start_sandbox

    sandbox = start_sandbox(scale=args.scale, timeout=900)
    try:
        products = sandbox.control("GET", "24so/products").json()
        companies = sandbox.control("GET", "24so/companies").json()
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "staging.duckdb"
            _fill_rackbeat(sandbox, products)
            wms_resource = o_resources(sandbox, db)["ongoing"]
            with wms_resource.client() as wms:
                _fill_wms(wms, products)
            settings = Settings.model_validate({"rackbeat": {"enabled": True}, "ongoing": {"enabled": True},
                                                "lnb": {"enabled": True},
                                                "flows": {"R8": {"enabled": False}, "O5": {"enabled": True}}})  # fmt: skip
            shares: dict[str, str] = {}
            creds = sandbox.control("GET", "lnb/credentials").json()
            lnb = LnbClient(
                creds["baseUrl"],
                creds["clientId"],
                creds["clientSecret"],
                requests_per_minute=60_000,
                burst=100,
            )
            with h.so24(sandbox) as so24, h.rackbeat(sandbox) as rackbeat, wms_resource.client() as wms, lnb:
                identity = current_identity(so24, None)
                for pair in ("rackbeat", "ongoing", "lnb"):
                    started = time.perf_counter()
                    run = RunContext.of(db, f"p8-{pair}")
                    if pair == "rackbeat":
                        report = reconcile_rackbeat(run, settings, so24, rackbeat, identity)
                    elif pair == "ongoing":
                        report = reconcile_ongoing(run, settings, so24, wms, identity)
                    else:
                        report = reconcile_lnb(run, settings, so24, lnb, identity, StockOptions())
                    seconds = time.perf_counter() - started
                    records = sum(
                        c.so24_count + c.other_count for c in report.comparisons if c.entity != "stock"
                    )
                    sent = sum(report.requests.values())
                    parts = " ".join(
                        f"{system}={n} ({n / PER_HOUR[system]:.2%} of {PER_HOUR[system]}/h)"
                        for system, n in report.requests.items()
                    )
                    print(f"{pair:8} records={records} {parts} per_record_baseline={records} "
                          f"ratio={records / max(sent, 1):.0f}x seconds={seconds:.1f}", flush=True)  # fmt: skip
                    for system, n in report.requests.items():
                        shares[f"{pair}.{system}"] = f"{n} ({n / PER_HOUR[system]:.2%})"
        print(f"products={len(products)} companies={len(companies)} orders_compared=0")
    finally:
        sandbox.stop()
    print(
        f"P8 rackbeat={shares['rackbeat.rackbeat']} ongoing={shares['ongoing.ongoing']} lnb={shares['lnb.lnb']} "
        f"so24={shares['rackbeat.so24']}+{shares['ongoing.so24']}+{shares['lnb.so24']}"
    )


if __name__ == "__main__":
    main()
