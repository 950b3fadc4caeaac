"""S1 (employees) and S2 (projects), 24SO -> Smartdok, end to end: the job `smartdok_sync` run in
process through Dagster against the sandbox over HTTP, after the 24SO extraction (E5, E7) as shipped.

Expectations come from the sandboxes' control APIs (24SO's employees and projects as a 24SO user
sees them, Smartdok's users and projects as its administrator sees them), never from the code under
test. The Smartdok company is seeded from the 24SO one (so24_sandbox/smartdok/seed.py): most keys
typed in to match, some not, so every rule of seed 004 has a case: matched, unmatched (created),
and Smartdok records under another number or none, which are left alone and reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from so24_pipelines.defs.smartdok.assets import S1_ASSET, S2_ASSET
from so24_pipelines.defs.smartdok.definitions import JOB
from so24_pipelines.defs.so24.assets import EXTRACT_ASSETS
from so24_pipelines_tests.e2e.smartdok_hours_harness import HoursHub
from so24_pipelines_tests.e2e.so24_harness import metadata
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.e2e

OSLO = ZoneInfo("Europe/Oslo")
SAVES = ("SaveInvoices", "SaveProducts", "SaveCompanies", "SaveProject", "SaveHour", "SetStockQuantity")


# ---- the hub as deployed, pointed at the sandbox -----------------------------------------------


class Hub(HoursHub):
    """The hub as S3's tests build it, run as S1 and S2's schedule runs them."""

    def extract(self) -> None:
        """E5 and E7 as shipped: the projects and employees S2 and S1 read."""
        names = {"so24_persons_extract", "so24_projects_extract"}
        chosen = [a for a in EXTRACT_ASSETS if a.node_def.name in names]
        assert dg.materialize(chosen, resources=self.resources, instance=self.instance).success

    def sync(self) -> dg.ExecuteInProcessResult:
        """One run of `smartdok_sync` (the schedule's job, and the manual trigger)."""
        result = self.defs.resolve_job_def(JOB).execute_in_process(
            instance=self.instance, raise_on_error=False
        )
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        return result


@pytest.fixture
def hub(sandbox: SandboxProcess, tmp_path: Path) -> Iterator[Hub]:
    yield Hub(sandbox, tmp_path)


def writes(result: dg.ExecuteInProcessResult, asset: str) -> int:
    m = metadata(result, asset)
    return m["created"] + m["updated"] + m["resolved"]


def check_passed(result: dg.ExecuteInProcessResult, asset: str) -> bool:
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.asset_key == dg.AssetKey(asset)]
    return evaluation.passed


# ---- what the systems hold, from their control APIs --------------------------------------------


def employees(sandbox: SandboxProcess) -> dict[str, dict[str, Any]]:
    """24SO's employees by contact id (as text, as Smartdok's EmployeeNo carries it)."""
    return {str(p["Id"]): p for p in sandbox.control("GET", "24so/persons").json() if p.get("IsEmployee")}


def email(person: dict[str, Any]) -> str:
    return next(e["Value"] for e in person["EmailAddresses"] if e["Type"] == "Primary")


def so24_projects(sandbox: SandboxProcess) -> dict[str, dict[str, Any]]:
    return {str(p["Id"]): p for p in sandbox.control("GET", "24so/projects").json() if p.get("Active", True)}


def users(sandbox: SandboxProcess) -> dict[str, dict[str, Any]]:
    """Smartdok's whole user register (ended users included), by id."""
    return {u["Id"]: u for u in sandbox.control("GET", "smartdok/users").json()}


def smartdok_projects(sandbox: SandboxProcess) -> dict[int, dict[str, Any]]:
    """Smartdok's whole project register (orders, inactive and absence projects included), by id."""
    return {p["Id"]: p for p in sandbox.control("GET", "smartdok/projects").json()}


def so24_state(sandbox: SandboxProcess) -> tuple[Any, ...]:
    """What S1/S2 must never change in 24SO: its employees and projects, and no save call at all."""
    requests = sandbox.control("GET", "24so/stats").json()["requests"]
    return (sandbox.control("GET", "24so/persons").json(), sandbox.control("GET", "24so/projects").json(),
            {op: requests.get(op, 0) for op in SAVES})  # fmt: skip


def oslo_day(utc: str | None) -> str | None:
    if not utc:
        return None
    return datetime.fromisoformat(utc).replace(tzinfo=UTC).astimezone(OSLO).date().isoformat()


def without(record: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in names}


# ---- S1 --------------------------------------------------------------------------------------------


def test_s1_creates_unmatched_employees_names_matched_ones_and_leaves_every_other_user_alone(hub, sandbox):
    hub.extract()
    staff, before, so24_before = employees(sandbox), users(sandbox), so24_state(sandbox)
    matched = {uid: u for uid, u in before.items() if u["EmployeeNo"] in staff}
    unclaimed = {uid: u for uid, u in before.items() if u["EmployeeNo"] not in staff}
    numbered = {u["EmployeeNo"] for u in matched.values()}
    twins = {cid: next(u for u in unclaimed.values() if u["Email"] == email(p))
             for cid, p in staff.items() if cid not in numbered and email(p) in {u["Email"] for u in unclaimed.values()}}  # fmt: skip
    new = {cid for cid in staff if cid not in numbered and cid not in twins}
    assert matched and new and twins and unclaimed, "the seed holds every case"
    assert any(u["Name"] != f"{staff[u['EmployeeNo']]['FirstName']} {staff[u['EmployeeNo']]['LastName']}"
               for u in matched.values()), "a matched user has another name than 24SO's"  # fmt: skip

    result = hub.sync()

    after = users(sandbox)
    assert set(before) <= set(after)
    created = {uid: u for uid, u in after.items() if uid not in before}
    assert {u["EmployeeNo"] for u in created.values()} == new, (
        "unmatched employees created, EmployeeNo = contact id"
    )
    for user in created.values():
        person = staff[user["EmployeeNo"]]
        assert user["Name"] == f"{person['FirstName']} {person['LastName']}"
        assert user["Email"] == user["UserName"] == email(person)
        prefix, number = person["PhoneNumbers"][0]["Value"].split(" ")
        assert (user["PhonePrefix"], user["PhoneNumber"], user["Role"], user["IsEnded"]) == (
            prefix,
            number,
            "User",
            False,
        )
    for uid, user in matched.items():
        person = staff[user["EmployeeNo"]]
        assert after[uid]["Name"] == f"{person['FirstName']} {person['LastName']}"
        assert without(after[uid], "Name") == without(user, "Name"), "only the owned Name may change"
    for uid, user in unclaimed.items():
        assert after[uid] == user, "a user no 24SO employee claims is left alone"
    assert any(u["Role"] == "Foreman" for u in matched.values()) and any(
        u["IsEnded"] for u in matched.values()
    )

    m = metadata(result, S1_ASSET)
    assert (m["created"], m["resolved"], m["failed"], m["updated"]) == (len(new), len(matched), len(twins), 0)
    assert (m["in_smartdok"], m["smartdok_only"]) == (len(matched), len(unclaimed))
    held = hub.failed("S1")
    assert set(held) == set(twins)
    for cid, twin in twins.items():
        number = f"EmployeeNo {twin['EmployeeNo']!r}" if twin["EmployeeNo"] else "no EmployeeNo"
        assert (
            f"Smartdok user {twin['Name']!r} ({number}) has the same e-mail ({email(staff[cid])})"
            in held[cid]
        )
        assert f"set its EmployeeNo (Ansattnummer) to {cid} in Smartdok" in held[cid]
        assert f"the e-mail of 24SO employee {cid}" in m["smartdok_only_list"]
    for user in unclaimed.values():
        assert f"| {user['Name']} | {user['EmployeeNo'] or '(none)'} |" in m["smartdok_only_list"]
    assert not check_passed(result, S1_ASSET), "a hold waits in the failed records until Smartdok is aligned"
    assert so24_state(sandbox) == so24_before, "S1 never writes 24SO"


def test_s1_a_second_run_writes_nothing_a_24so_rename_writes_the_name_only_and_an_aligned_user_is_linked(
    hub, sandbox
):
    hub.extract()
    hub.sync()
    settled, staff = users(sandbox), employees(sandbox)

    quiet = hub.sync()
    assert writes(quiet, S1_ASSET) == 0 and users(sandbox) == settled, "a second run writes nothing"
    assert metadata(quiet, S1_ASSET)["unchanged"] == len(staff) - len(hub.failed("S1"))

    foreman = next(u for u in settled.values() if u["Role"] == "Foreman" and u["EmployeeNo"] in staff)
    sandbox.control("PATCH", f"24so/persons/{foreman['EmployeeNo']}", json={"FirstName": "Kari Marie"})
    hub.extract()
    renamed = hub.sync()
    assert (metadata(renamed, S1_ASSET)["updated"], writes(renamed, S1_ASSET)) == (1, 1)
    after = users(sandbox)
    assert after[foreman["Id"]]["Name"] == f"Kari Marie {staff[foreman['EmployeeNo']]['LastName']}"
    assert without(after[foreman["Id"]], "Name") == without(foreman, "Name"), (
        "Role, phone, department survive"
    )
    assert {k: v for k, v in after.items() if k != foreman["Id"]} == {
        k: v for k, v in settled.items() if k != foreman["Id"]
    }

    held = hub.failed("S1")
    cid = sorted(held)[0]
    twin = next(u for u in after.values() if u["Email"] == email(staff[cid]))
    sandbox.control("POST", f"smartdok/users/{twin['Id']}", json={"EmployeeNo": cid})  # the readiness fix
    aligned = hub.sync()
    m = metadata(aligned, S1_ASSET)
    assert (m["resolved"], m["created"], m["failed"]) == (1, 0, len(held) - 1)
    assert cid not in hub.failed("S1") and set(users(sandbox)) == set(after), "linked, not created again"


def test_s1_dry_run_previews_and_writes_nothing(sandbox, tmp_path):
    hub = Hub(sandbox, tmp_path, flows={"S1": {"dry_run": True}, "S2": {"dry_run": True}})
    hub.extract()
    before_users, before_projects = users(sandbox), smartdok_projects(sandbox)
    result = hub.sync()
    for asset in (S1_ASSET, S2_ASSET):
        m = metadata(result, asset)
        assert m["dry_run"] is True and writes(result, asset) == 0 and m["planned_create"] > 0
        assert "| create |" in m["preview"] and m["in_smartdok"] > 0
    assert users(sandbox) == before_users and smartdok_projects(sandbox) == before_projects


# ---- S2 --------------------------------------------------------------------------------------------


def test_s2_creates_unmatched_projects_writes_owned_fields_of_matched_ones_and_leaves_the_rest_alone(
    hub, sandbox
):
    hub.extract()
    source, before, so24_before = so24_projects(sandbox), smartdok_projects(sandbox), so24_state(sandbox)
    matched = {pid: p for pid, p in before.items() if p["ProjectNumber"] in source}
    unclaimed = {pid: p for pid, p in before.items() if p["ProjectNumber"] not in source}
    numbered = {p["ProjectNumber"] for p in matched.values()}
    twins = {key: next(p for p in unclaimed.values() if p["ProjectName"] == s["Name"][:70])
             for key, s in source.items() if key not in numbered and s["Name"][:70] in {p["ProjectName"] for p in unclaimed.values()}}  # fmt: skip
    new = {key for key in source if key not in numbered and key not in twins}
    assert matched and new and twins and unclaimed, "the seed holds every case"

    result = hub.sync()

    after = smartdok_projects(sandbox)
    created = {pid: p for pid, p in after.items() if pid not in before}
    assert {p["ProjectNumber"] for p in created.values()} == new, (
        "unmatched projects created, number = project id"
    )
    for project in created.values():
        origin = source[project["ProjectNumber"]]
        assert project["ProjectName"] == origin["Name"][:70] and project["IsActive"] is True
        assert project["StartDate"] == f"{oslo_day(origin['DateStart'])}T00:00:00"
        assert project["EndDate"] == (
            f"{oslo_day(origin['DateStop'])}T00:00:00" if origin.get("DateStop") else None
        )
        assert project["DescriptionText"] == origin["Description"]
        assert project["ClientCompanyName"] == origin["CustomerName"][:50]
        assert (project["UserIds"], project["Departments"], project["IsOrder"]) == ([], [], False)
    owned = ("ProjectName", "StartDate", "EndDate", "Updated")
    for pid, project in matched.items():
        origin = source[project["ProjectNumber"]]
        assert after[pid]["ProjectName"] == origin["Name"][:70]
        assert (after[pid]["StartDate"] or "")[:10] == (oslo_day(origin["DateStart"]) or "")
        assert without(after[pid], *owned) == without(project, *owned), "only owned fields may change"
    for pid, project in unclaimed.items():
        assert after[pid] == project, "a project no 24SO project claims is left alone"

    m = metadata(result, S2_ASSET)
    assert (m["created"], m["resolved"], m["failed"]) == (len(new), len(matched), len(twins))
    assert (m["in_smartdok"], m["smartdok_only"]) == (len(matched), len(unclaimed))
    held = hub.failed("S2")
    assert set(held) == set(twins)
    for key, twin in twins.items():
        assert f"(ProjectNumber '{twin['ProjectNumber']}') has the same name" in held[key]
        assert f"set its number (Nummer) to {key} in Smartdok" in held[key]
    for project in unclaimed.values():
        assert f"| {project['ProjectName']} | {project['ProjectNumber']} |" in m["smartdok_only_list"]
    assert so24_state(sandbox) == so24_before, "S2 never writes 24SO"


def test_s2_a_second_run_writes_nothing_and_a_24so_rename_writes_that_project_only(hub, sandbox):
    hub.extract()
    hub.sync()
    settled = smartdok_projects(sandbox)
    quiet = hub.sync()
    assert writes(quiet, S2_ASSET) == 0 and smartdok_projects(sandbox) == settled

    source = so24_projects(sandbox)
    project = next(p for p in settled.values() if p["ProjectNumber"] in source and p["UserIds"])
    sandbox.control("PATCH", f"24so/projects/{project['ProjectNumber']}", json={"Name": "Nytt navn fra 24SO"})
    hub.extract()
    renamed = hub.sync()
    assert (metadata(renamed, S2_ASSET)["updated"], writes(renamed, S2_ASSET)) == (1, 1)
    after = smartdok_projects(sandbox)
    assert after[project["Id"]]["ProjectName"] == "Nytt navn fra 24SO"
    assert after[project["Id"]]["UserIds"] == project["UserIds"], "the project's users survive the PUT"
    assert without(after[project["Id"]], "ProjectName", "StartDate", "EndDate", "Updated") == without(
        project, "ProjectName", "StartDate", "EndDate", "Updated"
    )
    assert {k: v for k, v in after.items() if k != project["Id"]} == {
        k: v for k, v in settled.items() if k != project["Id"]
    }
