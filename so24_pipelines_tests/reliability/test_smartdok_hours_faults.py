"""With 10 % faults on both Smartdok and 24SO, S3 ends in exactly the fault-free state.

The same scenario (a backfill of the seeded hours, then an hour registered, approved and sent on a
scheduled tick) runs twice on a freshly reset sandbox: once clean, once with faults (5xx, 429,
dropped connections after the work was done, truncated bodies, HTML error pages) injected into
every Smartdok and 24SO call. Connectors retry what they may; what still fails waits in
sync.failed_records for the next tick, so the faulty run ticks until nothing is left failing
(bounded), as the schedule would. Then both worlds must be equal: no 24SO hour twice, none
missing, every transferred hour marked in Smartdok.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from so24_pipelines_tests.e2e.smartdok_hours_harness import HoursHub, smartdok_hours, tagged
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.reliability

KINDS = ["5xx", "limit", "drop", "malformed", "html"]
MAX_TICKS = 8


def settle(hub: HoursHub, *, backfill: bool) -> int:
    """Tick `smartdok_hours` until a tick ends with nothing failed; returns the ticks it took."""
    for tick in range(1, MAX_TICKS + 1):
        result = hub.run(backfill=backfill, expect_success=False)
        if result.success and not hub.failed():
            return tick
    raise AssertionError(f"still failing after {MAX_TICKS} ticks: {hub.failed()}")


def extract_until_done(hub: HoursHub) -> None:
    for _ in range(MAX_TICKS):
        try:
            hub.extract()
            return
        except AssertionError:
            continue
    raise AssertionError("extraction kept failing")


def scenario(sandbox: SandboxProcess, tmp: Path) -> int:
    # The seed holds mismatched hours: the matching ones are sent (by default S3 would wait).
    hub = HoursHub(sandbox, tmp, {"S3": {"send_matching_while_mismatched": True}}, so24_retries=8)
    extract_until_done(hub)
    ticks = settle(hub, backfill=True)
    sample = next(h for h in smartdok_hours(sandbox).values() if str(h.get("ExportedExternalId")).startswith("so24hub-"))
    codes = {"employeeNo": sample["EmployeeNo"], "projectNumber": sample["ProjectNumber"],
             "activityNumber": sample["WorkDescriptionCode"], "wageNumber": sample["WageCode"]}  # fmt: skip
    new = sandbox.control("POST", "smartdok/hours", json={**codes, "from": "07:00", "to": "15:30"}).json()
    sandbox.control("POST", f"smartdok/hours/{new['WorkHourID']}/attest", json={"levels": ["admin"]})
    return ticks + settle(hub, backfill=False)


def world(sandbox: SandboxProcess) -> dict[str, Any]:
    """What S3 leaves: 24SO's tagged hours (without the ids and times 24SO assigns) and Smartdok's marks."""
    hours = {}
    for key, found in tagged(sandbox).items():
        hours[key] = [{k: v for k, v in h.items() if k not in ("Id", "DateChanged")} for h in found]
    marks = {k: (h["ExportedExternal"], str(h.get("ExportedExternalId") or "").startswith("so24hub-"))
             for k, h in smartdok_hours(sandbox).items()}  # fmt: skip
    return {"so24_hours": hours, "smartdok_marks": marks}


def test_ten_percent_faults_on_both_sides_end_in_the_fault_free_state(sandbox, tmp_path):
    clean_ticks = scenario(sandbox, tmp_path / "clean")
    clean = world(sandbox)

    sandbox.reset()
    spec = {"rate": 0.1, "kinds": KINDS}
    sandbox.control("POST", "24so/faults", json={**spec, "seed": 11})
    sandbox.control("POST", "smartdok/faults", json={**spec, "seed": 12})
    try:
        faulty_ticks = scenario(sandbox, tmp_path / "faulty")
        injected = {s: sandbox.control("GET", f"{s}/faults").json()["injected"] for s in ("24so", "smartdok")}
    finally:
        sandbox.control("DELETE", "24so/faults")
        sandbox.control("DELETE", "smartdok/faults")

    assert sum(injected["24so"].values()) > 0 and sum(injected["smartdok"].values()) > 0, injected
    assert clean_ticks == 2 and faulty_ticks >= clean_ticks
    assert all(len(v) == 1 for v in clean["so24_hours"].values())
    assert world(sandbox) == clean
