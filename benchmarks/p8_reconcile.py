"""P8: X7's nightly reconciliation at 10k products: requests per pair as % of the vendors' hourly limits.

One sandbox at --scale N (N 24SO products, the sandbox's companies and orders at that scale). The
other sides are filled first through their own APIs, as the flows would leave them: a Rackbeat
product and a WMS article for every 24SO product (by number). Then each pair's reconciliation
function runs with the real clients against the sandbox, as its Dagster asset calls it, and counts
the HTTP requests each client really sent (retries included).

The two pairs without a fill of their own in the seed are brought to the state their flows leave:

- 24SO <-> Smartdok: the sandbox seeds Smartdok from 24SO at the same scale (24SO's 10 employees and
  scale/10 projects, 60 + scale/4 hours); S1 and S2 run once (their functions, real clients), then
  --smartdok-hours more hours are registered and approved over S3's edit lookback and S3 transfers
  every approved hour (a backfill over the lookback), so the hour windows hold realistic volumes.
- Rackbeat <-> Netvisor: --netvisor-scale customers and a tenth as many suppliers in Rackbeat, and a
  Netvisor customer / vendor / product for each of those and of Rackbeat's products (the 10k
  filled above), paired by code with the same name, as N1 leaves a record both sides hold (N2 links
  it by code and N1 writes nothing to it).

    requests  = HTTP requests the reconciliation sent to that system
    per_hour  = the system's hourly budget: 24SO 7,200 per user (reference/24so/API.md), Rackbeat
                480 a minute = 28,800 (reference/rackbeat/API.md); Ongoing and Le New Black publish
                none, so our own pace stands in (ongoing.requests_per_second 5/s = 18,000,
                lnb.requests_per_minute 300 = 18,000); Smartdok states no limit either
                (reference/smartdok/API.md), so its client's pace stands in (smartdok.requests_per_minute
                300 = 18,000); Netvisor states no request budget, only that a company takes one call at
                a time (reference/netvisor/API.md; the client serialises), so no share is computed for
                it: the line says so, and the pair's line gives the seconds its reads took
    share     = requests / per_hour, the slice of one hour's budget a night's run takes
    per_record = the baseline measured in the same run: one GET per record (what a naive
                 reconciliation would send), and the ratio of that to what was sent

Orders are not compared (no pair reconciles them yet), so 10k orders add no request.

P8 rackbeat=<requests of the 24SO pair>+<of the Netvisor pair> (<share> of the hour) ongoing=<requests>
   (<share>) lnb=<requests> (<share>) smartdok=<requests> (<share>) netvisor=<requests> (no hourly
   limit published: one call at a time) so24=<requests per pair: Rackbeat, Ongoing, LNB, Smartdok> (<share>)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PER_HOUR = {"so24": 7200, "rackbeat": 480 * 60, "ongoing": 5 * 3600, "lnb": 300 * 60, "smartdok": 300 * 60}
NO_BUDGET = {"netvisor": "no hourly limit published: one call at a time"}
FINNISH_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


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


def _share(system: str, n: int, *, long: bool = True) -> str:
    """A request count with its slice of the system's hourly budget, or why there is no such slice."""
    if system in NO_BUDGET:
        return f"{n} ({NO_BUDGET[system]})"
    per_hour = PER_HOUR[system]
    return f"{n} ({n / per_hour:.2%} of {per_hour}/h)" if long else f"{n} ({n / per_hour:.2%})"


def _smartdok_client(sandbox: Any) -> Any:
    from so24_pipelines.connectors.smartdok import SmartdokClient

    sd = sandbox.control("GET", "smartdok/credentials").json()
    return SmartdokClient(sd["baseUrl"], sd["apiToken"], requests_per_minute=60_000)


def _register_hours(sandbox: Any, count: int, days: int) -> None:
    """`count` hours approved by the administrator, of the employees S3 can send for (24SO's ids and
    codes), spread over the last `days` days, the way P9 registers them."""
    persons = {str(p["Id"]) for p in sandbox.control("GET", "24so/persons").json() if p.get("IsEmployee")}
    samples = {}
    for hour in sandbox.control("GET", "smartdok/hours").json():
        codes = (hour["ProjectNumber"], hour["WorkDescriptionCode"], hour["WageCode"])
        if hour["EmployeeNo"] in persons and all(str(c).isdigit() for c in codes):
            samples.setdefault(hour["EmployeeNo"], hour)
    people = list(samples.values())
    today = datetime.now(UTC).date()
    for n in range(count):
        sample = people[n % len(people)]
        body = {"employeeNo": sample["EmployeeNo"], "projectNumber": sample["ProjectNumber"],
                "activityNumber": sample["WorkDescriptionCode"], "wageNumber": sample["WageCode"],
                "date": (today - timedelta(days=1 + n % (days - 1))).isoformat(), "from": "07:00",
                "to": f"{12 + n % 4:02d}:{(n * 7) % 60:02d}", "comment": f"P8 {n}"}  # fmt: skip
        hour = sandbox.control("POST", "smartdok/hours", json=body).json()
        sandbox.control("POST", f"smartdok/hours/{hour['WorkHourID']}/attest", json={"levels": ["admin"]})


def _fill_smartdok(sandbox: Any, db: Path, settings: Any, extra_hours: int) -> int:
    """S1 and S2 once, `extra_hours` more approved hours, then S3 over its whole edit lookback, all with
    the flows' own functions and real clients; returns the 24SO hours the hub tagged."""
    from so24_pipelines.connectors.so24 import reads, session
    from so24_pipelines.connectors.so24.client import So24Client, So24Credentials
    from so24_pipelines.defs.smartdok.assets import hour_options
    from so24_pipelines.flows.context import RunContext
    from so24_pipelines.flows.pairing import use_identity
    from so24_pipelines.flows.smartdok import employees, projects
    from so24_pipelines.flows.smartdok.hours import sync_hours
    from so24_pipelines.flows.smartdok.hours_staging import period
    from so24_pipelines_tests.e2e.rackbeat_orders_harness import stage_so24

    sandbox.control("POST", "24so/limits", json={"per_hour": 1_000_000})  # the fill is not measured
    c = sandbox.control("GET", "24so/credentials").json()
    stage_so24(sandbox, db, ("persons", "projects", "work_types", "salary_types"))
    options = hour_options(settings)
    run = RunContext.of(db, "p8-smartdok-fill")
    with (
        _smartdok_client(sandbox) as smartdok,
        So24Client(
            base_url=f"{sandbox.url}/24so",
            credentials=So24Credentials(c["application_id"], c["username"], c["password"]),
            requests_per_hour=1_000_000,
        ) as so24,
    ):
        identity = session.current_identity(so24, None)
        use_identity(so24, identity, "smartdok")
        employees.sync_employees(run, smartdok, identity, lambda: reads.employee_contacts(so24))
        projects.sync_projects(run, smartdok, identity)
        _register_hours(sandbox, extra_hours, options.edit_lookback_days)
        today = datetime.now(UTC).date()
        first = today - timedelta(days=options.edit_lookback_days - 1)
        sync_hours(run, smartdok, so24, identity, options, period(today, options.lookback_days, first, today))
    hours = sandbox.control("GET", "24so/hours").json()
    return sum(1 for h in hours if "[Smartdok " in str(h.get("Description")))


def _finnish_business_ids(start: int) -> Any:
    """Valid Finnish business IDs (Y-tunnus: 7 digits and a mod-11 check digit) from `start` on."""
    n = start
    while True:
        digits = f"{n:07d}"
        rest = sum(w * int(d) for w, d in zip(FINNISH_ID_WEIGHTS, digits, strict=True)) % 11
        if rest != 1:  # a remainder of 1 gives no valid check digit
            yield f"{digits}-{0 if rest == 0 else 11 - rest}"
        n += 1


def _fill_netvisor(sandbox: Any, count: int) -> dict[str, int]:
    """Rackbeat customers and suppliers, and their Netvisor counterparts with the same code and name
    (Rackbeat's products get theirs too), as N1 leaves a record both sides hold; returns the counts."""
    from so24_pipelines_tests.e2e import rackbeat_entities_harness as h

    h.open_budget(sandbox)
    ids = _finnish_business_ids(1_000_000)
    for k in range(count):
        number, name = 200_000 + k, f"P8 Asiakas {k} Oy"
        sandbox.control("POST", "rackbeat/customers", json={"number": number, "name": name,
                                                             "address_city": "Tampere", "address_country": "FI"})  # fmt: skip
        sandbox.control("POST", "netvisor/customers", json={"internalidentifier": str(number), "name": name,
                                                             "city": "Tampere", "country": "FI"})  # fmt: skip
    for k in range(count // 10):
        number, name, business_id = 300_000 + k, f"P8 Toimittaja {k} Oy", next(ids)
        sandbox.control("POST", "rackbeat/suppliers", json={"number": number, "name": name,
                                                             "company_vat": "FI" + business_id.replace("-", "")})  # fmt: skip
        sandbox.control("POST", "netvisor/vendors", json={"code": str(number), "name": name,
                                                           "organizationid": business_id})  # fmt: skip
    with h.rackbeat(sandbox) as client:
        products = list(client.iter_products(page_size=1000))[:count]
    for p in products:
        sandbox.control("POST", "netvisor/products", json={"productcode": str(p["number"]), "name": p["name"],
                                                            "unitprice": str(p.get("sales_price") or 0)})  # fmt: skip
    return {"customers": count, "suppliers": count // 10, "products": len(products)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10_000, help="24SO products (default 10000)")
    parser.add_argument("--smartdok-hours", type=int, default=2_000,
                        help="approved Smartdok hours registered over S3's lookback on top of the seed's (2000)")  # fmt: skip
    parser.add_argument("--netvisor-scale", type=int, default=None,
                        help="Rackbeat<->Netvisor customers and products (a tenth as many suppliers); default --scale")  # fmt: skip
    args, _ = parser.parse_known_args()  # `make bench` hands every benchmark the same options
    netvisor_scale = args.scale if args.netvisor_scale is None else args.netvisor_scale

    from so24_pipelines.connectors.lnb import LnbClient
    from so24_pipelines.connectors.so24.session import current_identity
    from so24_pipelines.flows.context import RunContext
    from so24_pipelines.flows.lnb.stock import StockOptions
    from so24_pipelines.flows.reconcile.netvisor import reconcile_netvisor
    from so24_pipelines.flows.reconcile.run import reconcile_lnb, reconcile_ongoing, reconcile_rackbeat
    from so24_pipelines.flows.reconcile.smartdok import reconcile_smartdok
    from so24_pipelines.settings import Settings
    from so24_pipelines_tests.e2e import netvisor_harness
    from so24_pipelines_tests.e2e import rackbeat_entities_harness as h
    from so24_pipelines_tests.e2e.ongoing_harness import o_resources
    from so24_pipelines_tests.sandbox_process import start_sandbox

    sandbox = start_sandbox(scale=args.scale, timeout=900)
    try:
        products = sandbox.control("GET", "24so/products").json()
        companies = sandbox.control("GET", "24so/companies").json()
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "staging.duckdb"
            settings = Settings.model_validate({
                "rackbeat": {"enabled": True}, "ongoing": {"enabled": True}, "lnb": {"enabled": True},
                "smartdok": {"enabled": True}, "netvisor": {"enabled": True},
                # S3 sends the hours whose codes match while others wait for S4's fixes, as the e2e tests run it
                "flows": {"R8": {"enabled": False}, "O5": {"enabled": True},
                          "S3": {"send_matching_while_mismatched": True}},
            })  # fmt: skip
            started = time.perf_counter()
            _fill_rackbeat(sandbox, products)
            wms_resource = o_resources(sandbox, db)["ongoing"]
            with wms_resource.client() as wms:
                _fill_wms(wms, products)
            print(f"fill rackbeat+wms seconds={time.perf_counter() - started:.1f}", flush=True)
            started = time.perf_counter()
            transferred = _fill_smartdok(sandbox, db, settings, args.smartdok_hours)
            print(f"fill smartdok (S1, S2, {args.smartdok_hours} hours, S3) transferred={transferred} "
                  f"seconds={time.perf_counter() - started:.1f}", flush=True)  # fmt: skip
            requests: dict[str, dict[str, int]] = {}
            creds = sandbox.control("GET", "lnb/credentials").json()
            lnb = LnbClient(
                creds["baseUrl"],
                creds["clientId"],
                creds["clientSecret"],
                requests_per_minute=60_000,
                burst=100,
            )
            nv, rb_for_nv = netvisor_harness.clients(sandbox.url, str(Path(tmp) / "locks"))
            with (
                h.so24(sandbox) as so24, h.rackbeat(sandbox) as rackbeat, wms_resource.client() as wms, lnb,
                _smartdok_client(sandbox) as smartdok, nv, rb_for_nv,
            ):  # fmt: skip
                identity = current_identity(so24, None)
                pairs = {
                    "rackbeat": lambda run: reconcile_rackbeat(run, settings, so24, rackbeat, identity),
                    "ongoing": lambda run: reconcile_ongoing(run, settings, so24, wms, identity),
                    "lnb": lambda run: reconcile_lnb(run, settings, so24, lnb, identity, StockOptions()),
                    "smartdok": lambda run: reconcile_smartdok(run, settings, so24, smartdok, identity),
                    "netvisor": lambda run: reconcile_netvisor(run, settings, nv, rb_for_nv),
                }
                for pair, reconcile in pairs.items():
                    if pair == "netvisor":  # after the 24SO pairs: its Rackbeat customers are not 24SO's
                        started = time.perf_counter()
                        filled = _fill_netvisor(sandbox, netvisor_scale)
                        print(
                            f"fill netvisor {filled} seconds={time.perf_counter() - started:.1f}", flush=True
                        )
                    started = time.perf_counter()
                    report = reconcile(RunContext.of(db, f"p8-{pair}"))
                    seconds = time.perf_counter() - started
                    counted = [c for c in report.comparisons if c.entity != "stock"]
                    records = sum(c.so24_count + c.other_count for c in counted)
                    sent = sum(report.requests.values())
                    parts = " ".join(f"{system}={_share(system, n)}" for system, n in report.requests.items())
                    sizes = ",".join(f"{c.entity}:{c.so24_count}+{c.other_count}" for c in counted)
                    print(f"{pair:8} records={records} ({sizes}) {parts} per_record_baseline={records} "
                          f"ratio={records / max(sent, 1):.0f}x differences={len(report.differences)} "
                          f"seconds={seconds:.1f}", flush=True)  # fmt: skip
                    requests[pair] = dict(report.requests)
        print(f"products={len(products)} companies={len(companies)} orders_compared=0")
    finally:
        sandbox.stop()

    def share(pair: str, system: str) -> str:
        return _share(system, requests[pair][system], long=False)

    print(
        f"P8 rackbeat={share('rackbeat', 'rackbeat')}+{share('netvisor', 'rackbeat')} "
        f"ongoing={share('ongoing', 'ongoing')} lnb={share('lnb', 'lnb')} smartdok={share('smartdok', 'smartdok')} "
        f"netvisor={share('netvisor', 'netvisor')} "
        f"so24={'+'.join(share(pair, 'so24') for pair in ('rackbeat', 'ongoing', 'lnb', 'smartdok'))}"
    )


if __name__ == "__main__":
    main()
