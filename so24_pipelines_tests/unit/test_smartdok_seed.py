"""The Smartdok sandbox's seed rules (so24_sandbox/smartdok/seed.py), one named test each.

The 24SO side is read straight from the 24SO sandbox's own seed, so these tests also fail when
either seed drifts from what the other assumes.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

import pytest

from so24_sandbox.smartdok import hours
from so24_sandbox.smartdok.seed import ATTESTATIONS, EXPORTS, PREVIOUS_EXPORT_TAG
from so24_sandbox.smartdok.system import SmartdokSystem
from so24_sandbox.so24.credentials import DEFAULT_IDENTITY
from so24_sandbox.so24.data import seed_dataset
from so24_sandbox.system import SandboxOptions

SCALES = (40, 200)


@cache
def company(scale: int) -> SmartdokSystem:
    return SmartdokSystem(SandboxOptions(scale=scale))


@cache
def so24(scale: int) -> Any:
    return seed_dataset(DEFAULT_IDENTITY, scale, SandboxOptions().seed)


def _users_by_no(scale: int) -> dict[str | None, list[dict]]:
    found: dict[str | None, list[dict]] = {}
    for user in company(scale).store.users.values():
        found.setdefault(user["EmployeeNo"], []).append(user)
    return found


def _employees(scale: int) -> list[dict]:
    ds = so24(scale)
    return [ds.persons[pid] for pid in sorted(ds.employees())]


def _rows(scale: int) -> list[dict]:
    store = company(scale).store
    return [hours.render_v1(store, h) for h in store.hours.values()]


@pytest.mark.parametrize("scale", SCALES)
def test_most_employees_match_their_24so_contact_id(scale: int) -> None:
    by_no = _users_by_no(scale)
    employees = _employees(scale)
    matched = [p for p in employees if str(p["Id"]) in by_no]
    assert [p["Id"] for p in employees if p not in matched] == [employees[i]["Id"] for i in (7, 8, 9)]
    for person in matched:
        (user,) = by_no[str(person["Id"])]
        assert user["Email"] == person["EmailAddresses"][0]["Value"]


@pytest.mark.parametrize("scale", SCALES)
def test_the_8th_employee_carries_his_24so_employee_number_not_his_contact_id(scale: int) -> None:
    eighth = _employees(scale)[7]
    (user,) = _users_by_no(scale)[str(eighth["EmployeeNumber"])]
    assert user["EmployeeNo"] == "8" and user["Email"] == eighth["EmailAddresses"][0]["Value"]


@pytest.mark.parametrize("scale", SCALES)
def test_the_9th_employee_has_no_employee_number(scale: int) -> None:
    ninth = _employees(scale)[8]
    (user,) = [u for u in _users_by_no(scale)[None] if u["Email"] == ninth["EmailAddresses"][0]["Value"]]
    assert user["EmployeeNo"] is None


@pytest.mark.parametrize("scale", SCALES)
def test_the_10th_employee_is_not_in_smartdok_so_s1_creates_him(scale: int) -> None:
    tenth = _employees(scale)[9]
    emails = {u["Email"] for u in company(scale).store.users.values()}
    assert str(tenth["Id"]) not in _users_by_no(scale)
    assert tenth["EmailAddresses"][0]["Value"] not in emails


def test_the_4th_employee_is_named_differently_and_the_3rd_is_the_foreman() -> None:
    by_no = _users_by_no(40)
    fourth, third = _employees(40)[3], _employees(40)[2]
    assert by_no[str(fourth["Id"])][0]["Name"] == f"{fourth['FirstName']} {fourth['LastName'][0]}."
    assert by_no[str(third["Id"])][0]["Name"] == f"{third['FirstName']} {third['LastName']}"
    assert by_no[str(third["Id"])][0]["Role"] == "Foreman"
    assert by_no[str(_employees(40)[5]["Id"])][0]["IsEnded"] is True


def test_smartdok_only_users_are_the_api_user_a_subcontractor_and_a_former_employee() -> None:
    store = company(40).store
    contact_ids = {str(p["Id"]) for p in _employees(40)}
    extra = {u["EmployeeNo"]: u for u in store.users.values() if u["EmployeeNo"] not in contact_ids}
    assert store.users[store.api_user_id]["Role"] == "Administrator"
    assert extra["UE-01"]["Role"] == "SubContractor"
    assert extra["4999"]["IsEnded"] is True


@pytest.mark.parametrize("scale", SCALES)
def test_projects_match_24so_ids_except_the_prefixed_3rd_and_the_missing_last(scale: int) -> None:
    ids = sorted(so24(scale).projects)
    numbers = {p["ProjectNumber"]: p for p in company(scale).store.projects.values()}
    missing = [i for i in ids if str(i) not in numbers]
    assert missing == [ids[2], ids[-1]]
    assert f"P-{ids[2]}" in numbers
    for pid in set(ids) - set(missing):
        assert numbers[str(pid)]["IsActive"] == so24(scale).projects[pid]["_active"]
        assert numbers[str(pid)]["ProjectName"] == so24(scale).projects[pid]["Name"][:70]


def test_smartdok_only_projects_are_internal_absence_and_an_order() -> None:
    numbers = {p["ProjectNumber"]: p for p in company(40).store.projects.values()}
    assert numbers["INT-01"]["IsActive"] and not numbers["INT-01"]["IsOrder"]
    assert numbers["FRAVÆR"]["IsAbsenceProject"]
    assert numbers["O-1001"]["IsOrder"] and numbers["O-1001"]["OrderTypeId"] == 1


def test_project_ids_never_equal_a_project_number() -> None:
    for project in company(200).store.projects.values():
        assert str(project["Id"]) != project["ProjectNumber"]


def test_activity_codes_are_work_type_ids_except_intern_tid_and_an_uncoded_one() -> None:
    work_types = so24(40).work_types
    codes = {a["Name"]: a["Number"] for a in company(40).store.activities.values()}
    for wid, work_type in work_types.items():
        expected = "INT" if work_type["Name"] == "Intern tid" else str(wid)
        assert codes[work_type["Name"]] == expected
    assert codes["Rigging og drift"] is None
    inactive = [a for a in company(40).store.activities.values() if not a["IsActive"]]
    assert [a["Name"] for a in inactive] == [w["Name"] for w in work_types.values() if not w["_active"]]


def test_wage_codes_are_salary_type_ids_except_reisetillegg_and_holiday_is_not_exported() -> None:
    wages = {w["Name"]: w for w in company(40).store.wages.values()}
    for sid, salary_type in so24(40).salary_types.items():
        expected = "40" if salary_type["Name"] == "Reisetillegg" else str(sid)
        assert wages[salary_type["Name"]]["Number"] == expected
    assert wages["Ferie"]["Number"] == "900" and wages["Ferie"]["IsAbsence"] and not wages["Ferie"]["Export"]


@pytest.mark.parametrize("scale", SCALES)
def test_hours_hold_every_attestation_and_export_state(scale: int) -> None:
    seen = Counter(
        ((r["ForemanAttested"], r["ProjectAdminAttested"], r["AdminAttested"]), (r["Exported"], r["ExportedExternal"]))
        for r in _rows(scale)
    )
    assert set(seen) == {(a, e) for a in ATTESTATIONS for e in EXPORTS}
    tagged = {r["ExportedExternalId"] for r in _rows(scale) if r["ExportedExternal"]}
    assert tagged == {PREVIOUS_EXPORT_TAG}


@pytest.mark.parametrize("scale", SCALES)
def test_hours_span_more_than_one_93_day_window(scale: int) -> None:
    days = sorted(h["Date"] for h in company(scale).store.hours.values())
    assert (days[-1] - days[0]).days > 93
    assert len(days) == 60 + scale // 4


@pytest.mark.parametrize("scale", SCALES)
def test_most_hours_match_24so_and_every_kind_of_mismatch_occurs(scale: int) -> None:
    ds = so24(scale)
    keys = {
        "EmployeeNo": {str(i) for i in ds.employees()},
        "ProjectNumber": {str(i) for i in ds.projects},
        "WorkDescriptionCode": {str(i) for i in ds.work_types},
        "WageCode": {str(i) for i in ds.salary_types},
    }
    rows = _rows(scale)
    matching = [r for r in rows if all(r[k] in allowed for k, allowed in keys.items())]
    assert len(matching) > len(rows) / 2
    odd = {k: {r[k] for r in rows if r[k] not in allowed} for k, allowed in keys.items()}
    assert odd["EmployeeNo"] == {"8", None, "UE-01", "4999"}
    assert odd["ProjectNumber"] == {f"P-{sorted(ds.projects)[2]}", "INT-01", "FRAVÆR"}
    assert odd["WorkDescriptionCode"] == {"INT", None}
    assert odd["WageCode"] == {"40", "900"}


def test_about_a_third_of_hours_are_approved_and_pending() -> None:
    rows = _rows(200)
    pending = [r for r in rows if r["AdminAttested"] and not r["ExportedExternal"]]
    assert 0.25 < len(pending) / len(rows) < 0.42


def test_the_seed_is_the_same_every_time() -> None:
    again = SmartdokSystem(SandboxOptions(scale=40))
    assert [hours.render_v1(again.store, h) for h in again.store.hours.values()] == _rows(40)
    assert list(again.store.users) == list(company(40).store.users)
