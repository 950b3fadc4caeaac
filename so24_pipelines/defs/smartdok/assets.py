"""S1 and S2 as Dagster assets (group "smartdok"), built from the one flow template.

- `s1_employees_to_smartdok` (S1): the paired 24SO company's staged employees as Smartdok users
  (EmployeeNo = contact id); reports counts, the plan preview, the holds with what to change in
  Smartdok, and the Smartdok users no 24SO employee claims (`smartdok_only_list`).
- `s2_projects_to_smartdok` (S2): the staged projects as Smartdok projects (number = project id);
  the same report for projects.
- `s3_hours_to_so24` (S3): approved Smartdok hours as 24SO hours, then marked exported in
  Smartdok; reports the hours held with what to change in Smartdok, the batch id and the period.
  By default it waits while S4 would list a blocking mismatch: nothing is sent, the note
  `readiness` and every skipped hour say why (flows.S3.send_matching_while_mismatched opts out).
  Its run config takes `from_date` / `to_date` (ISO days): the backfill of older hours, read in
  93-day windows, launched from the UI (*Jobs > smartdok_hours > Launchpad*).
- `s4_smartdok_readiness` (S4): every mismatch of employees, projects, activity and wage codes
  between Smartdok and the paired 24SO company, with what to change in Smartdok and how many
  approved hours each holds back (the look-back's pending hours, read by S4 itself, and whatever
  S3 staged, a backfill's too); check `smartdok_ready` (WARN while a mismatch holds hours back).
  It follows S3 in `smartdok_hours`, so the report says what this very tick held.
- Check `no_failed_records` on S1-S3: red while a record waits in the failed records (a hold
  included: it needs a change in Smartdok or 24SO), with the reasons.
- `flows.S1|S2.dry_run` (or `dry_run: true` in one run's config) previews: the plan, nothing sent.

Both share the pool "smartdok_api". They need the "smartdok" resource (defs/smartdok/definitions.py)
and "so24" and "staging" (the main Definitions); "so24" is asked which company Smartdok is paired
with and, for S1, only when a user must be created, for the employees' e-mail: nothing is written
to 24SO.
"""

from collections.abc import Callable
from datetime import date

import dagster as dg
from pydantic import Field

from so24_pipelines.connectors.errors import ConfigError
from so24_pipelines.connectors.so24 import reads
from so24_pipelines.defs.flow_asset import FlowAsset, FlowConfig, flow_asset
from so24_pipelines.defs.resources import So24Resource
from so24_pipelines.defs.smartdok.resources import SmartdokResource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.pairing import use_identity
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.flows.smartdok import employees, hours, projects, readiness
from so24_pipelines.flows.smartdok.employee_target import Contacts
from so24_pipelines.flows.smartdok.hours_staging import period, read_pending
from so24_pipelines.settings import Settings
from so24_pipelines.sync.schema import utcnow

GROUP = "smartdok"
SYSTEM = "smartdok"
KINDS = frozenset({"rest", "duckdb"})
S1_ASSET = "s1_employees_to_smartdok"
S2_ASSET = "s2_projects_to_smartdok"
S3_ASSET = "s3_hours_to_so24"
S4_ASSET = "s4_smartdok_readiness"
HOUR_DEPS = ("so24_persons", "so24_projects", "so24_work_types", "so24_salary_types")

ASSETS: dict[str, FlowAsset] = {
    spec.name: spec
    for spec in (
        FlowAsset(
            name=S1_ASSET, flow="S1", system=SYSTEM, group=GROUP, kinds=KINDS,
            description="S1 - the paired 24SO company's employees as Smartdok users, matched by EmployeeNo "
            "(Ansattnummer) = 24SO contact id; unmatched ones created, matched ones get their Name. A Smartdok "
            "user under another number with the employee's e-mail is held, not doubled.",
            deps=("so24_persons",), owns=(employees.FLOW,), specs=(employees.SPEC,), resources=("smartdok", "so24"),
        ),
        FlowAsset(
            name=S2_ASSET, flow="S2", system=SYSTEM, group=GROUP, kinds=KINDS,
            description="S2 - the paired 24SO company's projects as Smartdok projects, matched by project "
            "number = 24SO project id; unmatched ones created, matched ones get name and dates. Tasks and "
            "sub-projects are not transferred.",
            deps=("so24_projects",), owns=(projects.FLOW,), specs=(projects.SPEC,), resources=("smartdok", "so24"),
        ),
        FlowAsset(
            name=S4_ASSET, flow="S4", system=SYSTEM, group=GROUP, kinds=KINDS,
            description="S4 - readiness: every mismatch between Smartdok and the paired 24SO company (employees "
            "by EmployeeNo, projects by number, activity codes vs work types, wage codes vs salary types), with "
            "what to change in Smartdok (IDs cannot change in 24SO) and the approved hours each one holds back.",
            deps=(*HOUR_DEPS, S3_ASSET), resources=("smartdok", "so24"),
        ),
        FlowAsset(
            name=S3_ASSET, flow="S3", system=SYSTEM, group=GROUP, kinds=KINDS,
            description="S3 - approved Smartdok hours as 24SO hours (EmployeeNo = contact id, project number = "
            "project id, activity code = work type id, wage code = salary type id), added once (the Smartdok id "
            "is tagged in Description), then marked exported in Smartdok with a batch id. An hour whose codes "
            "do not match is held with its reason; while one is, S3 waits for readiness and sends nothing (note "
            "`readiness`: 'waiting for readiness: N blocking mismatches (see S4)'), unless "
            "flows.S3.send_matching_while_mismatched lets the matching hours go. Counts are hours; the marks "
            "are `marked` / `mark_failed`. Backfill: from_date/to_date in the run config.",
            deps=HOUR_DEPS, owns=(hours.FLOW, hours.MARK_FLOW), specs=(hours.SPEC,), resources=("smartdok", "so24"),
        ),
    )
}  # fmt: skip


class HoursConfig(FlowConfig):
    """S3's run config: the dry run, and the days of a backfill (empty: the scheduled look-back)."""

    from_date: str | None = Field(
        default=None, description="Backfill: first day (YYYY-MM-DD) of approved hours to transfer; read in "
        "93-day windows. Empty: the last flows.S3.lookback_days.",
    )  # fmt: skip
    to_date: str | None = Field(default=None, description="Backfill: last day (YYYY-MM-DD); empty: today.")


def _day(value: str | None, name: str) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(f"run config {name}: {value!r} is not a day (YYYY-MM-DD)") from None


def _contacts(so24: So24Resource, identity: str) -> Callable[[], Contacts]:
    """The employees' e-mail and mobile, read from 24SO (a login) only when S1 must create a user."""

    def read() -> Contacts:
        with so24.client() as client:
            use_identity(client, identity, SYSTEM)
            return reads.employee_contacts(client)

    return read


def _s1(chosen: str | None) -> Callable[[dg.AssetExecutionContext, RunContext], list[FlowRun]]:
    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        so24: So24Resource = context.resources.so24
        smartdok: SmartdokResource = context.resources.smartdok
        identity = so24.paired_identity(run.db_path, SYSTEM, chosen)
        with smartdok.client() as client:
            return [employees.sync_employees(run, client, identity, _contacts(so24, identity))]

    return body


def _s2(chosen: str | None) -> Callable[[dg.AssetExecutionContext, RunContext], list[FlowRun]]:
    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        so24: So24Resource = context.resources.so24
        smartdok: SmartdokResource = context.resources.smartdok
        identity = so24.paired_identity(run.db_path, SYSTEM, chosen)
        with smartdok.client() as client:
            return [projects.sync_projects(run, client, identity)]

    return body


def hour_options(settings: Settings) -> hours.HourOptions:
    s3 = settings.flows.S3
    return hours.HourOptions(level=s3.attestation_level, only_approved=s3.only_approved,
                             mark_as=s3.mark_exported_as, lookback_days=s3.lookback_days,
                             edit_lookback_days=s3.edit_lookback_days,
                             send_matching_while_mismatched=s3.send_matching_while_mismatched)  # fmt: skip


def _s3(chosen: str | None, options: hours.HourOptions) -> Callable[..., list[FlowRun]]:
    def body(context: dg.AssetExecutionContext, run: RunContext, config: HoursConfig) -> list[FlowRun]:
        so24: So24Resource = context.resources.so24
        smartdok: SmartdokResource = context.resources.smartdok
        span = period(utcnow().date(), options.lookback_days, _day(config.from_date, "from_date"),
                      _day(config.to_date, "to_date"))  # fmt: skip
        identity = so24.paired_identity(run.db_path, SYSTEM, chosen)
        with smartdok.client() as sd, so24.client() as client:
            use_identity(client, identity, SYSTEM)
            sent, _ = hours.sync_hours(run, sd, client, identity, options, span)
        if sent.notes.get("waiting"):
            context.log.warning("S3 %s", sent.notes["readiness"])
        return [sent]

    return body


def _s4(chosen: str | None, options: hours.HourOptions) -> Callable[..., list[FlowRun]]:
    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        so24: So24Resource = context.resources.so24
        smartdok: SmartdokResource = context.resources.smartdok
        identity = so24.paired_identity(run.db_path, SYSTEM, chosen)
        level = options.level if options.only_approved else None
        with smartdok.client() as client:
            read_pending(client, run.db_path, identity, period(utcnow().date(), options.lookback_days))
            return [readiness.report(client, run.db_path, identity, level, run.dry_run)]

    return body


def build_smartdok_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    chosen = settings.smartdok.so24_identity
    options = hour_options(settings)
    bodies = {S1_ASSET: _s1(chosen), S2_ASSET: _s2(chosen), S3_ASSET: _s3(chosen, options),
              S4_ASSET: _s4(chosen, options)}  # fmt: skip
    built = []
    for name, spec in ASSETS.items():
        flow = settings.flow(spec.flow)
        config = HoursConfig if name == S3_ASSET else None
        built.append(flow_asset(spec, bodies[name], enabled=flow.enabled, dry_run=flow.dry_run, config=config))
    return built
