"""The Smartdok company the sandbox starts from, seeded *from* the 24SO sandbox's primary company.

A construction firm that already used Smartdok before connecting it to 24SO: most keys were
typed in to match (as Smartdok's 24SO guide asks), some were not. The 24SO side is read from the
24SO sandbox's own seed (`seed_dataset` of the default identity, same scale and seed), so matches
hold by construction at every scale. The rules, each a named test in
so24_pipelines_tests/unit/test_smartdok_seed.py:

Users (EmployeeNo = 24SO contact id), over the 24SO employees in id order (10 of them):
- every employee matches, except: the 8th has EmployeeNo = his 24SO *employee number* ("8"),
  the classic slip; the 9th has no EmployeeNo; the 10th is not in Smartdok (S1 creates him);
- the 4th matches but is named differently ("Ingrid H."), so S1 has a name to update;
- the 3rd is the foreman (Role Foreman); the 6th has left (IsEnded) in Smartdok only;
- Smartdok-only: the API user (Administrator, no EmployeeNo, `GET /Users/current`), a
  subcontractor (EmployeeNo "UE-01") and a former employee (EmployeeNo "4999", ended).
Projects (ProjectNumber = 24SO project id):
- every 24SO project matches (same name, cut to 70 characters, same active state), except the
  3rd, numbered "P-<id>", and the last, missing (S2 creates it);
- Smartdok-only: "Internt" ("INT-01"), an absence project "Fravær" ("FRAVÆR") and an order
  ("O-1001", hidden unless `includeOrders=true`).
Activities (Number = 24SO work type id): work types 1-4 and 6 (inactive in both) match; 5
"Intern tid" has Number "INT"; Smartdok-only "Rigging og drift" has no Number.
Wages (Number = 24SO salary type id): salary types 1-3 match; 4 "Reisetillegg" has Number "40"
(the payroll system's code); Smartdok-only "Ferie" ("900") is an absence wage not exported.

Hours: 60 + scale // 4 registrations over the 180 days before 2026-06-01 (so a full read needs
two 93-day windows). Hour k has attestation state ATTESTATIONS[k % 8] (all three levels in half
of them; none, foreman only, foreman + project admin, rejected by the foreman in the rest) and
export state EXPORTS[(k // 8) % 6] (none in half; payroll-exported, exported externally with tag
"SEED-PREVIOUS-1", both), so the first 48 hours hold every combination and about a third of all
hours are approved by an administrator and not yet exported externally.
Most hours (about two in three) match on all four keys; the others use, in this order of
precedence: the user numbered "8" (k % 20 == 5), the subcontractor (k % 20 == 15), the user
without number (k % 40 == 27), the former employee (k % 50 == 33); absence on "FRAVÆR" with
wage "Ferie" (k % 29 == 10), project "P-.." (k % 19 == 4), "INT-01" (k % 23 == 9); activity
"INT" (k % 17 == 6), the uncoded activity (k % 31 == 8); wage "40" (k % 26 == 5). Overtime
(k % 7 == 2, 15:00-18:00 on wage 2) and short days (k % 5 == 3, 07:00-11:00) match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from so24_sandbox.smartdok import hours, projects, users
from so24_sandbox.smartdok.code_lists import ACTIVITIES, WAGES
from so24_sandbox.smartdok.store import SmartdokStore
from so24_sandbox.so24.credentials import DEFAULT_IDENTITY
from so24_sandbox.so24.data import seed_dataset

BASE_DAY = date(2026, 6, 1)
SEEDED_AT = datetime(2025, 1, 6, 8, 0)
HOUR_SPREAD_DAYS = 180
PREVIOUS_EXPORT_TAG = "SEED-PREVIOUS-1"
NAME_LIMIT = 70


@dataclass(frozen=True)
class Employee:
    contact_id: int
    employee_number: int
    first: str
    last: str
    email: str
    phone: str


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    active: bool
    start: datetime | None
    stop: datetime | None


@dataclass(frozen=True)
class Code:
    id: int
    name: str
    active: bool


@dataclass(frozen=True)
class Mirror:
    """What Smartdok mirrors of the 24SO company: employees, projects, work types, salary types."""

    employees: tuple[Employee, ...]
    projects: tuple[Project, ...]
    work_types: tuple[Code, ...]
    salary_types: tuple[Code, ...]


def mirror_of_so24(scale: int, seed: int) -> Mirror:
    """Read the 24SO sandbox's primary company (the one Smartdok is paired with) as seeded."""
    ds = seed_dataset(DEFAULT_IDENTITY, scale, seed)
    employees = []
    for pid in sorted(ds.employees()):
        person = ds.persons[pid]
        email = next((e["Value"] for e in person.get("EmailAddresses", ()) if e.get("Value")), "")
        phone = next((p["Value"] for p in person.get("PhoneNumbers", ()) if p.get("Value")), "")
        employees.append(
            Employee(pid, int(person.get("EmployeeNumber") or 0), person["FirstName"], person["LastName"], email, phone)
        )
    project_list = tuple(
        Project(p["Id"], p["Name"], bool(p.get("_active", True)), p.get("DateStart"), p.get("DateStop"))
        for p in (ds.projects[i] for i in sorted(ds.projects))
    )
    work_types = tuple(Code(w["Id"], w["Name"], bool(w.get("_active", True))) for w in ds.work_types.values())
    salary_types = tuple(Code(s["Id"], s["Name"], True) for s in ds.salary_types.values())
    return Mirror(tuple(employees), project_list, work_types, salary_types)


def _user(store: SmartdokStore, key: str, **fields: Any) -> dict[str, Any]:
    record = users.new_record(store, {"_at": SEEDED_AT, **fields}, key=key)
    store.users[record["Id"]] = record
    return record


def _split_phone(phone: str) -> tuple[str | None, str | None]:
    prefix, _, number = phone.partition(" ")
    return (prefix, number) if number else (None, phone or None)


def _seed_users(store: SmartdokStore, mirror: Mirror) -> dict[str, dict[str, Any]]:
    """The users; returns them by role in the hour rules (see the module doc)."""
    api = _user(store, "api", UserName="api.integrasjon", Name="Integrasjon API", Email="api@nordlysbygg.example.no",
                Role="Administrator", EmployeeNo=None)  # fmt: skip
    store.api_user_id = api["Id"]
    named: dict[str, dict[str, Any]] = {"api": api}
    workers = []
    for index, person in enumerate(mirror.employees):
        position = index + 1
        if position == 10:
            continue  # not in Smartdok yet: S1 creates this one
        employee_no: str | None = str(person.contact_id)
        if position == 8:
            employee_no = str(person.employee_number)
        elif position == 9:
            employee_no = None
        name = f"{person.first} {person.last[0]}." if position == 4 else f"{person.first} {person.last}"
        prefix, number = _split_phone(person.phone)
        record = _user(
            store, f"employee:{person.contact_id}", UserName=person.email.split("@")[0], Name=name,
            Email=person.email, PhonePrefix=prefix, PhoneNumber=number, EmployeeNo=employee_no,
            Role="Foreman" if position == 3 else "User", IsEnded=position == 6, DepartmentId=1 + index % 2,
        )  # fmt: skip
        if position == 8:
            named["employee_number_slip"] = record
        elif position == 9:
            named["no_number"] = record
        else:
            workers.append(record)
    named["subcontractor"] = _user(store, "ue-01", UserName="ue.hansen", Name="UE Hansen Bygg",
                                   Email="post@hansenbygg.example.no", EmployeeNo="UE-01", Role="SubContractor",
                                   GroupId=3)  # fmt: skip
    named["former"] = _user(store, "former-4999", UserName="tidligere.ansatt", Name="Tidligere Ansatt",
                            Email="tidligere@nordlysbygg.example.no", EmployeeNo="4999", IsEnded=True)  # fmt: skip
    store.seed_workers = [w["Id"] for w in workers]
    return named


def _project(store: SmartdokStore, **fields: Any) -> dict[str, Any]:
    at = fields.pop("at", SEEDED_AT)
    record = projects.new_record(store, {"IsActive": True, **fields}, at=at)
    store.projects[record["Id"]] = record
    return record


def _seed_projects(store: SmartdokStore, mirror: Mirror, members: list[str]) -> dict[str, Any]:
    matched = []
    named: dict[str, Any] = {}
    last = len(mirror.projects) - 1
    for index, source in enumerate(mirror.projects):
        if index == last:
            continue  # not in Smartdok yet: S2 creates this one
        number = f"P-{source.id}" if index == 2 else str(source.id)
        created = (source.start or SEEDED_AT) - timedelta(days=2)
        record = _project(store, ProjectName=source.name[:NAME_LIMIT], ProjectNumber=number, IsActive=source.active,
                          StartDate=source.start, EndDate=source.stop, UserIds=members, at=created)  # fmt: skip
        if index == 2:
            named["prefixed"] = record
        elif source.active:
            matched.append(record)
    named["internal"] = _project(store, ProjectName="Internt", ProjectNumber="INT-01", UserIds=members)
    named["absence"] = _project(store, ProjectName="Fravær", ProjectNumber="FRAVÆR", IsAbsenceProject=True,
                                UserIds=members)  # fmt: skip
    named["order"] = _project(store, ProjectName="Serviceordre varmepumpe", ProjectNumber="O-1001", OrderTypeId=1,
                              ExternalReference="SO-2026-17", UserIds=members)  # fmt: skip
    named["matched"] = matched
    return named


def _seed_codes(store: SmartdokStore, mirror: Mirror) -> dict[str, Any]:
    activities = []
    for index, work_type in enumerate(mirror.work_types):
        number = "INT" if index == 4 else str(work_type.id)
        record = ACTIVITIES.add(store, {"Name": work_type.name, "Number": number, "IsActive": work_type.active,
                                        "Price": 0.0, "InternalRate": 0.0})  # fmt: skip
        activities.append(record)
    uncoded = ACTIVITIES.add(store, {"Name": "Rigging og drift", "Number": None, "IsActive": True})
    wages = []
    for index, salary_type in enumerate(mirror.salary_types):
        number = "40" if index == 3 else str(salary_type.id)
        wages.append(WAGES.add(store, {"Name": salary_type.name, "Number": number, "IsActive": True, "Export": True,
                                       "Order": index + 1, "IsDaytime": index == 0}))  # fmt: skip
    holiday = WAGES.add(store, {"Name": "Ferie", "Number": "900", "IsActive": True, "Export": False,
                                "IsAbsence": True, "Order": 90})  # fmt: skip
    return {
        "matched_activities": [a for a in activities[:4] if a["IsActive"]],
        "internal_activity": activities[4],
        "uncoded_activity": uncoded,
        "ordinary_wage": wages[0],
        "overtime_wage": wages[1],
        "travel_wage": wages[3],
        "holiday_wage": holiday,
    }


# (ForemanAttested, ProjectAdminAttested, AdminAttested) and (Exported, ExportedExternal), by position.
ATTESTATIONS = (
    (True, True, True), (True, True, True), (True, True, True), (None, None, None),
    (True, None, None), (True, True, None), (True, True, True), (False, None, None),
)  # fmt: skip
EXPORTS = ((False, False), (False, False), (False, False), (True, False), (False, True), (True, True))
_COMMENTS = ("Montering", "Service hos kunde", "Befaring & måling", "Rigging <stillas>", "")


def _seed_hours(store: SmartdokStore, scale: int, named: dict[str, Any]) -> None:
    workers = store.seed_workers
    matched_projects = named["matched"] or [named["internal"]]
    for k in range(60 + max(0, scale) // 4):
        day = BASE_DAY - timedelta(days=1 + (k * 11) % HOUR_SPREAD_DAYS)
        if k % 20 == 5:
            user = named["employee_number_slip"]["Id"]
        elif k % 20 == 15:
            user = named["subcontractor"]["Id"]
        elif k % 40 == 27:
            user = named["no_number"]["Id"]
        elif k % 50 == 33:
            user = named["former"]["Id"]
        else:
            user = workers[k % len(workers)]
        absence = k % 29 == 10
        if absence:
            project = named["absence"]
        elif k % 19 == 4:
            project = named["prefixed"]
        elif k % 23 == 9:
            project = named["internal"]
        else:
            project = matched_projects[k % len(matched_projects)]
        if k % 17 == 6:
            activity = named["internal_activity"]
        elif k % 31 == 8:
            activity = named["uncoded_activity"]
        else:
            activity = named["matched_activities"][k % len(named["matched_activities"])]
        start, end, pause = 7 * 60, 15 * 60, 30
        if absence:
            wage = named["holiday_wage"]
        elif k % 26 == 5:
            wage = named["travel_wage"]
        elif k % 7 == 2:
            wage, start, end, pause = named["overtime_wage"], 15 * 60, 18 * 60, 0
        else:
            wage = named["ordinary_wage"]
            if k % 5 == 3:
                end, pause = 11 * 60, 0
        stamp = datetime.combine(day + timedelta(days=1), time(16, 0)) + timedelta(minutes=k % 60)
        hour = hours.new_record(
            store, user_id=user, day=day, time_from=start, time_to=end, break_minutes=pause,
            project_id=project["Id"], activity_id=activity["Id"], wage_id=wage["Id"],
            comment=_COMMENTS[k % len(_COMMENTS)] or None, at=stamp,
        )  # fmt: skip
        foreman, project_admin, admin = ATTESTATIONS[k % len(ATTESTATIONS)]
        exported, external = EXPORTS[(k // len(ATTESTATIONS)) % len(EXPORTS)]
        hour.update(
            ForemanAttested=foreman, ProjectAdminAttested=project_admin, AdminAttested=admin, Exported=exported,
            ExportedExternal=external, ExportedExternalId=PREVIOUS_EXPORT_TAG if external else None,
        )  # fmt: skip


def load(store: SmartdokStore, mirror: Mirror, scale: int) -> None:
    """Fill an empty store with the company above."""
    with store.lock:
        named = _seed_users(store, mirror)
        named.update(_seed_projects(store, mirror, list(store.seed_workers)))
        named.update(_seed_codes(store, mirror))
        _seed_hours(store, scale, named)
