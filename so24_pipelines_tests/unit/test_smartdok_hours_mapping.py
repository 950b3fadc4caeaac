"""S3's mapping over a real staging file: Smartdok v1 hour rows staged as the read stages them, 24SO
employees, projects, work types and salary types as E5-E7 stage them, mapped by the spec
(mapping/specs/smartdok_hours.yaml) and selected and keyed by the flow (flows/smartdok/hours.py).

What is checked here and not end to end: the exact Hour 24SO is sent (times in UTC across summer
and winter time and past midnight, net hours, the tag), each reason an hour is held for, which
attestation level selects which hours, and what S4 compares register by register.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from so24_pipelines.flows.smartdok.hour_target import business_key, hour_body, tagged, tagged_id
from so24_pipelines.flows.smartdok.hours import hour_records, selected_keys
from so24_pipelines.flows.smartdok.hours_staging import period, stage_hours, with_times
from so24_pipelines.flows.smartdok.readiness import SIDES, compare
from so24_pipelines.flows.so24 import tables as t
from so24_pipelines.flows.so24.tables import ensure_schema
from so24_pipelines.staging.db import transaction
from so24_pipelines.staging.tables import StagingTable
from so24_pipelines.staging.upsert import upsert

IDENTITY = "11111111-2222-3333-4444-555555555555"
OSLO = ZoneInfo("Europe/Oslo")
FLOW = "S3-test"


def stage_so24(db: Path, table: StagingTable, rows: list[dict[str, Any]]) -> None:
    names = [c.name for c in table.all_columns]
    with transaction(db) as con:
        ensure_schema(con)
        upsert(con, table, {n: [row.get(n) for row in rows] for n in names}, IDENTITY)


def hour(key: int, **changes: Any) -> dict[str, Any]:
    """A v1 WorkHourOutput row (the fields S3 stages), approved by the administrator, matching."""
    return {
        "WorkHourID": key, "UserID": "u-1", "EmployeeNo": "5001", "Date": "2026-03-02T00:00:00",
        "OrdinaryHoursFrom": 7.0, "OrdinaryHoursTo": 15.0, "BreakTime": 0.5, "NetHours": 7.5,
        "ProjectID": 11, "ProjectNumber": "1", "ProjectName": "Bygg A", "WorkDescriptionId": 21,
        "WorkDescriptionCode": "2", "WorkDescription": "Montering", "WageId": 31, "WageCode": "1",
        "WageName": "Timelønn", "ForemanAttested": True, "ProjectAdminAttested": True, "AdminAttested": True,
        "Exported": False, "ExportedExternal": False, "ExportedExternalId": None, "Comment": "Forskaling",
        "LastUpdated": "2026-03-03T08:00:00", **changes,
    }  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> Path:
    db = tmp_path / "staging.duckdb"
    stage_so24(db, t.PERSONS, [{"id": "5001", "first_name": "Ola", "last_name": "Nordmann"}])
    stage_so24(db, t.PROJECTS, [{"id": "1", "name": "Bygg A"}, {"id": "3", "name": "Service"}])
    stage_so24(db, t.WORK_TYPES, [{"id": "2", "name": "Montering"}, {"id": "5", "name": "Intern tid"}])
    stage_so24(db, t.SALARY_TYPES, [{"id": "1", "name": "Timelønn"}, {"id": "4", "name": "Reisetillegg"}])
    return db


def test_an_hour_is_sent_as_24sos_hour_with_utc_times_net_hours_and_its_tag(db):
    stage_hours(db, IDENTITY, [hour(1)], OSLO)

    (record,) = hour_records(db, IDENTITY, FLOW, "admin")

    assert record.skip_reason is None
    assert record.payload == {
        "ContactId": 5001, "ProjectId": 1, "TypeOfWorkId": 2, "SalaryTypeId": 1,
        "StartTime": "2026-03-02T06:00:00", "StopTime": "2026-03-02T14:00:00",  # Oslo is UTC+1 in March
        "TotalHours": Decimal("7.5000"), "Description": "Forskaling",
    }  # fmt: skip
    assert record.business_key == "1@5001@2026-03-02"
    body = hour_body(record.source_key, record.payload)
    assert body["Description"] == "Forskaling [Smartdok 1]" and body["TotalHours"] == 7.5
    assert body["StartTime"].isoformat() == "2026-03-02T06:00:00"


@pytest.mark.parametrize(
    ("day", "start", "stop", "utc_start", "utc_stop"),
    [
        ("2026-07-01T00:00:00", 7.0, 15.5, "2026-07-01T05:00:00", "2026-07-01T13:30:00"),  # summer: UTC+2
        ("2026-01-15T00:00:00", 22.0, 6.0, "2026-01-15T21:00:00", "2026-01-16T05:00:00"),  # a night shift
        ("2026-03-29T00:00:00", 1.0, 4.0, "2026-03-29T00:00:00", "2026-03-29T02:00:00"),  # the clocks go forward
    ],
)
def test_smartdok_day_and_decimal_hours_become_24sos_utc_times(day, start, stop, utc_start, utc_stop):
    row = with_times({"Date": day, "OrdinaryHoursFrom": start, "OrdinaryHoursTo": stop}, OSLO)
    assert (row["StartUtc"], row["StopUtc"]) == (utc_start, utc_stop)


def test_an_hour_whose_codes_are_no_24so_ids_is_held_with_every_reason_and_what_to_change(db):
    stage_hours(db, IDENTITY, [
        hour(1, EmployeeNo="8", ProjectNumber="P-3", WorkDescriptionCode="INT", WageCode="40"),
        hour(2, WorkDescriptionCode=None, WorkDescription="Rigging og drift"),
        hour(3, ProjectNumber="03"),  # digits, but "03" is kept as 3: a 24SO id typed with a leading zero
    ], OSLO)  # fmt: skip

    records = {r.source_key: r for r in hour_records(db, IDENTITY, FLOW, "admin")}

    held = records["1"].skip_reason or ""
    assert "EmployeeNo '8' is not the contact id of a 24SO employee" in held
    assert "project number 'P-3' (Bygg A) is not a 24SO project id" in held
    assert "activity code 'INT' (Montering) is not a 24SO work type id" in held
    assert "wage code '40' (Timelønn) is not a 24SO salary type id" in held
    assert "set the user's Ansattnummer in Smartdok to the 24SO contact id" in held
    assert records["2"].skip_reason == (
        "hour 2: activity code '' (Rigging og drift) is not a 24SO work type id; "
        "set the activity's Kode in Smartdok to the 24SO work type id"
    )
    assert records["3"].skip_reason is None and records["3"].payload["ProjectId"] == 3


def test_which_hours_are_selected_follows_the_attestation_level_and_the_external_flag(db):
    stage_hours(db, IDENTITY, [
        hour(1),
        hour(2, AdminAttested=None),
        hour(3, AdminAttested=None, ProjectAdminAttested=None),
        hour(4, AdminAttested=None, ProjectAdminAttested=None, ForemanAttested=False),
        hour(5, ExportedExternal=True, ExportedExternalId="SEED-PREVIOUS-1"),
        hour(6, AdminAttested=False),
    ], OSLO)  # fmt: skip

    def keys(level: Any) -> list[str]:
        return selected_keys(db, IDENTITY, FLOW, level)[0]

    assert keys("admin") == ["1"]
    assert keys("project_admin") == ["1", "2", "6"]
    assert keys("foreman") == ["1", "2", "3", "6"]
    assert keys(None) == ["1", "2", "3", "4", "6"], "only_approved off: every hour not yet exported externally"


def test_the_tag_is_found_again_only_at_the_end_of_a_description_and_survives_a_long_comment():
    assert tagged_id(tagged("Støping", 40001)) == 40001
    assert tagged_id("see [Smartdok 7] for details") is None
    assert tagged_id(None) is None
    long = tagged("x" * 400, 12)
    assert len(long) <= 255 and long.endswith("[Smartdok 12]")
    assert business_key("9", {"ContactId": 5001, "StartTime": "2026-03-02T06:00:00"}) == "9@5001@2026-03-02"


def test_the_look_back_and_a_backfill_give_the_days_read():
    from datetime import date

    assert period(date(2026, 12, 1), 31) == period(date(2026, 12, 1), 31, None, None)
    scheduled = period(date(2026, 12, 1), 31)
    assert (scheduled.first, scheduled.last, scheduled.backfill) == (date(2026, 11, 1), date(2026, 12, 1), False)
    backfill = period(date(2026, 12, 1), 31, date(2025, 1, 1))
    assert (backfill.first, backfill.last, backfill.backfill) == (date(2025, 1, 1), date(2026, 12, 1), True)
    with pytest.raises(ValueError, match="before"):
        period(date(2026, 12, 1), 31, date(2026, 2, 1), date(2026, 1, 1))


def test_readiness_names_each_mismatch_once_with_the_fix_and_the_hours_it_holds():
    so24 = {"5": "Intern tid", "2": "Montering", "7": "Graving"}
    activities = [("Montering", "2"), ("Intern tid", "INT"), ("Rigging og drift", ""), ("Dobbel", "2")]

    found = compare(SIDES["activities"], activities, so24, Counter({"int": 3}))

    by_record = {m.record: m for m in found}
    assert by_record["Smartdok activity 'Intern tid'"].fix.startswith("set its Kode to 5")
    assert by_record["Smartdok activity 'Intern tid'"].hours == 3 and by_record["Smartdok activity 'Intern tid'"].blocking
    assert by_record["Smartdok activity 'Rigging og drift'"].problem == "has no Kode"
    assert "carried by 2 Smartdok activities" in by_record["Smartdok activity 'Dobbel'"].problem
    assert "24SO work type 'Graving'" in by_record, "a work type no activity carries"
    assert "24SO work type 'Intern tid'" not in by_record, "named once: on the Smartdok side, with its fix"
