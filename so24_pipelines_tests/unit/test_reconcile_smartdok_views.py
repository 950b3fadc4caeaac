"""X7's Smartdok pair compares what the targets write, not the spec's raw paths: S1's one Name, S2's
days in Smartdok's zone, and S3's hours as SaveHour takes them (UTC, to the minute, tag on)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from so24_pipelines.flows.reconcile.compare import field_differences
from so24_pipelines.flows.reconcile.smartdok import employee_view, project_days, project_view
from so24_pipelines.flows.reconcile.smartdok_hours import as_saved
from so24_pipelines.flows.smartdok.hour_target import hour_body

OSLO = ZoneInfo("Europe/Oslo")


def test_an_employee_is_compared_by_the_one_name_s1_writes():
    view = employee_view({"EmployeeNo": "5001", "FirstName": " Ola ", "LastName": "Hansen"}, OSLO)
    assert view == {"EmployeeNo": "5001", "Name": "Ola Hansen"}
    assert field_differences("employees", "5001", view, {"EmployeeNo": "5001", "Name": "Ola Hansen"},
                             ("EmployeeNo", "Name")) == []  # fmt: skip


def test_a_project_start_late_in_the_utc_day_is_the_next_oslo_day_and_create_only_fields_are_left_out():
    view = project_view(
        {"ProjectNumber": "12", "ProjectName": "Lie", "StartDate": "2025-06-30T22:39:49", "EndDate": None,
         "IsActive": True, "DescriptionText": "x", "ClientCompanyName": "y"}, OSLO,
    )  # fmt: skip
    assert view == {"ProjectNumber": "12", "ProjectName": "Lie", "StartDate": "2025-07-01", "EndDate": None}
    smartdok = project_days({"ProjectNumber": "12", "ProjectName": "Lie", "StartDate": "2025-07-01T00:00:00",
                              "EndDate": None, "IsActive": False})  # fmt: skip
    owned = ("ProjectNumber", "ProjectName", "StartDate", "EndDate")
    assert field_differences("projects", "12", view, smartdok, owned) == []
    moved = {**smartdok, "StartDate": "2025-06-30"}
    (d,) = field_differences("projects", "12", view, moved, owned)
    assert (d.field, d.so24_value, d.other_value) == ("StartDate", "2025-07-01", "2025-06-30")


def test_an_hour_compares_in_utc_to_the_minute_with_the_tag_on_its_description():
    payload = {"ContactId": 5001, "StartTime": "2026-01-05T06:00:00", "StopTime": "2026-01-05T14:00:00",
               "TotalHours": "7.50", "Description": "Forskaling"}  # fmt: skip
    ours = as_saved(hour_body("40001", payload))
    plus_one = timezone(timedelta(hours=1))
    theirs = as_saved({"ContactId": 5001, "StartTime": datetime(2026, 1, 5, 7, 0, 30, tzinfo=plus_one),
                       "StopTime": datetime(2026, 1, 5, 14, 0, tzinfo=UTC), "TotalHours": 7.5,
                       "Description": "Forskaling [Smartdok 40001]"})  # fmt: skip
    owned = ("ContactId", "StartTime", "StopTime", "TotalHours", "Description")
    assert field_differences("hours", "40001", ours, theirs, owned) == []
    (d,) = field_differences("hours", "40001", ours, {**theirs, "Description": "Forskaling"}, owned)
    assert (d.field, d.so24_value, d.other_value) == ("Description", "Forskaling [Smartdok 40001]", "Forskaling")
