"""P9: S3 approved hours Smartdok -> 24SO on the sandbox: hours per minute, within 24SO's request budget.

One sandbox at --scale N. --hours hours are registered in Smartdok for matching employees over the
last 28 days and approved by the administrator (control API), the 24SO registers S3 joins are
staged through the real extraction (E5-E7), then S3's flow function runs with the real clients
against the sandbox, as its Dagster asset calls it (a scheduled tick: the last 31 days):

    budget    24SO's 7,200 requests an hour (--per-hour) kept by the 24SO client and the sandbox:
              what a deployment gets
    baseline  the same hours again on a fresh sandbox state with no 24SO budget (--per-hour
              1000000): the hub's own cost, measured in the same run

Each 24SO hour costs two 24SO requests: GetHours (the look-up of the hub's tag, match before
create) and SaveHour; Smartdok is read per 93-day window and marked per 500 ids, a handful of calls
whatever the volume, so 24SO's budget is what bounds S3.

    hours       = 24SO hours carrying the hub's tag after the run (the sandbox's count, not ours)
    requests    = 24SO requests the sandbox counted in the run (its /_sandbox/24so/stats)
    per_minute  = hours / seconds x 60
    per_hour_pct = the run's 24SO request rate as % of 7,200 an hour (above 100 in a short run: the
                 client starts with a burst of 120 requests, as 24SO's hourly counter allows)
    ceiling     = hours a minute 24SO's 7,200 requests an hour allow at the run's requests per hour

P9 hours=<n> per_minute=<x> requests=<n> per_hour_pct=<x> ceiling=<x> vs_baseline=<ratio>
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

LIMIT = 7200


def _register(sandbox: Any, count: int) -> None:
    """`count` approved hours of matching users on matching codes, over the last 28 days."""
    rows = sandbox.control("GET", "smartdok/hours").json()
    persons = {str(p["Id"]) for p in sandbox.control("GET", "24so/persons").json() if p.get("IsEmployee")}
    sample = next(h for h in rows if h["EmployeeNo"] in persons and str(h["ProjectNumber"]).isdigit()
                  and str(h["WorkDescriptionCode"]).isdigit() and str(h["WageCode"]).isdigit())  # fmt: skip
    today = datetime.now(UTC).date()
    for n in range(count):
        body = {"employeeNo": sample["EmployeeNo"], "projectNumber": sample["ProjectNumber"],
                "activityNumber": sample["WorkDescriptionCode"], "wageNumber": sample["WageCode"],
                "date": (today - timedelta(days=n % 28)).isoformat(), "from": f"{6 + n % 3:02d}:{(n * 7) % 60:02d}",
                "to": "15:00", "comment": f"P9 {n}"}  # fmt: skip
        hour = sandbox.control("POST", "smartdok/hours", json=body).json()
        sandbox.control("POST", f"smartdok/hours/{hour['WorkHourID']}/attest", json={"levels": ["admin"]})


def _requests(sandbox: Any) -> int:
    return sum(sandbox.control("GET", "24so/stats").json()["requests"].values())


def _tagged(sandbox: Any) -> int:
    return sum(1 for h in sandbox.control("GET", "24so/hours").json() if "[Smartdok " in str(h.get("Description")))


def _run(sandbox: Any, db: Path, name: str, per_hour: int) -> tuple[int, int, float]:
    """(hours in 24SO made by the run, 24SO requests of the run, seconds) of one S3 tick."""
    from so24_pipelines.connectors.smartdok import SmartdokClient
    from so24_pipelines.connectors.so24 import session
    from so24_pipelines.connectors.so24.client import So24Client, So24Credentials
    from so24_pipelines.flows.context import RunContext
    from so24_pipelines.flows.pairing import use_identity
    from so24_pipelines.flows.smartdok.hours import HourOptions, sync_hours
    from so24_pipelines.flows.smartdok.hours_staging import period

    sd = sandbox.control("GET", "smartdok/credentials").json()
    c = sandbox.control("GET", "24so/credentials").json()
    sandbox.control("POST", "24so/limits", json={"per_hour": per_hour})
    before, made_before = _requests(sandbox), _tagged(sandbox)
    started = time.perf_counter()
    with (
        SmartdokClient(sd["baseUrl"], sd["apiToken"], requests_per_minute=60_000) as smartdok,
        So24Client(base_url=f"{sandbox.url}/24so", credentials=So24Credentials(c["application_id"], c["username"],
                   c["password"]), requests_per_hour=per_hour) as so24,  # fmt: skip
    ):
        identity = session.current_identity(so24, None)
        use_identity(so24, identity, "smartdok")
        sync_hours(RunContext.of(db, f"p9-{name}"), smartdok, so24, identity, HourOptions(),
                   period(datetime.now(UTC).date(), 31))  # fmt: skip
    seconds = time.perf_counter() - started
    return _tagged(sandbox) - made_before, _requests(sandbox) - before, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=150, help="approved Smartdok hours to transfer (default 150)")
    parser.add_argument("--per-hour", type=int, default=LIMIT, help="24SO request budget, client and sandbox")
    parser.add_argument("--scale", type=int, default=200, help="sandbox scale (200)")
    args, _ = parser.parse_known_args()  # `make bench` hands every benchmark the same options

    from so24_pipelines_tests.e2e.rackbeat_orders_harness import stage_so24
    from so24_pipelines_tests.sandbox_process import start_sandbox

    results = {}
    for name, per_hour in (("baseline", 1_000_000), ("budget", args.per_hour)):
        sandbox = start_sandbox(scale=args.scale, timeout=300)
        try:
            _register(sandbox, args.hours)
            with tempfile.TemporaryDirectory() as tmp:
                db = Path(tmp) / "staging.duckdb"
                sandbox.control("POST", "24so/limits", json={"per_hour": 1_000_000})
                stage_so24(sandbox, db, ("persons", "projects", "work_types", "salary_types"))
                hours, requests, seconds = _run(sandbox, db, name, per_hour)
        finally:
            sandbox.stop()
        per_minute = hours / seconds * 60
        pct = requests / seconds * 3600 / LIMIT * 100
        results[name] = per_minute
        print(f"{name:8} P9 hours={hours} seconds={seconds:.1f} per_minute={per_minute:.0f} requests={requests} "
              f"per_request={requests / max(hours, 1):.2f} per_hour_pct={pct:.0f}", flush=True)  # fmt: skip
        last = (hours, per_minute, requests, pct)
    hours, per_minute, requests, pct = last
    ceiling = LIMIT / (requests / max(hours, 1)) / 60
    print(f"P9 hours={hours} per_minute={per_minute:.0f} requests={requests} per_hour_pct={pct:.0f} "
          f"ceiling={ceiling:.0f} vs_baseline={per_minute / results['baseline']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
