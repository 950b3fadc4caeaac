"""24SO hours (TimeService SaveHour and GetHours) through connectors/so24 against the sandbox over HTTP.

What 24SO holds is read from the sandbox's control API (`/_sandbox/24so/hours`), never from the
code under test. The reference (24so/API.md §2, §8) gives the rules checked: SaveHour adds an hour
without Id and updates the one with a known Id (a field left out keeps its value), answers only
the id, and refuses with a fault rather than inside the answer; GetHours needs ContactId and
ProjectId (0 = any) and returns SalaryTypeId only when asked.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from so24_pipelines.connectors.errors import RecordRejected, So24Refused, TransientError
from so24_pipelines.connectors.so24 import reads, writes
from so24_pipelines.connectors.so24.client import So24Client, So24Credentials

pytestmark = pytest.mark.contract

START = datetime(2026, 9, 7, 7, 0)


def _client(sandbox) -> So24Client:
    c = sandbox.control("GET", "24so/credentials").json()
    return So24Client(
        base_url=f"{sandbox.url}/24so",
        credentials=So24Credentials(c["application_id"], c["username"], c["password"]),
        backoff_base=0.01,
    )


def _held(sandbox) -> dict[int, dict[str, Any]]:
    """Every hour 24SO holds, as its UI would list them."""
    return {h["Id"]: h for h in sandbox.control("GET", "24so/hours").json()}


def _codes(sandbox) -> dict[str, int]:
    """An employee, a project, an active work type and a salary type of the seeded company."""
    employee = next(p["Id"] for p in sandbox.control("GET", "24so/persons").json() if p.get("IsEmployee"))
    project = sandbox.control("GET", "24so/projects").json()[0]["Id"]
    work_type = sandbox.control("GET", "24so/work_types").json()[0]["Id"]
    salary = sandbox.control("GET", "24so/salary_types").json()[0]["Id"]
    return {"ContactId": employee, "ProjectId": project, "TypeOfWorkId": work_type, "SalaryTypeId": salary}


def _hour(codes: dict[str, int], day: int = 0, hours: float = 7.5, **extra: Any) -> dict[str, Any]:
    start = START + timedelta(days=day)
    return {**codes, "StartTime": start, "StopTime": start + timedelta(hours=hours), "Description": "S-test",
            **extra}  # fmt: skip


def test_a_saved_hour_reads_back_as_saved_and_an_update_by_id_changes_that_hour(sandbox):
    client, codes = _client(sandbox), _codes(sandbox)
    before = _held(sandbox)

    hour_id = writes.save_hour(client, _hour(codes, Description="Smartdok 4711"))

    after = _held(sandbox)
    assert set(after) - set(before) == {hour_id}
    held = after[hour_id]
    assert (held["ContactId"], held["ProjectId"], held["TypeOfWorkId"], held["SalaryTypeId"]) == (
        codes["ContactId"], codes["ProjectId"], codes["TypeOfWorkId"], codes["SalaryTypeId"],
    )  # fmt: skip
    assert (held["StartTime"], held["StopTime"], held["TotalHours"]) == (
        "2026-09-07T07:00:00",
        "2026-09-07T14:30:00",
        7.5,
    )
    assert held["Description"] == "Smartdok 4711"
    [read] = [h for h in reads.hours(client, contact_id=codes["ContactId"], project_id=codes["ProjectId"],
                                     start=START, stop=START + timedelta(days=1)) if h["Id"] == hour_id]  # fmt: skip
    assert read["SalaryTypeId"] == codes["SalaryTypeId"] and read["TotalHours"] == 7.5
    assert read["StartTime"] == START and read["Description"] == "Smartdok 4711"

    assert writes.save_hour(client, {"Id": hour_id, "Description": "Smartdok 4711 (rettet)"}) == hour_id
    again = _held(sandbox)
    assert set(again) == set(after), "an update by Id adds no hour"
    assert again[hour_id]["Description"] == "Smartdok 4711 (rettet)"
    assert {k: v for k, v in again[hour_id].items() if k not in ("Description", "DateChanged")} == {
        k: v for k, v in held.items() if k not in ("Description", "DateChanged")
    }, "fields left out of the update keep their values"
    assert writes.find_saved_hour(client, _hour(codes, Description="Smartdok 4711 (rettet)")) == hour_id
    assert writes.find_saved_hour(client, _hour(codes, Description="Smartdok 9999")) is None
    oslo = timezone(timedelta(hours=2))  # the same times, as a caller in Oslo holds them
    local = {**_hour(codes, Description="Smartdok 4711 (rettet)"), "StartTime": datetime(2026, 9, 7, 9, 0, tzinfo=oslo),
             "StopTime": datetime(2026, 9, 7, 16, 30, tzinfo=oslo)}  # fmt: skip
    assert writes.find_saved_hour(client, local) == hour_id


def test_each_hour_is_refused_on_its_own_with_24sos_words(sandbox):
    client, codes = _client(sandbox), _codes(sandbox)
    before = _held(sandbox)
    first = writes.save_hour(client, _hour(codes, day=0))
    with pytest.raises(So24Refused) as info:
        writes.save_hour(client, _hour(codes, day=1, TypeOfWorkId=987654))
    third = writes.save_hour(client, _hour(codes, day=2))

    error = info.value
    assert isinstance(error, RecordRejected) and error.call == "TimeService.SaveHour"
    assert error.reason == "TypeOfWorkId 987654 does not exist."
    assert str(error).startswith(
        f"TimeService.SaveHour: 24SO refused a new hour of contact {codes['ContactId']} from 2026-09-08 07:00:00: "
        "TypeOfWorkId 987654 does not exist."
    )
    added = {i: h for i, h in _held(sandbox).items() if i not in before}
    assert set(added) == {first, third}, "the refused hour is not in 24SO; the ones around it are"
    with pytest.raises(So24Refused, match="ContactId 987654 is not an employee"):
        writes.save_hour(client, _hour(codes, day=3, ContactId=987654))
    with pytest.raises(So24Refused, match=r"TotalHours 300(\.0)? is above 255"):
        writes.save_hour(client, _hour(codes, day=3, TotalHours=300.0))
    reads_before = sandbox.control("GET", "24so/stats").json()["requests"].get("GetHours", 0)
    with pytest.raises(So24Refused, match="Hour with Id 987654321 does not exist"):
        writes.save_hour(client, {"Id": 987654321, "Description": "x"})
    reads_after = sandbox.control("GET", "24so/stats").json()["requests"].get("GetHours", 0)
    assert reads_after == reads_before, "an update naming no contact or times is not read back (all hours)"
    assert set(_held(sandbox)) == set(before) | {first, third}


def test_an_update_repeated_is_harmless_and_an_approved_hour_refuses_a_change_but_not_a_repeat(sandbox):
    client, codes = _client(sandbox), _codes(sandbox)
    hour = _hour(codes)
    hour_id = writes.save_hour(client, hour)
    held = _held(sandbox)
    for _ in range(2):
        assert writes.save_hour(client, {"Id": hour_id, **hour}) == hour_id
    assert set(_held(sandbox)) == set(held), "a repeated update is one hour"

    sandbox.control("PATCH", f"24so/hours/{hour_id}", json={"Approved": "True"})  # approved in 24SO's UI
    assert writes.save_hour(client, {"Id": hour_id, **hour}) == hour_id, "repeating its values is no change"
    with pytest.raises(So24Refused) as info:
        writes.save_hour(client, {"Id": hour_id, **hour, "StopTime": hour["StopTime"] + timedelta(hours=1)})
    assert info.value.reason == f"Hour {hour_id} is approved and cannot be changed (StopTime)."
    assert _held(sandbox)[hour_id]["StopTime"] == "2026-09-07T14:30:00"


def test_an_add_whose_answer_is_lost_is_not_sent_twice_and_reads_back_as_saved(sandbox):
    client, codes = _client(sandbox), _codes(sandbox)
    reads.hours(client, contact_id=codes["ContactId"])  # logged in: the next request is the save
    before = _held(sandbox)
    sandbox.control("POST", "24so/faults", json={"next": "drop", "count": 1})  # cut after 24SO saved it

    hour_id = writes.save_hour(client, _hour(codes, Description="Smartdok 5150"))

    added = {i: h for i, h in _held(sandbox).items() if i not in before}
    assert list(added) == [hour_id] and added[hour_id]["Description"] == "Smartdok 5150"
    assert sandbox.control("GET", "24so/stats").json()["requests"]["SaveHour"] == 1, "never repeated blindly"


def test_a_server_fault_before_the_save_is_24sos_refusal_of_that_hour_and_the_next_attempt_saves_it_once(
    sandbox,
):
    client, codes = _client(sandbox), _codes(sandbox)
    reads.hours(client, contact_id=codes["ContactId"])
    before = _held(sandbox)
    sandbox.control("POST", "24so/faults", json={"next": "5xx", "count": 1})  # answered before any work

    with pytest.raises(So24Refused, match="Timeout expired"):
        writes.save_hour(client, _hour(codes))
    assert set(_held(sandbox)) == set(before), "read back: not saved, so refused rather than unknown"
    hour_id = writes.save_hour(client, _hour(codes))
    assert set(_held(sandbox)) == set(before) | {hour_id}


def test_an_html_page_and_no_hour_leaves_the_outcome_unknown(sandbox):
    client, codes = _client(sandbox), _codes(sandbox)
    reads.hours(client, contact_id=codes["ContactId"])
    before = _held(sandbox)
    sandbox.control("POST", "24so/faults", json={"next": "html", "count": 1})  # a proxy's page, no 24SO words
    with pytest.raises(TransientError) as info:
        writes.save_hour(client, _hour(codes))
    assert not isinstance(info.value, RecordRejected)
    assert set(_held(sandbox)) == set(before)


def test_reading_hours_gives_salary_types_and_filters_by_contact_project_and_time(sandbox):
    client = _client(sandbox)
    every = _held(sandbox)
    read = reads.hours(client)
    assert {h["Id"] for h in read} == set(every)
    assert all(h["SalaryTypeId"] == every[h["Id"]]["SalaryTypeId"] for h in read)
    contact = read[0]["ContactId"]
    assert {h["Id"] for h in reads.hours(client, contact_id=contact)} == {
        i for i, h in every.items() if h["ContactId"] == contact
    }
    first = min(every.values(), key=lambda h: h["StartTime"])
    start = datetime.fromisoformat(first["StartTime"])
    window = reads.hours(client, start=start, stop=start + timedelta(days=30))
    assert first["Id"] in {h["Id"] for h in window}
    assert all(start <= h["StartTime"] and h["StopTime"] <= start + timedelta(days=30) for h in window)
