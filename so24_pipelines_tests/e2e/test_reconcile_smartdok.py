"""X7 for 24SO -> Smartdok (S1 employees, S2 projects, S3 hours) end to end, in process against the sandbox.

After the extraction and one `smartdok_sync` nothing differs (the seed's holds are S1/S2's skips,
counted); a Name typed into Smartdok is blamed on Smartdok; a 24SO change is named, then pending
once staged, then gone after S1/S2; a project made in 24SO while S2 is switched off says so, is
pending once S2 is on, and is gone after S2 creates it. For S3's hours, after a backfill nothing
differs; a 24SO hour edited by hand, a Smartdok hour edited after its transfer, an untagged 24SO hour
and an hour unmarked in Smartdok are each named, and S3's run after the Smartdok edit fixes the edits.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from so24_pipelines.defs.smartdok.definitions import HOURS_JOB, JOB
from so24_pipelines_tests.e2e import reconcile_harness as r
from so24_pipelines_tests.e2e.smartdok_hours_harness import HoursHub, smartdok_hours, tagged
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.e2e


class Hub(HoursHub):
    def sync(self) -> None:
        """One run of `smartdok_sync` (S1 and S2), after the extraction as shipped."""
        self.extract()
        result = self.defs.resolve_job_def(JOB).execute_in_process(
            instance=self.instance, raise_on_error=False
        )
        assert result.success, [e.message for e in result.all_events if e.is_failure]

    def reconcile(self) -> tuple[dict[str, Any], dg.ExecuteInProcessResult]:
        result = r.reconcile(self.defs, self.instance)
        return r.report(result, "smartdok"), result


@pytest.fixture
def hub(sandbox: SandboxProcess, tmp_path: Path) -> Iterator[Hub]:
    yield Hub(sandbox, tmp_path)


def _paired_user(sandbox: SandboxProcess) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A 24SO employee and the one Smartdok user carrying its contact id, both as their systems have them."""
    staff = {str(p["Id"]): p for p in sandbox.control("GET", "24so/persons").json() if p.get("IsEmployee")}
    users = sandbox.control("GET", "smartdok/users").json()
    numbers = [u["EmployeeNo"] for u in users]
    user = next(u for u in users if u["EmployeeNo"] in staff and numbers.count(u["EmployeeNo"]) == 1)
    return user["EmployeeNo"], staff[user["EmployeeNo"]], user


def test_smartdok_pair_clean_then_hand_edits_on_each_side_are_named_and_fixed_by_s1_s2(hub, sandbox):
    hub.sync()
    meta, clean = hub.reconcile()
    assert meta["differences"] == 0, r.open_differences(hub.db, "smartdok")
    assert meta["employees_paired"] > 0 and meta["projects_paired"] > 0
    assert meta["employees_skipped_by_flow"] > 0  # S1's holds (twins, no e-mail): its own check lists them
    assert meta["employees_smartdok_own"] > 0  # users no 24SO employee claims: Smartdok's, left alone
    # 24SO: login, the four registers, one GetHours; Smartdok: users, projects, hours per 93-day window
    assert meta["requests_so24"] == 6
    assert meta["requests_smartdok"] == 2 + math.ceil(366 / 93)
    assert r.check_result(clean, "smartdok").passed

    key, person, user = _paired_user(sandbox)
    sandbox.control("POST", f"smartdok/users/{user['Id']}", json={"Name": "Typed In Smartdok"})
    _, edited = hub.reconcile()
    (row,) = r.open_differences(hub.db, "smartdok")
    assert (row.entity, row.key, row.field, row.kind, row.other_value) == (
        "employees", key, "Name", "field", "Typed In Smartdok",
    )  # fmt: skip
    assert row.so24_value == f"{person['FirstName']} {person['LastName']}"
    assert (
        not row.pending
        and "changed in Smartdok since S1 last wrote it (24SO did not change)" in row.explanation
    )
    assert "S1 writes Name=" in row.repair and f"to Smartdok {user['Id']}" in row.repair
    assert not r.check_result(edited, "smartdok").passed

    sandbox.control("PATCH", f"24so/persons/{key}", json={"LastName": "Renamed"})
    project = next(
        p
        for p in sandbox.control("GET", "24so/projects").json()
        if str(p["Id"])
        in {
            str(s["ProjectNumber"])
            for s in sandbox.control("GET", "smartdok/projects").json()
            if not s.get("IsOrder")
        }
    )
    sandbox.control("PATCH", f"24so/projects/{project['Id']}", json={"Name": "Renamed in 24SO"})
    hub.reconcile()
    rows = {(d.entity, d.key, d.field): d for d in r.open_differences(hub.db, "smartdok")}
    assert set(rows) == {("employees", key, "Name"), ("projects", str(project["Id"]), "ProjectName")}
    for d in rows.values():
        assert not d.pending and "extraction has not read it" in d.explanation
    assert rows["employees", key, "Name"].so24_value == f"{person['FirstName']} Renamed"

    hub.extract()
    hub.reconcile()
    rows = {(d.entity, d.key, d.field): d for d in r.open_differences(hub.db, "smartdok")}
    assert set(rows) == {("employees", key, "Name"), ("projects", str(project["Id"]), "ProjectName")}
    assert all(d.pending and "next run sends it" in d.explanation for d in rows.values())

    hub.sync()
    meta, result = hub.reconcile()
    assert meta["differences"] == 0 and r.check_result(result, "smartdok").passed


def test_a_project_made_while_s2_is_switched_off_is_explained_then_pending_then_created(
    hub, sandbox, tmp_path
):
    hub.sync()
    off = Hub(sandbox, tmp_path, {"S2": {"enabled": False}})
    project = sandbox.control("POST", "24so/projects", json={"Name": "Made while S2 is off"}).json()
    key = str(project["Id"])
    off.extract()
    meta, _ = off.reconcile()
    (row,) = r.open_differences(off.db, "smartdok")
    assert (row.entity, row.key, row.field, row.kind) == ("projects", key, "<record>", "only_in_so24")
    assert not row.pending and "S2 is switched off (flows.S2.enabled)" in row.explanation
    assert meta["kind_only_in_so24"] == 1 and meta["unexplained"] == 1

    meta, result = hub.reconcile()
    (row,) = r.open_differences(hub.db, "smartdok")
    assert row.pending and "staged and not sent yet; S2's next run creates it" in row.explanation
    assert "S2 creates it in Smartdok" in row.repair and "Made while S2 is off" in row.repair
    assert meta["pending"] == 1 and r.check_result(result, "smartdok").passed

    hub.sync()
    assert hub.reconcile()[0]["differences"] == 0
    assert any(str(p["ProjectNumber"]) == key for p in sandbox.control("GET", "smartdok/projects").json())


def test_hours_after_s3_agree_then_edits_deletions_and_unmarks_on_either_side_are_named(sandbox, tmp_path):
    hub = Hub(sandbox, tmp_path, {"S3": {"send_matching_while_mismatched": True}})
    hub.sync()
    hub.run(HOURS_JOB)
    meta, clean = hub.reconcile()
    assert meta["differences"] == 0, r.open_differences(hub.db, "smartdok")
    sent = tagged(sandbox)
    assert meta["hours_paired"] == meta["hours_so24"] == len(sent) > 3
    assert r.check_result(clean, "smartdok").passed

    hand, edited, untagged, unmarked = sorted(sent)[:4]
    so24_hand = sent[hand][0]
    sandbox.control("PATCH", f"24so/hours/{so24_hand['Id']}", json={"TotalHours": 0.25})
    sandbox.control("POST", f"smartdok/hours/{edited}/edit", json={"comment": "Edited after the transfer"})
    sandbox.control("PATCH", f"24so/hours/{sent[untagged][0]['Id']}", json={"Description": "tag removed"})
    with hub.resources["smartdok"].client() as smartdok:
        smartdok.unmark_exported_external([unmarked])
    # A tagged 24SO hour whose Smartdok hour is gone (the API deletes none: as after a delete in the UI)
    copied = {k: so24_hand[k] for k in ("ContactId", "ProjectId", "TypeOfWorkId", "SalaryTypeId", "StartTime", "StopTime")}
    orphan = sandbox.control("POST", "24so/hours", json={**copied, "Description": "Gone [Smartdok 99999]"}).json()
    hub.reconcile()
    rows = {(d.key, d.field): d for d in r.open_differences(hub.db, "smartdok")}
    assert set(rows) == {
        (str(hand), "TotalHours"), (str(edited), "Description"), (str(untagged), "<record>"),
        (str(unmarked), "ExportedExternal"), ("99999", "<record>"),
    }  # fmt: skip
    gone = rows["99999", "<record>"]
    assert (gone.kind, gone.so24_value) == ("missing_in_smartdok", f"24SO hour {orphan['Id']}")
    assert all(d.entity == "hours" and not d.pending for d in rows.values())
    total = rows[str(hand), "TotalHours"]
    assert (total.kind, total.so24_value) == ("field", "0.25")
    assert total.other_value == str(smartdok_hours(sandbox)[hand]["NetHours"]).rstrip("0").rstrip(".")
    assert "changed in 24SO since S3 last wrote it" in total.explanation
    description = rows[str(edited), "Description"]
    assert description.other_value == f"Edited after the transfer [Smartdok {edited}]"
    assert "edited in Smartdok since S3 last wrote it" in description.explanation
    assert rows[str(untagged), "<record>"].kind == "missing_in_so24"
    assert "unmarked in Smartdok by hand" in rows[str(unmarked), "ExportedExternal"].explanation

    hub.run(HOURS_JOB)  # S3 reads the Smartdok edit and sends it; the 24SO edit waits for a Smartdok change
    hub.reconcile()
    left = {(str(hand), "TotalHours"), (str(untagged), "<record>"), (str(unmarked), "ExportedExternal"),
            ("99999", "<record>")}  # fmt: skip
    assert {(d.key, d.field) for d in r.open_differences(hub.db, "smartdok")} == left
    sandbox.control("POST", f"smartdok/hours/{hand}/edit", json={"comment": "Checked again"})
    hub.run(HOURS_JOB)  # the edit makes S3 send the hour whole, its net hours over 24SO's hand edit
    hub.reconcile()
    assert {(d.key, d.field) for d in r.open_differences(hub.db, "smartdok")} == left - {(str(hand), "TotalHours")}


def test_ten_percent_faults_give_the_same_report(sandbox, tmp_path):
    hub = Hub(sandbox, tmp_path, {"S3": {"send_matching_while_mismatched": True}})
    hub.sync()
    hub.run(HOURS_JOB)
    key, _person, user = _paired_user(sandbox)
    sandbox.control("POST", f"smartdok/users/{user['Id']}", json={"Name": "Typed In Smartdok"})
    hour = min(tagged(sandbox))
    sandbox.control("PATCH", f"24so/hours/{tagged(sandbox)[hour][0]['Id']}", json={"TotalHours": 0.25})
    hub.reconcile()
    calm = [(d.entity, d.key, d.field, d.kind, d.so24_value, d.other_value, d.pending)
            for d in r.open_differences(hub.db, "smartdok")]  # fmt: skip
    assert {(e, k, f) for e, k, f, *_ in calm} == {("employees", key, "Name"), ("hours", str(hour), "TotalHours")}

    spec = {"rate": 0.1, "kinds": ["5xx", "limit", "drop", "malformed", "html"]}
    sandbox.control("POST", "24so/faults", json={**spec, "seed": 7})
    sandbox.control("POST", "smartdok/faults", json={**spec, "seed": 8})
    meta, _ = hub.reconcile()
    stormy = [(d.entity, d.key, d.field, d.kind, d.so24_value, d.other_value, d.pending)
              for d in r.open_differences(hub.db, "smartdok")]  # fmt: skip
    injected = {s: sandbox.control("GET", f"{s}/faults").json()["injected"] for s in ("24so", "smartdok")}
    sandbox.control("DELETE", "24so/faults")
    sandbox.control("DELETE", "smartdok/faults")
    assert stormy == calm
    assert sum(sum(kinds.values()) for kinds in injected.values()) > 0, injected
    assert meta["unexplained"] == 2
