"""Collateral damage for Smartdok (issue 11): S1, S2 and S3 change what they own, and nothing else.

The same method as test_collateral_damage.py, with Smartdok connected (to 24SO company 1) and the
other systems off: the sandboxes start from their seeded state and the whole hub
(`build_definitions(settings)`, in process) runs as its schedules would: a first tick
(`so24_incremental`, `smartdok_sync`, `smartdok_hours`) and the user's backfill of S3 over the
seeded hours (launched with from_date/to_date, as from the UI), then three ticks, each preceded by
users' actions in Smartdok and 24SO:

1. Smartdok's administrator follows the readiness report: Emma Johansen and Sindre Andersen get
   their contact ids as Ansattnummer, project "P-3" its 24SO id, the activity "Intern tid" its work
   type id as Kode (all held S1, S2 or S3 back); an employee registers an hour
   today and the administrator approves it; another is registered and left unapproved; a 24SO user
   renames an employee;
2. the foreman changes the end of a transferred hour, the administrator approves the waiting one;
   a 24SO user renames a project;
3. the administrator approves an hour on a wage type whose code is no 24SO id (held back), and a
   24SO user adds a salary type.

Every window is a diff of whole-system snapshots (systems.py) of 24SO (both companies, and 24SO's
hours), Smartdok, Rackbeat, Ongoing, LNB and Netvisor, and every change of a hub tick is held to
systems.Rules: explained by a `sync.sync_log` write of that tick of a flow owning the field (S1:
a user's EmployeeNo and Name; S2: a project's number, name and dates; S3: the 24SO hour it adds or
updates; S3.mark: the Smartdok hour's export flag), or derived by the system from such a change;
no value becomes null, nothing is removed. Then the end state: every approved hour whose codes
match is in 24SO exactly once and marked in Smartdok, held ones are in neither, nothing twice.

The same run with 10 % injected faults on 24SO and Smartdok (the hub's calls only; failed records
retry on later ticks, two clean ticks at the end) ends in the fault-free run's end state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from so24_pipelines.defs.smartdok.resources import SmartdokResource
from so24_pipelines.settings import Settings
from so24_pipelines_tests.safety import scenario as sc
from so24_pipelines_tests.safety import systems
from so24_pipelines_tests.safety.hub import FastRackbeat, Hub
from so24_pipelines_tests.safety.scenario import Scenario, check
from so24_pipelines_tests.safety.user import User
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.safety

SETTINGS = {"smartdok": {"enabled": True},
            "flows": {"X7": {"enabled": False}, "S3": {"send_matching_while_mismatched": True}}}
WATCHED = (*systems.REGISTERS, "24so-2", "smartdok", "24so-time")
BACKFILL = {"ops": {"s3_hours_to_so24": {"config": {"from_date": "2025-11-01", "to_date": "2026-06-30"}}}}
TAG = "[Smartdok "


class SmartdokHub(Hub):
    """The whole hub with Smartdok connected: the extraction, then S1/S2 and S3/S4, as their schedules run them."""

    SCHEDULE_ORDER = ("so24_incremental", "smartdok_sync", "smartdok_hours")

    def _resources(self, settings: Settings, rackbeat: type[FastRackbeat]) -> dict[str, Any]:
        sd = self.sandbox.control("GET", "smartdok/credentials").json()
        return {
            **super()._resources(settings, rackbeat),
            "smartdok": SmartdokResource(base_url=sd["baseUrl"], api_token=sd["apiToken"],
                                         requests_per_minute=60_000, backoff_seconds=0.01, max_retries=8),
        }  # fmt: skip


def hours_in_24so(snap: systems.Snapshot) -> dict[int, list[str]]:
    """24SO hour ids by the Smartdok hour their tag names (two would be a duplicate)."""
    out: dict[int, list[str]] = {}
    for key, hour in snap["24so-time"]["hours"].items():
        text = str(hour.get("Description") or "")
        if TAG in text:
            out.setdefault(int(text.rsplit(TAG, 1)[1].rstrip("] ")), []).append(key)
    return out


def _digits(value: Any) -> str | None:
    text = str(value or "").strip()
    return str(int(text)) if text.isdigit() else None


def approved(snap: systems.Snapshot) -> tuple[set[int], set[int]]:
    """(approved hours whose four codes are 24SO ids, approved hours with a code that is not), by seed 004."""
    so24 = snap["24so-time"]
    employees = {k for k, p in so24["persons"].items() if p.get("IsEmployee")}
    send, hold = set(), set()
    for key, hour in snap["smartdok"]["hours"].items():
        if hour.get("AdminAttested") is not True:
            continue
        if hour.get("ExportedExternal") and not str(hour.get("ExportedExternalId") or "").startswith("so24hub-"):
            continue  # exported to another system before the hub: not S3's
        ok = (_digits(hour.get("EmployeeNo")) in employees and _digits(hour.get("ProjectNumber")) in so24["projects"]
              and _digits(hour.get("WorkDescriptionCode")) in so24["work_types"]
              and _digits(hour.get("WageCode")) in so24["salary_types"])  # fmt: skip
        (send if ok else hold).add(int(key))
    return send, hold


class SmartdokUsers(Scenario):
    """Smartdok's administrator, foreman and employees, and a 24SO user, around S1-S3 at their seed defaults."""

    def _hour(self, user: User, snap: systems.Snapshot, **body: Any) -> int:
        sample = next(h for h in snap["smartdok"]["hours"].values()
                      if str(h.get("ExportedExternalId") or "").startswith("so24hub-"))  # fmt: skip
        codes = {"employeeNo": sample["EmployeeNo"], "projectNumber": sample["ProjectNumber"],
                 "activityNumber": sample["WorkDescriptionCode"], "wageNumber": sample["WageCode"]}  # fmt: skip
        return int(user.control("POST", "smartdok/hours", {**codes, **body})["WorkHourID"])

    def act(self, user: User, tick: int, snap: systems.Snapshot) -> None:
        m = self.made
        sd = snap["smartdok"]
        if tick == 1:
            # The administrator follows S4's report: the users and the project numbered otherwise.
            emma = next(k for k, u in sd["users"].items() if u.get("EmployeeNo") == "8")
            user.control("POST", f"smartdok/users/{emma}", {"EmployeeNo": "5008"})
            sindre = next(k for k, u in sd["users"].items() if u.get("Name") == "Sindre Andersen")
            user.control("POST", f"smartdok/users/{sindre}", {"EmployeeNo": "5009"})
            p3 = next(k for k, p in sd["projects"].items() if p.get("ProjectNumber") == "P-3")
            user.control("POST", f"smartdok/projects/{p3}", {"ProjectNumber": "3"})
            activity = next(k for k, a in sd["activities"].items() if a.get("Number") == "INT")
            user.control("POST", f"smartdok/activities/{activity}", {"Number": "5"})
            m["today"] = self._hour(user, snap, **{"from": "07:00", "to": "15:00", "comment": "Ny time i dag"})
            user.control("POST", f"smartdok/hours/{m['today']}/attest", {"levels": ["foreman", "admin"]})
            m["waiting"] = self._hour(user, snap, **{"from": "15:30", "to": "18:00", "comment": "Overtid"})
            person = next(k for k, p in sorted(snap["24so-time"]["persons"].items()) if p.get("IsEmployee"))
            user.so24_edit("persons", int(person), LastName="Endretsen")
            m["renamed"] = person
        elif tick == 2:
            sent = sorted(hours_in_24so(snap))
            m["edited"] = sent[0]
            user.control("POST", f"smartdok/hours/{m['edited']}/edit", {"to": "16:00"})
            user.control("POST", f"smartdok/hours/{m['waiting']}/attest", {"levels": ["admin"]})
            project = next(k for k, p in sorted(snap["24so-time"]["projects"].items()) if k in
                           {str(x.get("ProjectNumber")) for x in sd["projects"].values()})  # fmt: skip
            user.so24_edit("projects", int(project), Name="Omdøpt prosjekt")
            m["project"] = project
        elif tick == 3:
            wage = next(w for w in sd["wages"].values() if w.get("Number") == "40")
            m["held"] = self._hour(user, snap, **{"from": "08:00", "to": "09:00", "wageId": wage["Id"]})
            user.control("POST", f"smartdok/hours/{m['held']}/attest", {"levels": ["admin"]})
            user.control("POST", "24so/salary_types", {"Name": "Helligdagstillegg"})

    def expect(self, snap: systems.Snapshot) -> list[str]:
        m, out = self.made, []
        in_24so = hours_in_24so(snap)
        send, hold = approved(snap)
        sd = snap["smartdok"]["hours"]
        for key in send:
            check(out, len(in_24so.get(key, [])) == 1, f"S3: Smartdok hour {key} once in 24SO (found {in_24so.get(key)})")
            check(out, sd[str(key)].get("ExportedExternal") is True, f"S3.mark: Smartdok hour {key} marked")
        for key in hold:
            check(out, key not in in_24so, f"S3: hour {key} (a code is no 24SO id) held back")
            check(out, sd[str(key)].get("ExportedExternal") is not True or
                   not str(sd[str(key)].get("ExportedExternalId") or "").startswith("so24hub-"),
                   f"S3: held hour {key} not marked by the hub")  # fmt: skip
        check(out, set(in_24so) <= send, f"S3: only approved matching hours in 24SO ({set(in_24so) - send})")
        check(out, {m["today"], m["waiting"]} <= send and m["held"] in hold, "the users' hours as planned")
        (edited,) = in_24so[m["edited"]]
        check(out, snap["24so-time"]["hours"][edited]["StopTime"][11:16] in ("14:00", "15:00"),
               f"S3: the foreman's new end of hour {m['edited']} applied in 24SO")  # fmt: skip
        users = {u.get("EmployeeNo"): u for u in snap["smartdok"]["users"].values()}
        check(out, users.get("5008", {}).get("Name") == "Emma Johansen", "S1: Emma linked under 5008, not doubled")
        renamed = users.get(m["renamed"], {})
        check(out, str(renamed.get("Name", "")).endswith("Endretsen"), f"S1: 24SO's new name of {m['renamed']}")
        projects = {p.get("ProjectNumber"): p for p in snap["smartdok"]["projects"].values()}
        check(out, projects.get(m["project"], {}).get("ProjectName") == "Omdøpt prosjekt", "S2: 24SO's new project name")
        return out


def end_state(snap: systems.Snapshot) -> dict[str, Any]:
    """What S1-S3 leave, without ids and times a run chooses (24SO hour ids, batch ids, write times)."""
    hours = {
        key: sorted(tuple(sorted((k, v) for k, v in snap["24so-time"]["hours"][h].items()
                                 if k not in ("Id", "DateChanged"))) for h in found)  # fmt: skip
        for key, found in hours_in_24so(snap).items()
    }
    marks = {k: (h.get("ExportedExternal"), str(h.get("ExportedExternalId") or "")[:8])
             for k, h in snap["smartdok"]["hours"].items()}  # fmt: skip
    users = sorted((u.get("EmployeeNo") or "", u.get("Name")) for u in snap["smartdok"]["users"].values())
    projects = sorted((p.get("ProjectNumber"), p.get("ProjectName")) for p in snap["smartdok"]["projects"].values())
    return {"24so hours": hours, "smartdok marks": marks, "users": users, "projects": projects}


def run_smartdok_scenario(sandbox: SandboxProcess, tmp: Path, scenario: Scenario, *, faults: bool) -> sc.Outcome:
    """The run, faults (when on) on the hub's calls to 24SO and Smartdok."""
    sandbox.control("POST", "24so/limits", json={"per_hour": 1_000_000})
    hub = SmartdokHub(sandbox, tmp, Settings.model_validate(SETTINGS))
    start = [("first tick", hub.tick), ("backfill", lambda: hub.run("smartdok_hours", run_config=BACKFILL))]
    return sc.run(sandbox, hub, scenario, start=start, faulted=("24so", "smartdok"), faults=faults, watched=WATCHED)


def rules(*, faults: bool) -> systems.Rules:
    return sc.rules_for(Settings.model_validate(SETTINGS), faults=faults)


def test_s1_s3_change_only_what_they_own_across_user_actions_in_smartdok_and_24so(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    scenario = SmartdokUsers()
    outcome = run_smartdok_scenario(sandbox, tmp_path, scenario, faults=False)
    sc.assert_changes_only_owned(
        "Smartdok collateral", outcome, rules(faults=False), scenario, more_than=50, systems_changed={"smartdok", "24so-time"}
    )


def test_s1_s3_with_ten_percent_faults_on_24so_and_smartdok_end_in_the_fault_free_state(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """Failed records retry on later ticks; nothing is sent twice (one 24SO hour per Smartdok hour)."""
    clean, faulty, scenario = sc.clean_then_faulty(sandbox, tmp_path, run_smartdok_scenario, SmartdokUsers)
    sc.assert_settles_as_clean(
        "Smartdok collateral with 10 % faults", clean, faulty, rules(faults=True), scenario, end_state
    )
