"""N3 going live end to end: Rackbeat -> the hub's webhook receiver -> inbox -> sensor -> run -> Netvisor.

- Before the go-live date a run writes nothing to either system or the loader, and its metadata
  says what will happen on the date.
- After it, a customer created in Rackbeat reaches Netvisor through the real webhook path (the
  Rackbeat sandbox delivers to the hub's receiver, the sensor reads the inbox and starts a run).
- A webhook that never arrives is caught by the schedule's run (the job `netvisor_live`).
- The hub's own records coming back from Rackbeat (N1's creates) are echoes: nothing is written.

Figures (printed, `pytest -s`): latency webhook -> Netvisor, and Netvisor/Rackbeat requests per
created register.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from so24_pipelines.defs.netvisor.definitions import JOB as INITIAL_JOB
from so24_pipelines.defs.netvisor.live import ASSET, JOB, SENSOR
from so24_pipelines.flows.netvisor.live_events import register_live_webhooks
from so24_pipelines.webhooks.inbox import Inbox
from so24_pipelines_tests.e2e import rackbeat_entities_harness as h
from so24_pipelines_tests.e2e.netvisor_harness import dumps, hub, netvisor_dump, run, seed_counterparts
from so24_pipelines_tests.sandbox_process import SandboxProcess, free_port

pytestmark = pytest.mark.e2e

HELSINKI = ZoneInfo("Europe/Helsinki")
ORGANISATION = "2745291-2"


def _today() -> date:
    return datetime.now(HELSINKI).date()


def live_hub(sandbox: SandboxProcess, tmp: Path, go_live: Any, **n3: Any) -> tuple[dg.Definitions, Path]:
    return hub(sandbox, tmp, flows={"N3": {"go_live": go_live, **n3}}, direction="netvisor_to_rackbeat")


def live_since_yesterday_after_the_initial_sync(
    sandbox: SandboxProcess, tmp: Path
) -> tuple[dg.Definitions, Path, dg.DagsterInstance]:
    seed_counterparts(sandbox)
    defs, db = live_hub(sandbox, tmp, (_today() - timedelta(days=1)).isoformat())
    instance = dg.DagsterInstance.ephemeral()
    run(defs, INITIAL_JOB, instance)
    return defs, db, instance


def netvisor_codes(sandbox: SandboxProcess) -> dict[str, dict[str, Any]]:
    return {c["internalidentifier"]: c for c in netvisor_dump(sandbox)["customers"].values()}


def calls(sandbox: SandboxProcess) -> tuple[int, int]:
    """(Netvisor calls to the company, Rackbeat requests) so far."""
    netvisor = int(sandbox.control("GET", "netvisor/stats").json()["companies"][ORGANISATION]["calls"])
    return netvisor, int(sandbox.control("GET", "rackbeat/stats").json()["budget"]["allowed"])


def test_before_the_date_nothing_is_written_and_the_readiness_report_says_what_happens(sandbox, tmp_path):
    seed_counterparts(sandbox)
    tomorrow = _today() + timedelta(days=1)
    defs, db = live_hub(sandbox, tmp_path, tomorrow.isoformat())
    sandbox.control("POST", "rackbeat/customers", json={"number": 40001, "name": "Huomisen Asiakas Oy"})
    before = dumps(sandbox)

    meta = run(defs, JOB, dg.DagsterInstance.ephemeral())[ASSET]

    assert dumps(sandbox) == before
    assert h.rows(db, "SELECT (SELECT count(*) FROM sync.id_map), (SELECT count(*) FROM sync.sync_log)") == [
        (0, 0)
    ]
    assert meta["live"] == "no" and meta["dry_run"] is True
    readiness = meta["readiness"]
    assert f"N3 goes live on {tomorrow:%Y-%m-%d} 00:00 Europe/Helsinki" in readiness
    assert "Until then nothing is written" in readiness
    assert "a business-ID match overwrites the Netvisor customer card" in readiness
    assert (
        "4 linked by code, 2 by business ID, 2 by name; 1 held as ambiguous, 1 for a non-numeric code"
        in readiness
    )

    Inbox(tmp_path / "inbox.sqlite").add(
        "rackbeat", "rb-1", "customer.created", "40001", None, {"key": 40001}
    )
    sensor = next(s for s in defs.sensors if s.name == SENSOR)
    with dg.build_sensor_context(resources={"inbox": defs.resources["inbox"]}) as context:
        skipped = sensor(context)
    assert isinstance(skipped, dg.SkipReason) and f"N3 goes live on {tomorrow}" in (
        skipped.skip_message or ""
    )


def test_n3_waits_for_the_initial_sync_whatever_the_date(sandbox, tmp_path):
    seed_counterparts(sandbox)
    defs, db = live_hub(sandbox, tmp_path, "now")
    sandbox.control("POST", "rackbeat/customers", json={"number": 40003, "name": "Odottava Asiakas Oy"})
    before = dumps(sandbox)
    meta = run(defs, JOB, dg.DagsterInstance.ephemeral())[ASSET]
    assert "N3 waits for the initial sync" in meta["idle"] and meta["live"] == "no"
    assert dumps(sandbox) == before  # not even N2's card overwrite before the user's initial sync
    assert h.rows(db, "SELECT count(*) FROM sync.state WHERE starts_with(key, 'N3.')") == [(0,)]


def test_after_the_date_a_customer_created_in_rackbeat_reaches_netvisor_through_the_webhook(
    sandbox, tmp_path
):
    seed_counterparts(sandbox)
    defs, db = live_hub(sandbox, tmp_path, "now")
    instance = dg.DagsterInstance.ephemeral()
    run(defs, INITIAL_JOB, instance)  # N2 + N1 towards Rackbeat: the hub's own creates there are echoes
    first = run(defs, JOB, instance)[ASSET]  # the first tick: N3 is live from now on
    assert first["live"] == "yes" and first["created"] == 0
    settled = dumps(sandbox)

    inbox = tmp_path / "inbox.sqlite"
    rb = h.rackbeat(sandbox)
    port = free_port()
    token = register_live_webhooks(rb, h.hook_url(port), ["customers"])["customer.created"]
    assert token
    sensor = next(s for s in defs.sensors if s.name == SENSOR)
    before_calls = calls(sandbox)
    with h.receiver(inbox, token, port):
        started = time.monotonic()
        sandbox.control(
            "POST", "rackbeat/customers",
            json={"number": 40002, "name": "Uusi Kahvila Oy", "company_vat": "FI27452912", "address_city": "Tampere"},
        )  # fmt: skip
        h.wait_for_events(inbox, "customer.created", 1)
    with dg.build_sensor_context(instance=instance, resources={"inbox": defs.resources["inbox"]}) as context:
        request = sensor(context)
        assert isinstance(request, dg.RunRequest)
        assert isinstance(sensor(context), dg.SkipReason)  # the cursor moved past the event
    result = h.run_job(defs, JOB, instance, tags=request.tags)
    latency = time.monotonic() - started
    assert result.success, h.step_failures(result)
    meta = h.metadata(result)[ASSET]

    made = netvisor_codes(sandbox)["40002"]
    assert (made["name"], made["city"]) == ("Uusi Kahvila Oy", "Tampere")
    assert meta["created"] == 1 and meta["failed"] == 0
    after_nv, after_rb = dumps(sandbox)
    assert h.system_changes(settled[0], after_nv) == {"customers": {str(made["netvisorkey"]): {"<added>"}}}
    assert after_rb["customers"].keys() - settled[1]["customers"].keys() == {"40002"}
    log = h.rows(db, "SELECT action, target_key FROM sync.sync_log WHERE flow = 'N3.customers.to_netvisor' "
                     "AND source_key = '40002'")  # fmt: skip
    assert log == [("create", str(made["netvisorkey"]))]
    used = [after - before for after, before in zip(calls(sandbox), before_calls, strict=True)]
    print(f"\nFIGURE N3 latency webhook -> Netvisor (sensor evaluated at once, run in process): {latency:.2f} s; "
          f"the run for one created customer: {used[0]} Netvisor calls, {used[1]} Rackbeat requests")  # fmt: skip

    again = run(defs, JOB, instance)[ASSET]
    assert again["created"] + again["updated"] == 0
    assert dumps(sandbox) == (after_nv, after_rb)


def test_a_lost_webhook_is_caught_by_the_schedule(sandbox, tmp_path):
    defs, db, instance = live_since_yesterday_after_the_initial_sync(sandbox, tmp_path)
    run(defs, JOB, instance)
    settled = netvisor_dump(sandbox)
    # No hook is registered: Rackbeat's event goes nowhere, the inbox stays empty.
    sandbox.control(
        "POST",
        "rackbeat/products",
        json={"number": "RB-9001", "name": "Kadonnut Tuote", "sales_price": 12.5, "group": 1001},
    )
    sandbox.control("POST", "rackbeat/suppliers", json={"number": 20009, "name": "Kadonnut Toimittaja Oy",
                                                         "company_vat": "FI15728600", "address_country": "FI"})  # fmt: skip
    batch = [
        {"number": 41000 + i, "name": f"Kadonnut Asiakas {i} Oy", "address_city": "Pori"} for i in range(10)
    ]
    for customer in batch:
        sandbox.control("POST", "rackbeat/customers", json=customer)
    assert Inbox(tmp_path / "inbox.sqlite").counts()["pending"] == 0
    schedule = next(s for s in defs.schedules if s.name == "netvisor_live_schedule")
    assert schedule.job_name == JOB
    before_calls = calls(sandbox)

    meta = run(defs, JOB, instance)[ASSET]  # what the schedule's tick runs

    after = netvisor_dump(sandbox)
    added = {r: sorted(after[r].keys() - settled[r].keys()) for r in ("customers", "vendors", "products")}
    assert [after["products"][k]["productcode"] for k in added["products"]] == ["RB-9001"]
    assert [after["vendors"][k]["code"] for k in added["vendors"]] == ["20009"]
    assert sorted(after["customers"][k]["internalidentifier"] for k in added["customers"]) == [
        str(c["number"]) for c in batch
    ]
    assert meta["created"] == 12 and meta["failed"] == 0
    used = [a - b for a, b in zip(calls(sandbox), before_calls, strict=True)]
    print(f"\nFIGURE N3 schedule run for 12 new registers (10 customers, 1 supplier, 1 product): {used[0]} Netvisor "
          f"calls ({used[0] / 12:.2f} a register), {used[1]} Rackbeat requests")  # fmt: skip


def test_the_hubs_own_creates_in_rackbeat_come_back_as_echoes_and_write_nothing(sandbox, tmp_path):
    # N1 makes customer 5009 and products NV-2001, 4001 in Rackbeat
    defs, db, instance = live_since_yesterday_after_the_initial_sync(sandbox, tmp_path)
    settled = dumps(sandbox)

    meta = run(defs, JOB, instance)[ASSET]

    # Changed in Rackbeat since yesterday: the 7 counterparts POSTed above and N1's 3 creates. N1 made
    # 5009, NV-2001, 4001 and linked 10003, 10006, 10007, none changed since: 6 echoes, never sent.
    assert meta["echoes"] == 6
    assert dumps(sandbox) == settled
    sent = h.rows(db, "SELECT DISTINCT source_key FROM sync.sync_log WHERE flow LIKE 'N3.%' ORDER BY 1")
    assert sent == [
        ("10004",),
        ("10005",),
    ]  # held by N2 (non-numeric code, ambiguous): skipped with the reason


def test_a_rackbeat_change_to_a_record_n2_linked_reaches_netvisor_on_n3s_first_load_of_it(sandbox, tmp_path):
    """N1 made product 4001 in Rackbeat (N2 links it by its code); its first change in Rackbeat after
    going live is N3's first load of it: linked and the owned fields written (adopted), never lost
    to a link that writes nothing. Nothing else changes in either system."""
    defs, db, instance = live_since_yesterday_after_the_initial_sync(sandbox, tmp_path)
    run(defs, JOB, instance)
    time.sleep(2.1)  # Rackbeat dates in whole seconds: an edit in the second of N1's write reads as its echo
    h.rackbeat(sandbox).update_product("4001", {"name": "Kuljetuslava EUR 1200"})
    netvisor_before, rackbeat_before = dumps(sandbox)

    meta = run(defs, JOB, instance)[ASSET]

    netvisor_after, rackbeat_after = dumps(sandbox)
    assert rackbeat_after == rackbeat_before
    changed = {
        (register, key): sorted(k for k in row if row[k] != netvisor_before[register][key].get(k))
        for register, rows in netvisor_after.items()
        for key, row in rows.items()
        if row != netvisor_before[register].get(key)
    }
    ((register, key), fields) = changed.popitem()
    assert (register, netvisor_after[register][key]["productcode"]) == ("products", "4001") and not changed
    assert netvisor_after[register][key]["name"] == "Kuljetuslava EUR 1200"
    assert "name" in fields and meta["adopted"] == 1 and meta["failed"] == 0
    how = h.rows(
        db, "SELECT action, reason FROM sync.sync_log WHERE flow LIKE 'N3.products%' AND source_key = '4001' "
        "AND action <> 'unchanged' ORDER BY id",
    )  # fmt: skip
    assert [action for action, _ in how] == ["resolved"] and "adopted, the owned fields written" in how[0][1]

    assert run(defs, JOB, instance)[ASSET]["adopted"] == 0  # the next run: nothing changed, nothing written
    assert dumps(sandbox) == (netvisor_after, rackbeat_after)


def test_the_live_moment_of_now_is_kept_and_a_date_is_midnight_in_netvisors_zone(sandbox, tmp_path):
    from so24_pipelines.flows.netvisor.n3 import live_from

    db = tmp_path / "s.duckdb"
    first = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert live_from(db, ORGANISATION, "now", "Europe/Helsinki", first) == first
    assert live_from(db, ORGANISATION, "now", "Europe/Helsinki", first + timedelta(days=3)) == first
    assert live_from(db, ORGANISATION, date(2026, 6, 1), "Europe/Helsinki", first) == datetime(
        2026, 5, 31, 21, 0, tzinfo=UTC
    )
