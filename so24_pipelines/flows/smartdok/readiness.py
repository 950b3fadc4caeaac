"""S4 readiness: every mismatch between Smartdok and the paired 24SO company, before hours move.

Smartdok's 24SO guide (seed 004): the hub matches by ids, IDs cannot change in 24SO, so the user
aligns Smartdok. This report compares the four keys register by register and says, for each
mismatch, what to change in Smartdok:

- employees: a 24SO employee no Smartdok user carries as EmployeeNo (S1 creates one, unless the
  person is there under another number: then renumber), and a Smartdok user whose EmployeeNo is
  no 24SO employee's contact id (or empty, or carried twice);
- projects: the same for project numbers and 24SO project ids (S2 creates the missing ones);
- activities: an activity whose code (Kode, `Number`) is no 24SO work type id, and a 24SO work
  type no activity carries;
- wage types: a wage type whose code is no 24SO salary type id, and a 24SO salary type no wage
  type carries.

A mismatch *blocks* when approved hours not yet transferred use it (staging.smartdok_hours, as S3
last read it): S3 holds exactly those hours, each with its reason, and by default sends nothing
while one is held (hours.ReadinessWait; flows.S3.send_matching_while_mismatched sends the rest).
The others are reported so the user can fix them before an hour uses them. It reads Smartdok's registers and
24SO's staged ones (E5, E6, E7) and writes nothing anywhere but its own verdict (sync.state), which
the asset check `smartdok_ready` reads.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from so24_pipelines.connectors.smartdok import AttestationLevel, SmartdokClient
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.flows.smartdok.hours import attested_sql
from so24_pipelines.flows.smartdok.hours_staging import ensure_tables
from so24_pipelines.flows.smartdok.register import normalised
from so24_pipelines.flows.smartdok.tables import HOURS
from so24_pipelines.flows.tables import ensure_tables_of
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync import flow_key
from so24_pipelines.sync.schema import ensure_sync_schema, sync_schema_exists
from so24_pipelines.sync.state import get_state, set_state

FLOW = flow_key("S4")
LISTED = 100


@dataclass(frozen=True)
class Mismatch:
    """One thing to align: which register, the record, its key, what is wrong, what to do, hours held."""

    register: str
    record: str
    key: str
    problem: str
    fix: str
    hours: int = 0

    @property
    def blocking(self) -> bool:
        return self.hours > 0


@dataclass(frozen=True)
class So24Side:
    """The paired 24SO company's ids and names, as staged (E5, E6, E7)."""

    employees: dict[str, str]
    projects: dict[str, str]
    work_types: dict[str, str]
    salary_types: dict[str, str]


def so24_side(db_path: str | Path, identity: str) -> So24Side:
    queries = {
        "employees": "SELECT CAST(id AS VARCHAR), trim(concat_ws(' ', first_name, last_name)) FROM staging.so24_persons",
        "projects": "SELECT CAST(id AS VARCHAR), name FROM staging.so24_projects",
        "work_types": "SELECT CAST(id AS VARCHAR), name FROM staging.so24_work_types",
        "salary_types": "SELECT CAST(id AS VARCHAR), name FROM staging.so24_salary_types",
    }
    found: dict[str, dict[str, str]] = {}
    with connect(db_path) as con:
        for name, sql in queries.items():
            rows = con.execute(f"{sql} WHERE identity = ?", [identity]).fetchall()
            found[name] = {key: value or "" for key, value in rows}
    return So24Side(**found)


def held_hours(db_path: str | Path, identity: str, level: AttestationLevel | None) -> dict[str, Counter[str]]:
    """Approved hours not yet exported externally, counted per key as Smartdok writes it."""
    counts: dict[str, Counter[str]] = {}
    columns = {"employees": "employee_no", "projects": "project_number", "activities": "activity_code",
               "wages": "wage_code"}  # fmt: skip
    with connect(db_path) as con:
        for register, column in columns.items():
            rows = con.execute(
                f"SELECT normalised, count(*) FROM (SELECT lower(trim(coalesce({column}, ''))) AS normalised "  # noqa: S608
                f"FROM {HOURS.qualified} WHERE identity = ? AND {attested_sql(level)} "
                "AND NOT coalesce(exported_external, false)) GROUP BY normalised",
                [identity],
            ).fetchall()
            counts[register] = Counter({key: n for key, n in rows})
    return counts


@dataclass(frozen=True)
class Side:
    """One register compared: Smartdok's records and the 24SO ids they must carry, and how to word it."""

    register: str
    smartdok_noun: str
    smartdok_plural: str
    key_name: str
    so24_noun: str
    so24_id: str
    where: str
    unmatched_so24: str


SIDES = {
    "employees": Side("employees", "user", "users", "EmployeeNo (Ansattnummer)", "employee", "contact id",
                      "Firmaopplysninger > Brukeroversikt", "no Smartdok user carries it: S1 creates one"),
    "projects": Side("projects", "project", "projects", "project number (Pro.Nr)", "project", "project id",
                     "Prosjektoversikt > Detaljer > Nummer", "no Smartdok project carries it: S2 creates one"),
    "activities": Side("activities", "activity", "activities", "Kode", "work type", "work type id",
                       "Firmaopplysninger > Aktiviteter",
                       "no Smartdok activity has it as Kode: hours cannot use this work type"),
    "wages": Side("wages", "wage type", "wage types", "Kode", "salary type", "salary type id", "Firmaopplysninger > Lønnsarter",
                  "no Smartdok wage type has it as Kode: hours cannot use this salary type"),
}  # fmt: skip


def compare(
    side: Side, records: Iterable[tuple[str, Any]], so24: Mapping[str, str], hours: Counter[str]
) -> list[Mismatch]:
    """The mismatches of one register. `records`: (Smartdok name, key) of every Smartdok record."""
    out: list[Mismatch] = []
    listed = list(records)
    keys = Counter(normalised(key) for _, key in listed if normalised(key))
    by_name = {normalised(name): key for key, name in so24.items() if normalised(name)}
    carried = set(keys)
    named: set[str] = set()  # 24SO ids a Smartdok record was told to take: not listed again from 24SO's side
    for name, key in listed:
        text = "" if normalised(key) == "" else str(key).strip()
        if not text:
            problem = f"has no {side.key_name}"
        elif keys[normalised(key)] > 1:
            problem = f"{side.key_name} {text!r} is carried by {keys[normalised(key)]} Smartdok {side.smartdok_plural}"
        elif text not in so24:
            problem = f"{side.key_name} {text!r} is no 24SO {side.so24_id}"
        else:
            continue
        twin = by_name.get(normalised(name))
        if twin is not None and twin not in carried:
            named.add(twin)
            fix = f"set its {side.key_name} to {twin}, the id of the 24SO {side.so24_noun} {so24[twin]!r} ({side.where})"
        else:
            fix = f"if it stands for a 24SO {side.so24_noun}, set its {side.key_name} to that {side.so24_id} ({side.where})"
        held = hours.get(normalised(key), 0)
        out.append(Mismatch(side.register, f"Smartdok {side.smartdok_noun} {name!r}", text or "(none)", problem, fix, held))
    for key, name in sorted(so24.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0):
        if normalised(key) not in carried and key not in named:
            out.append(Mismatch(side.register, f"24SO {side.so24_noun} {name!r}", key,
                                f"{side.so24_id} {key}: {side.unmatched_so24}",
                                f"if Smartdok has it under another {side.key_name}, change that to {key} "
                                f"({side.where})"))  # fmt: skip
    return out


@dataclass(frozen=True)
class Readiness:
    mismatches: tuple[Mismatch, ...]
    held: int

    @property
    def blocking(self) -> list[Mismatch]:
        return [m for m in self.mismatches if m.blocking]

    def table(self) -> str:
        if not self.mismatches:
            return "none: every key matches"
        ordered = sorted(self.mismatches, key=lambda m: (not m.blocking, m.register))
        lines = ["| register | record | key | problem | what to change in Smartdok | approved hours held |",
                 "|---|---|---|---|---|---|"]  # fmt: skip
        for m in ordered[:LISTED]:
            cells = (m.register, m.record, m.key, m.problem, m.fix, str(m.hours))
            lines.append("| " + " | ".join(" ".join(c.split()).replace("|", "/") for c in cells) + " |")
        if len(ordered) > LISTED:
            lines.append(f"| … | {len(ordered) - LISTED} more | | | | |")
        return "\n".join(lines)

    def notes(self) -> dict[str, str | int]:
        per = Counter(m.register for m in self.mismatches)
        return {
            "ready": "yes" if not self.blocking else "no",
            "mismatches": len(self.mismatches),
            "blocking": len(self.blocking),
            **{f"mismatched_{name}": per.get(name, 0) for name in SIDES},
            "approved_hours_held": self.held,
            "mismatch_list": self.table(),
        }


def readiness(
    client: SmartdokClient, db_path: str | Path, identity: str, level: AttestationLevel | None
) -> Readiness:
    """Compare the four registers (module doc); Smartdok's are read now, 24SO's from staging."""
    ensure_tables(db_path)
    with transaction(db_path) as con:
        ensure_tables_of(con, "so24")  # 24SO's staging tables, empty until E5-E7 run: then everything is a mismatch
    so24 = so24_side(db_path, identity)
    hours = held_hours(db_path, identity, level)
    users = [(u.get("Name") or u.get("UserName") or u.get("Id"), u.get("EmployeeNo"))
             for u in client.list_users(include_ended=True) if not u.get("IsDeleted")]  # fmt: skip
    projects = [(p.get("ProjectName"), p.get("ProjectNumber")) for p in client.list_projects(include_inactive=True)]
    activities = [(a.get("Name"), a.get("Number")) for a in client.list_activities()]
    wages = [(w.get("Name"), w.get("Number")) for w in client.list_wages()]
    found = [
        *compare(SIDES["employees"], users, so24.employees, hours["employees"]),
        *compare(SIDES["projects"], projects, so24.projects, hours["projects"]),
        *compare(SIDES["activities"], activities, so24.work_types, hours["activities"]),
        *compare(SIDES["wages"], wages, so24.salary_types, hours["wages"]),
    ]
    with connect(db_path) as con:
        held = con.execute(
            f"SELECT count(*) FROM {HOURS.qualified} h WHERE identity = ? AND {attested_sql(level)} "  # noqa: S608
            "AND NOT coalesce(exported_external, false) AND (h.so24_contact_id IS NULL OR h.so24_project_id IS NULL "
            "OR h.so24_work_type_id IS NULL OR h.so24_salary_type_id IS NULL "
            "OR h.so24_contact_id NOT IN (SELECT id FROM staging.so24_persons WHERE identity = h.identity) "
            "OR h.so24_project_id NOT IN (SELECT id FROM staging.so24_projects WHERE identity = h.identity) "
            "OR h.so24_work_type_id NOT IN (SELECT id FROM staging.so24_work_types WHERE identity = h.identity) "
            "OR h.so24_salary_type_id NOT IN (SELECT id FROM staging.so24_salary_types WHERE identity = h.identity))",
            [identity],
        ).fetchone()[0]
    return Readiness(tuple(found), int(held))


def state_key(identity: str) -> str:
    return f"smartdok/{identity}/readiness"


def report(
    client: SmartdokClient, db_path: str | Path, identity: str, level: AttestationLevel | None, dry_run: bool
) -> FlowRun:
    """S4's run: the report as notes, and its verdict kept for the check `smartdok_ready`."""
    found = readiness(client, db_path, identity, level)
    verdict = {"blocking": len(found.blocking), "mismatches": len(found.mismatches),
               "first": [asdict(m) for m in found.blocking[:5]]}  # fmt: skip
    with transaction(db_path) as con:
        ensure_sync_schema(con)
        set_state(con, state_key(identity), json.dumps(verdict))
    return FlowRun(flow=FLOW, dry_run=dry_run, notes=found.notes())


def verdict(db_path: str | Path, identity: str) -> dict[str, Any] | None:
    """The last report's verdict, or None before the first."""
    with connect(db_path) as con:
        raw = get_state(con, state_key(identity)) if sync_schema_exists(con) else None
    return json.loads(raw) if raw else None
