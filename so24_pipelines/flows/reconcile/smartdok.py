"""The 24SO <-> Smartdok pair: S1 employees and S2 projects here, Smartdok's registers against what
S1/S2 would write now; S3's hours, the way back, in smartdok_hours.py.

Both flows key Smartdok by 24SO's id (seed 004): a user's EmployeeNo is the contact id, a project's
ProjectNumber the project id. So records pair as the flows pair them: S1/S2's id map (24SO id ->
Smartdok Id), then that number (ended users and inactive projects included, orders never: S2 never
takes an order's place). Smartdok has no field naming a 24SO record other than that number, so a
Smartdok record is only `missing_in_so24` when the id map links it; one no 24SO record claims
(an internal project, a subcontractor, a number typed otherwise) is Smartdok's own, counted.

What is compared is what the targets write, not the spec's raw paths: S1 writes one `Name`
("FirstName LastName", 50 characters, employee_target.user_name) and S2 writes dates as days in
Smartdok's zone, compared by day (project_target.smartdok_fields, day_of); S2's create_only fields
are never compared. Each side is put in that shape (`view`) only for the comparison: the pending
and repair logic (pending.py) still sees the spec's own payload, since that is what S1/S2 hash in
their id map (a view would never hash like their last write).

A record S1/S2 hold (a "held:" failed record: two users with one number, the same person under
another number, no e-mail for a new user, an order with the project's number) waits for a change
in Smartdok or 24SO, not for a tick: it is counted with the flow's skips, as S1/S2's own check
`no_failed_records` and S4's readiness already list it with what to change. That stays so while
the flow is switched off: its last answer for the record is still the reason it does not go.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from so24_pipelines.connectors.smartdok import SmartdokClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.reconcile.compare import Difference, EntityComparison, Sides, compare
from so24_pipelines.flows.reconcile.entities import EntityCheck, id_map
from so24_pipelines.flows.reconcile.pending import explain, fields_text
from so24_pipelines.flows.reconcile.report import PairReport
from so24_pipelines.flows.reconcile.run import keep
from so24_pipelines.flows.reconcile.sides import RequestCount, counted, so24_now
from so24_pipelines.flows.reconcile.smartdok_hours import compare_hours, read_hours
from so24_pipelines.flows.smartdok import employees, projects
from so24_pipelines.flows.smartdok.employee_target import user_name
from so24_pipelines.flows.smartdok.project_target import DATES, day_of, smartdok_fields
from so24_pipelines.mapping import load_spec
from so24_pipelines.settings import Settings
from so24_pipelines.sync import MappedRecord
from so24_pipelines.sync.failures import failed_records

SMARTDOK_TITLE = "24SO <-> Smartdok"
HELD = "held: "
EVERY_FAILURE = 1_000_000

Record = Mapping[str, Any]


def employee_view(payload: Record, tz: ZoneInfo) -> dict[str, Any]:
    """What S1 writes on a user it matched: EmployeeNo and the one Name it makes of the spec's names."""
    return {"EmployeeNo": payload.get("EmployeeNo"), "Name": user_name(payload)}


def project_view(payload: Record, tz: ZoneInfo) -> dict[str, Any]:
    """What S2 writes on a project it matched (no create_only field), its dates as Smartdok's days."""
    body = smartdok_fields(payload, tz, drop=load_spec(projects.SPEC).create_only_fields)
    return {**body, **{name: day_of(body.get(name)) for name in DATES}}


def _user_key(user: Record) -> str | None:
    return str(user.get("EmployeeNo") or "").strip() or None


def _project_key(project: Record) -> str | None:
    """An order's number is never a project's match (S2 holds a 24SO project whose number an order has)."""
    return None if project.get("IsOrder") else str(project.get("ProjectNumber") or "").strip() or None


def project_days(project: Record) -> dict[str, Any]:
    """A Smartdok project with its dates as days (a time of day in them is nobody's decision)."""
    return {**project, **{name: day_of(project.get(name)) for name in DATES}}


# S1's spec owns EmployeeNo, FirstName and LastName; the target writes the two names as one Name.
EMPLOYEES = EntityCheck(
    "smartdok", "employees", "S1", employees.FLOW, employees.SPEC, "persons", compared=("EmployeeNo", "Name")
)
# S2's are its spec's owned fields less the create_only ones, as for every other pair.
PROJECTS = EntityCheck("smartdok", "projects", "S2", projects.FLOW, projects.SPEC, "projects")
CHECKS: tuple[
    tuple[EntityCheck, Callable[[Record, ZoneInfo], dict[str, Any]], Callable[[Record], str | None]], ...
] = (
    (EMPLOYEES, employee_view, _user_key),
    (PROJECTS, project_view, _project_key),
)


def smartdok_now(client: SmartdokClient, entity: str) -> list[dict[str, Any]]:
    """Smartdok's whole register as S1/S2 match against it (each one call: the API does not page them)."""
    if entity == "employees":
        return list(employees.user_register(client).records)
    return [project_days(p) for p in projects.project_register(client).records]


def holds(db_path: str, flow: str) -> dict[str, str]:
    """24SO key -> reason of each record the flow holds for a change in Smartdok or 24SO."""
    return {key: reason for _f, key, reason, _n in failed_records(db_path, [flow], limit=EVERY_FAILURE)
            if HELD in reason}  # fmt: skip


def smartdok_sides(
    mapped: dict[str, MappedRecord],
    view: Callable[[Record], dict[str, Any]],
    register: list[dict[str, Any]],
    business_key: Callable[[Record], str | None],
    linked: Mapping[str, str],
    held: Mapping[str, str],
) -> Sides:
    """The 24SO side in the targets' shape, keyed by the number the flow matches on; a held record
    carries its hold as its skip reason."""
    so24 = {
        key: MappedRecord(key, view(r.payload), str(r.business_key or key), r.skip_reason or held.get(key))
        for key, r in mapped.items()
    }  # fmt: skip
    return Sides(
        so24=so24,
        other={str(r["Id"]): r for r in register},
        linked=linked,
        holder=lambda _record: None,
        business_key=business_key,
    )


def _as_the_flow_maps(
    comparison: EntityComparison, mapped: dict[str, MappedRecord]
) -> dict[str, dict[str, Any]]:
    """Swap the views for the spec's payloads (what S1/S2 hash and send); the views are returned."""
    views = {key: payload for key, (_target, payload) in comparison.payloads.items()}
    comparison.payloads = {
        key: (target, dict(mapped[key].payload)) for key, (target, _view) in comparison.payloads.items()
    }
    return views


def _repair_in_view(
    found: list[Difference], views: Mapping[str, dict[str, Any]], mapped: dict[str, MappedRecord]
) -> list[Difference]:
    """A field repair names the fields as the target writes them (Name, days), not the spec's paths."""
    fields: dict[str, list[str]] = {}
    for d in found:
        if d.kind == "field":
            fields.setdefault(d.key, []).append(d.field)
    out = []
    for d in found:
        if d.kind == "field" and d.repair and d.key in views:
            spec_text = fields_text(mapped[d.key].payload, fields[d.key])
            d = replace(d, repair=d.repair.replace(spec_text, fields_text(views[d.key], fields[d.key]), 1))
        out.append(d)
    return out


def reconcile_smartdok(
    run: RunContext, settings: Settings, so24: So24Client, smartdok: SmartdokClient, identity: str
) -> PairReport:
    report = PairReport("smartdok", SMARTDOK_TITLE, "smartdok", identity)
    so24_calls, smartdok_calls = RequestCount(), RequestCount()
    registers = ("persons", "projects", "work_types", "salary_types")  # the last two: S3's mapping
    with so24_now(so24, identity, registers, so24_calls) as now:
        for check, view, business_key in CHECKS:
            with counted(smartdok, smartdok_calls):
                register = smartdok_now(smartdok, check.name)
            enabled = settings.flow(check.flow_id).enabled
            mapped = check.map(now, identity)
            links = {
                k: row.target_key for k, row in id_map(run.db_path, check.flow).items() if row.target_key
            }
            held = holds(str(run.db_path), check.flow)
            sides = smartdok_sides(
                mapped, lambda p, view=view: view(p, smartdok.tz), register, business_key, links, held
            )
            comparison = compare(check.name, "smartdok", sides, check.owned, others_are_differences=False)
            views = _as_the_flow_maps(comparison, mapped)
            report.comparisons.append(comparison)
            found = explain(
                check, comparison, enabled=enabled, back_allowed=False, db_path=run.db_path, identity=identity,
                other_title="Smartdok",
            )  # fmt: skip
            report.differences += _repair_in_view(found, views, mapped)
        last = datetime.now(smartdok.tz).date()
        first = last - timedelta(days=settings.flows.S3.edit_lookback_days - 1)
        hour_sides = read_hours(smartdok, so24, first, last, (so24_calls, smartdok_calls))
        hours, hour_differences = compare_hours(settings, now, run.db_path, identity, hour_sides, smartdok.tz)
        report.comparisons.append(hours)
        report.differences += hour_differences
    report.requests = {"so24": so24_calls.n, "smartdok": smartdok_calls.n}
    return keep(run, report)
