"""Work hours: the stored registration and its two renderings (v1 payroll rows, v2 registrations).

A registration is one user's time on one day: from/to (minutes since midnight), a break, the
project, the activity (WorkDescription) and the wage type, plus three attestation flags and the
export flags. The flags are nullable booleans in the output: null = not handled yet at that level,
true = attested, false = rejected.

- v1 (`GET /WorkHours`) is flat and payroll-oriented: it joins the codes in at read time
  (`EmployeeNo`, `ProjectNumber`, `WorkDescriptionCode`, `WageCode`), so a code fixed in Smartdok
  shows on old hours at once; hours are decimal (7.5), the day is a midnight DateTime.
- v2 (`GET /WorkHours/v2`, `GET /WorkHours/{id}`) carries ids only, a `date` and TimeSpans, and
  neither attestation nor export flags: S3 must read v1.

"Attested" for `onlyAttested` / `approved` is a level (behaviour `attested_level`): an hour counts
when attested at that level or above. Every change a user makes (registering, editing, attesting)
stamps `LastUpdated`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from so24_sandbox.smartdok import times
from so24_sandbox.smartdok.answers import invalid, not_found
from so24_sandbox.smartdok.store import COMPANY_ID, SmartdokStore

FIRST_ID = 40001
DAILY_WORK_HOURS = 7.5
LEVELS = ("foreman", "project_admin", "admin")
FLAGS = {"foreman": "ForemanAttested", "project_admin": "ProjectAdminAttested", "admin": "AdminAttested"}


def attested(hour: dict[str, Any], level: str) -> bool:
    """Attested at `level` or above (an administrator's attestation also covers the foreman's)."""
    above = LEVELS[LEVELS.index(level) :]
    return any(hour[FLAGS[lvl]] is True for lvl in above)


def is_absence(store: SmartdokStore, hour: dict[str, Any]) -> bool:
    wage = store.wages.get(hour["WageId"]) or {}
    project = store.projects.get(hour["ProjectId"]) or {}
    return bool(wage.get("IsAbsence") or project.get("IsAbsenceProject"))


def net_minutes(hour: dict[str, Any]) -> int:
    return hour["TimeTo"] - hour["TimeFrom"] - hour["BreakMinutes"]


def render_v1(store: SmartdokStore, hour: dict[str, Any]) -> dict[str, Any]:
    """WorkHourOutput: one payroll row per registration."""
    user = store.users.get(hour["UserId"]) or {}
    project = store.projects.get(hour["ProjectId"]) or {}
    activity = store.activities.get(hour["ActivityId"]) or {}
    wage = store.wages.get(hour["WageId"]) or {}
    ordinary = hour["TimeTo"] - hour["TimeFrom"]
    return {
        "CompanyID": COMPANY_ID,
        "UserID": hour["UserId"],
        "EmployeeNo": user.get("EmployeeNo"),
        "WorkHourID": hour["Id"],
        "AdminAttested": hour["AdminAttested"],
        "ProjectAdminAttested": hour["ProjectAdminAttested"],
        "ForemanAttested": hour["ForemanAttested"],
        "Exported": hour["Exported"],
        "Invoiced": hour["Invoiced"],
        "Date": times.write_day(hour["Date"]),
        "DepartmentIDUser": user.get("DepartmentId"),
        "DepartmentIDsProject": list(project.get("Departments") or []),
        "DepartmentIDHours": None,
        "Deviation": hour["RegistrationType"] == "Deviation",
        "ChangeHours": hour["RegistrationType"] == "Change",
        "PriceWork": False,
        "AeNumber": None,
        "WorkDescriptionId": hour["ActivityId"],
        "WageId": hour["WageId"],
        "WageName": wage.get("Name"),
        "WageCode": wage.get("Number"),
        "WageAddition": False,
        "UnitAddition": False,
        "Diet": False,
        "TimeKontoLine": False,
        "OrdinaryHoursFrom": times.hours_of(hour["TimeFrom"]),
        "OrdinaryHoursTo": times.hours_of(hour["TimeTo"]),
        "OrdinaryHours": times.hours_of(ordinary),
        "BreakTime": times.hours_of(hour["BreakMinutes"]),
        "TimeKontoHours": 0.0,
        "NetHours": times.hours_of(net_minutes(hour)),
        "DailyWorkHours": DAILY_WORK_HOURS,
        "Comment": hour["Comment"] or "",
        "AdminComment": hour["AdminComment"] or "",
        "MachineHourId": None,
        "EquipmentId": None,
        "EquipmentCode": None,
        "WorkDescriptionCode": activity.get("Number"),
        "WorkDescription": activity.get("Name") or "",
        "WorkDescriptionCategoryId": None,
        "IsOrder": bool(project.get("IsOrder")),
        "ProjectID": hour["ProjectId"],
        "ProjectNo": project.get("ProjectNumber"),
        "ProjectNumber": project.get("ProjectNumber"),
        "ProjectName": project.get("ProjectName") or "",
        "SubProjectID": None,
        "SubProjectNo": None,
        "SubProjectNumber": None,
        "SubProjectName": None,
        "AreaID": None,
        "AreaNumber": None,
        "AreaName": None,
        "ExportedExternal": hour["ExportedExternal"],
        "ExportedExternalId": hour["ExportedExternalId"],
        "LastUpdated": times.write(hour["LastUpdated"]),
    }


def render_v2(hour: dict[str, Any]) -> dict[str, Any]:
    """WorkHourOutputV2: ids, a date and TimeSpans; no codes, no attestation, no export flags."""
    return {
        "Id": hour["Id"],
        "UserId": hour["UserId"],
        "Date": hour["Date"].isoformat(),
        "TimeFrom": times.span(hour["TimeFrom"]),
        "TimeTo": times.span(hour["TimeTo"]),
        "BreakTime": times.span(hour["BreakMinutes"]),
        "BreakStart": None,
        "HourBankDeposit": "00:00:00",
        "ProjectId": hour["ProjectId"],
        "SubProjectId": None,
        "ActivityId": hour["ActivityId"],
        "ActivityCategoryId": None,
        "WageId": hour["WageId"],
        "WageComment": None,
        "DepartmentId": None,
        "AreaId": None,
        "ElementId": None,
        "Comment": hour["Comment"],
        "AdminComment": hour["AdminComment"],
        "AvailabilityTime": None,
        "DaytimeId": None,
        "AllowanceId": None,
        "AllowanceComment": None,
        "RegistrationType": hour["RegistrationType"],
        "RegistrationNumber": None,
        "AdditionRegistrations": [],
        "MachineHourRegistrations": [],
        "LastUpdated": times.write(hour["LastUpdated"]),
    }


def get_v2(store: SmartdokStore, hour_id: int) -> dict[str, Any]:
    with store.lock:
        hour = store.hours.get(hour_id)
        if hour is None:
            raise not_found()
        return render_v2(hour)


def new_record(
    store: SmartdokStore,
    *,
    user_id: str,
    day: date,
    time_from: int,
    time_to: int,
    break_minutes: int,
    project_id: int,
    activity_id: int,
    wage_id: int,
    comment: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Check and store one registration, unattested and unexported (seed and control API)."""
    with store.lock:
        check_refs(store, user_id=user_id, project_id=project_id, activity_id=activity_id, wage_id=wage_id)
        check_times(time_from, time_to, break_minutes)
        hour: dict[str, Any] = {
            "Id": store.next_id("hours", FIRST_ID),
            "UserId": user_id,
            "Date": day,
            "TimeFrom": time_from,
            "TimeTo": time_to,
            "BreakMinutes": break_minutes,
            "ProjectId": project_id,
            "ActivityId": activity_id,
            "WageId": wage_id,
            "Comment": comment,
            "AdminComment": None,
            "ForemanAttested": None,
            "ProjectAdminAttested": None,
            "AdminAttested": None,
            "Exported": False,
            "Invoiced": False,
            "ExportedExternal": False,
            "ExportedExternalId": None,
            "RegistrationType": "Ordinary",
            "LastUpdated": at or store.now(),
        }
        store.hours[hour["Id"]] = hour
        return hour


def check_refs(store: SmartdokStore, **refs: Any) -> None:
    tables = {"user_id": store.users, "project_id": store.projects, "activity_id": store.activities,
              "wage_id": store.wages}  # fmt: skip
    for name, value in refs.items():
        if value not in tables[name]:
            raise invalid(name, f"names no record ({value!r})")


def check_times(time_from: int, time_to: int, break_minutes: int) -> None:
    if not 0 <= time_from < time_to <= 24 * 60:
        raise invalid("TimeTo", "must be after TimeFrom on the same day")
    if not 0 <= break_minutes < time_to - time_from:
        raise invalid("BreakTime", "must be shorter than the registration")
