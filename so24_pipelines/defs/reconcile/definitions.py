"""X7 in Dagster (group "reconcile"): one reconciliation asset per connected pair, nightly and on demand.

- Assets `x7_reconcile_rackbeat` (24SO <-> Rackbeat: products, customers, suppliers, stock while R8
  is on) and `x7_reconcile_ongoing` (24SO -> Ongoing: articles, stock while O5 is on), each only
  while its system is connected, and `x7_reconcile_lnb` (24SO -> Le New Black: L1's stock figures).
- `x7_reconcile_smartdok` (24SO <-> Smartdok: S1's employees, S2's projects, S3's hours), while
  Smartdok is connected (flows/reconcile/smartdok.py, smartdok_hours.py).
- `x7_reconcile_netvisor` (Rackbeat <-> Netvisor: N1/N3's customers, suppliers, products), while
  Netvisor is connected (flows/reconcile/netvisor.py; no 24SO side, Rackbeat's values in `so24_value`).
  Built from the flow template's pieces (pool of the other
  system's API, retries, the flow tag, the specs as `mapping`, the switched-off answer), but not a
  load: no loader counters and no `dry_run` config. Their metadata: the counts per entity and side
  (numbers, plotted by Dagster), the requests sent, and `top_differences`.
- Check `no_unexplained_differences` per asset: passes with no difference, or only pending ones
  (the next flow run fixes them); WARN on any unexplained difference; ERROR above
  `flows.X7.fail_above` of them. It reads sync.reconcile_differences, so it also tells the truth
  when launched on its own.
- Job `x7_reconciliation` (launch it for a reconciliation now) and schedule
  `x7_reconciliation_nightly` at `flows.X7.hour` (02:00) in `flows.X7.timezone`, running by default
  while X7 is on.

Resources: "so24", "staging" and "rackbeat"/"ongoing" come from the main Definitions.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

import dagster as dg

from so24_pipelines.defs.company_scope import asset_key, asset_selection, pool_for
from so24_pipelines.defs.flow_asset import RETRY, FlowAsset, flow_tags, run_context, told_to_user
from so24_pipelines.defs.flow_metadata import mapping_metadata, switched_off
from so24_pipelines.defs.lnb.stock import stock_options
from so24_pipelines.defs.resources import So24Resource, StagingResource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.netvisor.registers import LOADS
from so24_pipelines.flows.reconcile import entities as e
from so24_pipelines.flows.reconcile.netvisor import SIDES as NETVISOR_SIDES
from so24_pipelines.flows.reconcile.netvisor import TITLE as NETVISOR_TITLE
from so24_pipelines.flows.reconcile.netvisor import reconcile_netvisor
from so24_pipelines.flows.reconcile.report import PairReport, differences_markdown
from so24_pipelines.flows.reconcile.run import (
    LNB_TITLE,
    ONGOING_TITLE,
    RACKBEAT_TITLE,
    reconcile_lnb,
    reconcile_ongoing,
    reconcile_rackbeat,
)
from so24_pipelines.flows.reconcile.smartdok import SMARTDOK_TITLE, reconcile_smartdok
from so24_pipelines.flows.smartdok import employees, hours, projects
from so24_pipelines.settings import Settings
from so24_pipelines.staging.db import connect
from so24_pipelines.sync.differences import read_differences

GROUP = "reconcile"
KINDS = frozenset({"duckdb", "rest", "soap"})
CHECK = "no_unexplained_differences"
JOB = "x7_reconciliation"
SCHEDULE = "x7_reconciliation_nightly"
ASSETS = {
    "rackbeat": "x7_reconcile_rackbeat",
    "ongoing": "x7_reconcile_ongoing",
    "lnb": "x7_reconcile_lnb",
    "smartdok": "x7_reconcile_smartdok",
    "netvisor": "x7_reconcile_netvisor",
}
# The value columns' sides where they are not 24SO and the pair's system.
SIDES = {"netvisor": NETVISOR_SIDES}


def _metadata(report: PairReport) -> dict[str, Any]:
    return {**report.metadata(), "top_differences": dg.MetadataValue.md(report.markdown())}


def reconcile_asset(
    spec: FlowAsset, body: Callable[..., PairReport], *, enabled: bool
) -> dg.AssetsDefinition:
    """A pair's reconciliation as an asset: the flow template's pool, retry, tag, mapping metadata,
    switched-off answer and one-time message for a setting problem, but no `dry_run` config: it
    writes to no system, so there is nothing to preview (the repair column is the preview)."""

    @dg.asset(
        key=asset_key(spec.name), group_name=spec.group, kinds=set(spec.kinds), pool=pool_for(spec.system),
        retry_policy=RETRY, tags=flow_tags(spec.flow), metadata=mapping_metadata(*spec.specs),
        description=spec.description + ("" if enabled else " Switched off (flows.X7.enabled: false)."),
        required_resource_keys={"staging", *spec.resources},
    )  # fmt: skip
    def _asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        if not enabled:
            context.log.warning("X7 is switched off in so24.yaml; nothing compared")
            return switched_off("X7")
        run = run_context(context, context.resources.staging.db_path)
        with told_to_user():
            report = body(context, run)
        context.log.info(
            "%s: %d difference(s), %d unexplained", report.title, len(report.differences), report.unexplained
        )
        return dg.MaterializeResult(metadata=_metadata(report))

    return _asset


def _paired_with_so24(
    settings: Settings, system: str, description: str, specs: tuple[str, ...], reconcile: Callable[..., PairReport]
) -> tuple[FlowAsset, Callable[..., PairReport]]:
    """A pair of 24SO (the company `system` is paired with) and `system`: both clients, then `reconcile`."""
    spec = FlowAsset(
        name=ASSETS[system], flow="X7", system=system, group=GROUP, kinds=KINDS, description=description,
        specs=specs, resources=("so24", system),
    )  # fmt: skip

    def body(context: dg.AssetExecutionContext, run: RunContext) -> PairReport:
        so24: So24Resource = context.resources.so24
        identity = so24.paired_identity(run.db_path, system, settings.system(system).so24_identity)
        with so24.client() as client, getattr(context.resources, system).client() as other:
            return reconcile(run, settings, client, other, identity)

    return spec, body


def _rackbeat(settings: Settings) -> tuple[FlowAsset, Callable[..., PairReport]]:
    return _paired_with_so24(
        settings, "rackbeat",
        f"X7 - {RACKBEAT_TITLE}: both sides read now and compared record by record (products, customers, "
        "suppliers by the id map, the '24so ... id' fields and product numbers; the fields R1/R2 own; stock "
        "while R8 is on). Every difference is kept in sync.reconcile_differences with its age, pending ones "
        "(the next flow run fixes them) marked, and the repair the owning flow would write. Writes to neither system.",
        tuple(c.spec for c in e.RACKBEAT), reconcile_rackbeat,
    )  # fmt: skip


def _ongoing(settings: Settings) -> tuple[FlowAsset, Callable[..., PairReport]]:
    return _paired_with_so24(
        settings, "ongoing",
        f"X7 - {ONGOING_TITLE}: 24SO products and the WMS articles read now and compared (O1's id map, "
        "productCode and article number; the fields O1 owns; stock while O5 is on). Differences kept in "
        "sync.reconcile_differences with their age; pending ones marked; repair previewed. Writes to neither system.",
        tuple(c.spec for c in e.ONGOING), reconcile_ongoing,
    )  # fmt: skip


def _lnb(settings: Settings) -> tuple[FlowAsset, Callable[..., PairReport]]:
    options = stock_options(settings)
    return _paired_with_so24(
        settings, "lnb",
        f"X7 - {LNB_TITLE}: the figures L1 would send now (flows.L1.key, flows.L1.available, open orders read "
        "fresh when they count) against LNB's stock lines, read now. Products LNB has no line for are L1's "
        "skips, counted. Differences kept in sync.reconcile_differences. Writes to neither system.",
        ("lnb_stock",), partial(reconcile_lnb, options=options),
    )  # fmt: skip


def _smartdok(settings: Settings) -> tuple[FlowAsset, Callable[..., PairReport]]:
    return _paired_with_so24(
        settings, "smartdok",
        f"X7 - {SMARTDOK_TITLE}: the paired 24SO company's employees and projects as S1/S2 would write them "
        "now against Smartdok's users and projects, read now (S1/S2's id map, then EmployeeNo / project "
        "number; Name, number and dates by day), and S3's hours: Smartdok's transferred hours of the last "
        "flows.S3.edit_lookback_days against the 24SO hours tagged [Smartdok <id>]. Records the flows hold "
        "are their skips, counted. Differences kept in sync.reconcile_differences. Writes to neither system.",
        (employees.SPEC, projects.SPEC, hours.SPEC), reconcile_smartdok,
    )  # fmt: skip


def _netvisor(settings: Settings) -> tuple[FlowAsset, Callable[..., PairReport]]:
    registers = list(dict.fromkeys([*settings.flows.N1.registers, *settings.flows.N3.registers]))
    spec = FlowAsset(
        name=ASSETS["netvisor"], flow="X7", system="netvisor", group=GROUP, kinds=frozenset({"rest", "duckdb"}),
        description=(
            f"X7 - {NETVISOR_TITLE}: both registers ({', '.join(registers)}) read now and compared record by record, "
            "paired as N2 pairs them (the N-flows' id maps, N2's links, the code); the fields N3 owns, on the "
            "pairs a flow wrote (a pair N2 linked as it was is counted). No 24SO side: Rackbeat's values are in "
            "the so24_value column. Differences kept in sync.reconcile_differences with their age; pending ones "
            "(N3's next run sends them) marked; repair previewed. Writes to neither system."
        ),
        specs=tuple(LOADS[(r, "rackbeat_to_netvisor")].spec for r in registers), resources=("netvisor", "rackbeat"),
    )  # fmt: skip

    def body(context: dg.AssetExecutionContext, run: RunContext) -> PairReport:
        with context.resources.netvisor.client() as nv, context.resources.rackbeat.client() as rb:
            return reconcile_netvisor(run, settings, nv, rb)

    return spec, body


def verdict(db_path: str, pair: str, other: str, fail_above: int, source: str = "24SO") -> dg.AssetCheckResult:
    """Pass with nothing unexplained; WARN on any unexplained difference; ERROR above `fail_above`.
    `source`/`other` head the table's value columns (Rackbeat/Netvisor in the pair without 24SO)."""
    with connect(db_path) as con:
        rows = read_differences(con, pair)
    unexplained = [r for r in rows if not r.pending]
    severity = dg.AssetCheckSeverity.ERROR if len(unexplained) > fail_above else dg.AssetCheckSeverity.WARN
    metadata = {
        "unexplained": len(unexplained), "pending": len(rows) - len(unexplained), "fail_above": fail_above,
        "differences": dg.MetadataValue.md(differences_markdown(rows, other, source=source)),
    }  # fmt: skip
    description = None
    if unexplained:
        first = unexplained[0]
        description = (
            f"{len(unexplained)} unexplained difference(s) (ERROR above flows.X7.fail_above = {fail_above}); "
            f"{first.entity} {first.key} {first.field}: {first.kind}, {first.explanation}"
        )
    return dg.AssetCheckResult(
        passed=not unexplained, severity=severity, metadata=metadata, description=description
    )


def _check(asset: str, pair: str, fail_above: int) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset_key(asset), name=CHECK,
        description="No unexplained difference between the two systems (pending ones, which the next flow run "
        "fixes, are allowed); WARN on any, ERROR above flows.X7.fail_above.",
    )  # fmt: skip
    def _no_unexplained(staging: StagingResource) -> dg.AssetCheckResult:
        source, other = SIDES.get(pair, ("24SO", pair))
        return verdict(str(staging.db_path), pair, other, fail_above, source)

    return _no_unexplained


def build_reconcile_definitions(settings: Settings) -> dg.Definitions:
    x7 = settings.flows.X7
    builders = {
        "rackbeat": _rackbeat,
        "ongoing": _ongoing,
        "lnb": _lnb,
        "smartdok": _smartdok,
        "netvisor": _netvisor,
    }
    pairs = [pair for pair in builders if settings.system(pair).enabled]
    if not pairs:
        return dg.Definitions()
    assets, checks = [], []
    for pair in pairs:
        spec, body = builders[pair](settings)
        assets.append(reconcile_asset(spec, body, enabled=x7.enabled))
        checks.append(_check(spec.name, pair, x7.fail_above))
    job = dg.define_asset_job(
        JOB, selection=asset_selection(*(ASSETS[p] for p in pairs)), tags=flow_tags("X7"),
        description="X7 - reconcile every connected pair now (the manual trigger).",
    )  # fmt: skip
    nightly = dg.ScheduleDefinition(
        name=SCHEDULE, job=job, cron_schedule=f"{x7.minute} {x7.hour} * * *", execution_timezone=x7.timezone,
        description=f"X7 - every night at {x7.hour:02d}:{x7.minute:02d} {x7.timezone} (flows.X7.hour, flows.X7.minute).",
        default_status=dg.DefaultScheduleStatus.RUNNING if x7.enabled else dg.DefaultScheduleStatus.STOPPED,
    )  # fmt: skip
    return dg.Definitions(assets=assets, asset_checks=checks, jobs=[job], schedules=[nightly])
