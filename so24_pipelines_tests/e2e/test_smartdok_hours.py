"""S3 (approved hours Smartdok -> 24SO) and S4 (readiness), end to end: the job `smartdok_hours` run
in process through Dagster against the sandbox over HTTP, after the 24SO extraction (E5-E7) as shipped.

Expectations come from the control APIs (smartdok_hours_harness.expected_transfers applies seed
004's rules to Smartdok's and 24SO's dumps), never from the code under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from so24_pipelines_tests.e2e.smartdok_hours_harness import (
    HoursHub,
    expected_transfers,
    smartdok_hours,
    so24_hours,
    tagged,
)
from so24_pipelines_tests.e2e.so24_harness import metadata
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.e2e

OSLO = ZoneInfo("Europe/Oslo")
S3 = "s3_hours_to_so24"
S4 = "s4_smartdok_readiness"
SEND_MATCHING = {"S3": {"send_matching_while_mismatched": True}}


@pytest.fixture
def hub(sandbox: SandboxProcess, tmp_path: Path) -> Iterator[HoursHub]:
    """S3 at its default: it waits while an approved hour is held for a code."""
    hub = HoursHub(sandbox, tmp_path)
    hub.extract()
    yield hub


@pytest.fixture
def sending_hub(sandbox: SandboxProcess, tmp_path: Path) -> Iterator[HoursHub]:
    """S3 told to send the matching hours and hold the rest (the seed holds mismatches)."""
    hub = HoursHub(sandbox, tmp_path, SEND_MATCHING)
    hub.extract()
    yield hub


def check_passed(result: dg.ExecuteInProcessResult, asset: str, name: str) -> bool:
    (evaluation,) = [
        e for e in result.get_asset_check_evaluations() if e.asset_key == dg.AssetKey(asset) and e.check_name == name
    ]
    return evaluation.passed


def utc(day: str, hours: float) -> datetime:
    local = datetime.fromisoformat(day[:10]).replace(tzinfo=OSLO) + timedelta(minutes=round(hours * 60))
    return local.astimezone(UTC).replace(tzinfo=None)


def test_a_backfill_sends_every_approved_matching_hour_once_marks_it_and_holds_the_rest_with_reasons(sending_hub):
    hub = sending_hub
    send, hold = expected_transfers(hub.sandbox)
    assert send and hold, "the seed has both kinds"
    before = so24_hours(hub.sandbox)

    first = hub.run()

    m = metadata(first, S3)
    assert (m["hours_sent"], m["held"], m["marked"], m["mark_failed"]) == (len(send), len(hold), len(send), 0)
    assert m["created"] == len(send), "the asset's counts are hours: the marks are under their own notes"
    assert m["waiting"] == 0 and m["readiness"].startswith("not waited for"), m["readiness"]
    assert m["batch_id"].startswith("so24hub-")
    found = tagged(hub.sandbox)
    assert set(found) == send and all(len(v) == 1 for v in found.values()), "each approved matching hour once"
    assert set(so24_hours(hub.sandbox)) - set(before) == {v[0]["Id"] for v in found.values()}, "nothing else added"
    sd = smartdok_hours(hub.sandbox)
    for key in send:
        (hour,) = found[key]
        source = sd[key]
        assert (hour["StartTime"], hour["StopTime"]) == (
            utc(source["Date"], source["OrdinaryHoursFrom"]).isoformat(),
            utc(source["Date"], source["OrdinaryHoursTo"]).isoformat(),
        )
        assert (hour["ContactId"], hour["ProjectId"], hour["TypeOfWorkId"], hour["SalaryTypeId"]) == (
            int(source["EmployeeNo"]), int(source["ProjectNumber"]), int(source["WorkDescriptionCode"]),
            int(source["WageCode"]),
        )  # fmt: skip
        assert hour["TotalHours"] == pytest.approx(source["NetHours"])
        assert source["ExportedExternal"] and source["ExportedExternalId"] == m["batch_id"]
    for key in hold:
        assert not sd[key]["ExportedExternal"], "a held hour is not marked"
    assert hub.failed() == {}, "a held hour is a skip with its reason, not a failure: nothing to retry"
    listed = m["held_hours"]
    assert all(f"| {key} |" in listed for key in hold)
    assert "set the user's Ansattnummer in Smartdok" in listed and "Kode in Smartdok" in listed
    assert check_passed(first, S3, "no_failed_records")
    assert not check_passed(first, "s4_smartdok_readiness", "smartdok_ready"), "the held hours show as a warning"

    second = hub.run()

    m2 = metadata(second, S3)
    assert (m2["created"], m2["updated"], m2["resolved"], m2["marked"], m2["hours_sent"]) == (0, 0, 0, 0, 0)
    assert tagged(hub.sandbox) == found, "a second run sends nothing"


def _sent_hour(hub: HoursHub) -> tuple[int, dict]:
    """A transferred hour (after a backfill) and its 24SO hour."""
    found = tagged(hub.sandbox)
    key = min(found)
    return key, found[key][0]


def test_an_hour_registered_and_approved_today_goes_on_the_scheduled_tick_and_only_then(hub):
    sd = smartdok_hours(hub.sandbox)
    sample = next(h for h in sd.values() if h["WorkHourID"] in expected_transfers(hub.sandbox)[0])
    codes = {"employeeNo": sample["EmployeeNo"], "projectNumber": sample["ProjectNumber"],
             "activityNumber": sample["WorkDescriptionCode"], "wageNumber": sample["WageCode"]}  # fmt: skip
    new = hub.sandbox.control("POST", "smartdok/hours", json={**codes, "from": "06:30", "to": "14:45",
                                                              "break": "00:30", "comment": "Støping"}).json()  # fmt: skip
    key = new["WorkHourID"]

    waiting = metadata(hub.run(backfill=False), S3)
    assert waiting["hours_sent"] == 0 and key not in tagged(hub.sandbox), "not approved yet: not sent"

    hub.sandbox.control("POST", f"smartdok/hours/{key}/attest", json={"levels": ["foreman", "admin"]})
    sent = metadata(hub.run(backfill=False), S3)

    assert sent["hours_sent"] == 1 and sent["marked"] == 1
    (hour,) = tagged(hub.sandbox)[key]
    assert hour["Description"] == f"Støping [Smartdok {key}]"
    assert hour["TotalHours"] == pytest.approx(7.75)
    assert hour["StartTime"] == utc(new["Date"], 6.5).isoformat()
    assert smartdok_hours(hub.sandbox)[key]["ExportedExternalId"] == sent["batch_id"]


def test_an_edit_after_the_transfer_is_applied_while_24so_allows_it_and_held_with_the_reason_once_approved(
    sending_hub,
):
    hub = sending_hub
    hub.run()
    key, hour = _sent_hour(hub)
    count = len(so24_hours(hub.sandbox))

    hub.sandbox.control("POST", f"smartdok/hours/{key}/edit", json={"to": "16:00", "comment": "rettet"})
    edited = metadata(hub.run(backfill=False), S3)

    assert (edited["created"], edited["updated"], edited["marked"]) == (0, 1, 0)
    (now,) = tagged(hub.sandbox)[key]
    assert now["Id"] == hour["Id"] and now["Description"] == f"rettet [Smartdok {key}]"
    assert now["StopTime"] == utc(smartdok_hours(hub.sandbox)[key]["Date"], 16).isoformat()
    assert len(so24_hours(hub.sandbox)) == count, "an edit never adds an hour"

    hub.sandbox.control("PATCH", f"24so/hours/{hour['Id']}", json={"Approved": "True"})
    hub.sandbox.control("POST", f"smartdok/hours/{key}/edit", json={"to": "17:00"})
    refused = hub.run(backfill=False)

    assert metadata(refused, S3)["failed"] == 1
    assert "24SO refused the edit" in hub.failed()[str(key)] and "change the hour in 24SO" in hub.failed()[str(key)]
    assert not check_passed(refused, S3, "no_failed_records")
    assert tagged(hub.sandbox)[key][0]["StopTime"] == now["StopTime"], "24SO keeps its approved hour"


def test_the_readiness_report_lists_every_seeded_mismatch_with_what_to_change_in_smartdok(hub):
    employees = {str(p["Id"]) for p in hub.sandbox.control("GET", "24so/persons").json() if p.get("IsEmployee")}
    projects = {str(p["Id"]) for p in hub.sandbox.control("GET", "24so/projects").json()}
    users = hub.sandbox.control("GET", "smartdok/users").json()
    wrong_users = [u for u in users if (u.get("EmployeeNo") or "") not in employees]
    sd_projects = hub.sandbox.control("GET", "smartdok/projects").json()
    wrong_projects = [p for p in sd_projects if p["ProjectNumber"] not in projects and not p.get("IsOrder")]

    before = hub.readiness()

    table = before["mismatch_list"]
    assert before["mismatched_employees"] >= len(wrong_users) and before["mismatched_projects"] >= len(wrong_projects)
    for user in wrong_users:
        assert f"Smartdok user {user['Name']!r}" in table
    for project in wrong_projects:
        assert f"Smartdok project {project['ProjectName']!r}" in table
    assert "| INT | Kode 'INT' is no 24SO work type id | set its Kode to 5" in table
    assert "| 40 | Kode '40' is no 24SO salary type id | set its Kode to 4" in table
    assert before["ready"] == "yes", "before any hour is staged nothing is held yet"

    after = metadata(hub.run(), "s4_smartdok_readiness")

    assert after["ready"] == "no" and after["blocking"] > 0
    assert after["approved_hours_held"] == len(expected_transfers(hub.sandbox)[1])


def test_a_code_fixed_in_smartdok_lets_its_held_hours_go_on_the_next_scheduled_tick(sending_hub):
    hub = sending_hub
    hub.run()
    _, hold = expected_transfers(hub.sandbox)
    activity = next(a for a in hub.sandbox.control("GET", "smartdok/activities").json() if a["Number"] == "INT")
    waiting = {k for k in hold if smartdok_hours(hub.sandbox)[k]["WorkDescriptionCode"] == "INT"}
    assert waiting

    hub.sandbox.control("POST", f"smartdok/activities/{activity['Id']}", json={"Number": "5"})
    now_send, now_hold = expected_transfers(hub.sandbox)
    freed = waiting & now_send  # held only for the activity code (others have another code wrong too)
    assert freed and now_send <= hold
    fixed = metadata(hub.run(backfill=False), S3)

    assert freed <= set(tagged(hub.sandbox)), "held months ago, read again and sent once the code is right"
    assert fixed["hours_sent"] == fixed["marked"] == len(now_send) and fixed["held"] == len(now_hold)
    assert all(tagged(hub.sandbox)[k][0]["TypeOfWorkId"] == 5 for k in freed)


def test_by_default_s3_waits_for_readiness_sends_nothing_and_says_why(hub):
    send, hold = expected_transfers(hub.sandbox)
    assert send and hold, "the seed has both kinds"
    before_24so, before_sd = so24_hours(hub.sandbox), smartdok_hours(hub.sandbox)

    waiting = hub.run()

    m, s4 = metadata(waiting, S3), metadata(waiting, S4)
    assert s4["blocking"] > 0
    assert m["readiness"].startswith(f"waiting for readiness: {s4['blocking']} blocking mismatches (see S4)"), (
        m["readiness"], s4["blocking"])  # fmt: skip
    assert (m["hours_sent"], m["marked"], m["created"], m["updated"], m["resolved"]) == (0, 0, 0, 0, 0)
    assert (m["held"], m["waiting"], m["skipped"]) == (len(hold), len(send), len(send) + len(hold))
    assert "waiting for readiness:" in m["preview"], "each hour that would have gone says why it did not"
    assert all(f"| {key} |" in m["held_hours"] for key in hold), "the held hours with what to change"
    assert so24_hours(hub.sandbox) == before_24so, "nothing went to 24SO"
    assert smartdok_hours(hub.sandbox) == before_sd, "nothing was marked in Smartdok"
    assert hub.failed() == {}, "waiting hours are skips: nothing failed"
    assert not check_passed(waiting, S4, "smartdok_ready"), "S4's check warns while S3 waits"
    assert "waiting for readiness" in s3_description(hub)


def s3_description(hub: HoursHub) -> str:
    return hub.defs.get_assets_def(S3).descriptions_by_key[dg.AssetKey(S3)]


def test_opted_in_s3_sends_the_matching_hours_and_holds_the_rest(sandbox, tmp_path):
    hub = HoursHub(sandbox, tmp_path, SEND_MATCHING)
    hub.extract()
    send, hold = expected_transfers(sandbox)

    sent = hub.run()

    m = metadata(sent, S3)
    assert (m["hours_sent"], m["marked"], m["held"], m["waiting"]) == (len(send), len(send), len(hold), 0)
    assert set(tagged(sandbox)) == send, "the matching hours went, the rest are held"
    assert not any(smartdok_hours(sandbox)[k]["ExportedExternal"] for k in hold)
    assert not check_passed(sent, S4, "smartdok_ready"), "S4 still lists what holds the others"


def test_while_s3_waits_an_edit_of_a_transferred_hour_waits_too_and_goes_once_ready(sandbox, tmp_path):
    sending = HoursHub(sandbox, tmp_path, SEND_MATCHING)
    sending.extract()
    sending.run()
    key, hour = _sent_hour(sending)
    hub = HoursHub(sandbox, tmp_path)  # the same staging file, back at the default
    hub.sandbox.control("POST", f"smartdok/hours/{key}/edit", json={"to": "16:00", "comment": "rettet"})

    waiting = metadata(hub.run(backfill=False), S3)

    assert waiting["readiness"].startswith("waiting for readiness:") and waiting["updated"] == 0
    assert tagged(sandbox)[key][0] == hour, "nothing goes to 24SO while S3 waits, an edit neither"
    assert waiting["waiting"] >= 1

    sent = metadata(HoursHub(sandbox, tmp_path, SEND_MATCHING).run(backfill=False), S3)

    assert sent["updated"] == 1 and tagged(sandbox)[key][0]["Description"] == f"rettet [Smartdok {key}]"
