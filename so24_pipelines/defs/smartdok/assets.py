"""S1 and S2 as Dagster assets (group "smartdok"), built from the one flow template.

- `s1_employees_to_smartdok` (S1): the paired 24SO company's staged employees as Smartdok users
  (EmployeeNo = contact id); reports counts, the plan preview, the holds with what to change in
  Smartdok, and the Smartdok users no 24SO employee claims (`smartdok_only_list`).
- `s2_projects_to_smartdok` (S2): the staged projects as Smartdok projects (number = project id);
  the same report for projects.
- Check `no_failed_records` on each: red while a record waits in the failed records (a hold
  included: it needs a change in Smartdok or 24SO), with the reasons.
- `flows.S1|S2.dry_run` (or `dry_run: true` in one run's config) previews: the plan, nothing sent.

Both share the pool "smartdok_api". They need the "smartdok" resource (defs/smartdok/definitions.py)
and "so24" and "staging" (the main Definitions); "so24" is asked which company Smartdok is paired
with and, for S1, only when a user must be created, for the employees' e-mail: nothing is written
to 24SO.
"""

from collections.abc import Callable

import dagster as dg

from so24_pipelines.connectors.so24 import reads
from so24_pipelines.defs.flow_asset import FlowAsset, flow_asset
from so24_pipelines.defs.resources import So24Resource
from so24_pipelines.defs.smartdok.resources import SmartdokResource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.pairing import use_identity
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.flows.smartdok import employees, projects
from so24_pipelines.flows.smartdok.employee_target import Contacts
from so24_pipelines.settings import Settings

GROUP = "smartdok"
SYSTEM = "smartdok"
KINDS = frozenset({"rest", "duckdb"})
S1_ASSET = "s1_employees_to_smartdok"
S2_ASSET = "s2_projects_to_smartdok"

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
    )
}  # fmt: skip


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


def build_smartdok_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    chosen = settings.smartdok.so24_identity
    bodies = {S1_ASSET: _s1(chosen), S2_ASSET: _s2(chosen)}
    built = []
    for name, spec in ASSETS.items():
        flow = settings.flow(spec.flow)
        built.append(flow_asset(spec, bodies[name], enabled=flow.enabled, dry_run=flow.dry_run))
    return built
