"""O1-O6 in Dagster (group "ongoing"): thin assets over flows/ongoing, one schedule, checks.

- One asset per flow: ongoing_articles (O1), ongoing_orders (O2), ongoing_order_status (O3),
  ongoing_suppliers (O4), ongoing_stock (O5). Each reads staging, writes through the loader and
  reports counts and the plan preview (dry_run per flow in so24.yaml: nothing is written).
- O6: the job `ongoing_sync` holds the flows that are switched on, in dependency order (articles
  before the orders that name them, orders before the stock they book); `ongoing_sync_schedule`
  runs it every flows.O6.interval_minutes (15), running by default when O6 is on.
- A flow that is switched off stays visible (lineage, description) but is left out of the job, and
  a manual materialization of it does nothing and says so.
- Asset check `no_failed_records` per asset: records whose last attempt failed, with reasons.

All assets share the pool "ongoing_api", so the steps calling one goods owner are bounded by the
pool's limit (dagster.yaml's default 2; Ongoing advises serialising: `dagster instance
concurrency set ongoing_api 1`). Each step's client sends one request at a time.
"""


from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from so24_pipelines.defs.cadence import cron_for
from so24_pipelines.defs.flow_asset import RETRY
from so24_pipelines.defs.ongoing.metadata import flow_metadata, switched_off
from so24_pipelines.defs.ongoing.resources import OngoingResource
from so24_pipelines.defs.resources import So24Resource, StagingResource
from so24_pipelines.flows.ongoing.articles import sync_articles
from so24_pipelines.flows.ongoing.identity import paired_identity, use_paired_identity
from so24_pipelines.flows.ongoing.order_status import IMPORT_FLOW, StatusOptions, sync_order_status
from so24_pipelines.flows.ongoing.orders import sync_orders
from so24_pipelines.flows.ongoing.run import FlowRun
from so24_pipelines.flows.ongoing.stock import sync_stock
from so24_pipelines.flows.ongoing.suppliers import sync_suppliers
from so24_pipelines.mapping import load_spec, spec_markdown
from so24_pipelines.settings import Settings
from so24_pipelines.sync.failures import failed_records

GROUP = "ongoing"
POOL = "ongoing_api"
JOB = "ongoing_sync"

@dataclass(frozen=True)
class _FlowAsset:
    """One O-flow as an asset: its switch, the failures it owns, lineage, specs, description."""

    flow: str
    owns: tuple[str, ...]
    deps: tuple[str, ...]
    specs: tuple[str, ...]
    description: str


ASSETS: dict[str, _FlowAsset] = {
    "ongoing_articles": _FlowAsset(
        "O1", ("O1",), ("so24_products",), ("ongoing_articles",),
        "O1 - 24SO products as Ongoing WMS articles (PUT by article number).",
    ),
    "ongoing_orders": _FlowAsset(
        "O2", ("O2",), ("so24_orders", "so24_order_rows", "so24_companies", "so24_products", "ongoing_articles"),
        ("ongoing_orders",),
        "O2 - 24SO orders in the configured status as WMS customer orders; later 24SO changes are sent "
        "while the WMS allows them and reported as failed once it does not.",
    ),
    "ongoing_order_status": _FlowAsset(
        "O3", ("O3", IMPORT_FLOW), ("ongoing_orders", "so24_orders"), ("ongoing_order_sent", "ongoing_order_imported"),
        "O3 - orders the WMS shipped become OrderState_Sent in 24SO (shippedTimeFrom cursor); optionally "
        "imported orders get a status too.",
    ),
    "ongoing_suppliers": _FlowAsset(
        "O4", ("O4",), ("so24_companies", "so24_products", "ongoing_articles"), ("ongoing_suppliers",),
        "O4 - 24SO suppliers' names on the WMS articles that carry their number (REST v1 has no supplier register).",
    ),
    "ongoing_stock": _FlowAsset(
        "O5", ("O5",), ("so24_products", "ongoing_articles", "ongoing_orders"), ("ongoing_stock",),
        "O5 - where the WMS's stock differs from 24SO's, 24SO's is set to the WMS figure (SetStockQuantity).",
    ),
}


@dataclass(frozen=True)
class _Step:
    """What a flow body needs from the asset's context and resources."""

    run_id: str
    ongoing: OngoingResource
    so24: So24Resource
    db_path: Path
    identity: str


Body = Callable[[_Step], list[FlowRun]]


def _o1(settings: Settings) -> Body:
    def body(step: _Step) -> list[FlowRun]:
        with step.ongoing.client() as wms:
            return [sync_articles(step.db_path, wms, step.identity, run_id=step.run_id,
                                  dry_run=settings.flow("O1").dry_run)]
    return body


def _o2(settings: Settings) -> Body:
    def body(step: _Step) -> list[FlowRun]:
        with step.ongoing.client() as wms:
            return [sync_orders(step.db_path, wms, step.identity, so24_status=settings.flows.O2.so24_status,
                                run_id=step.run_id, dry_run=settings.flow("O2").dry_run)]
    return body


def _o3(settings: Settings) -> Body:
    o3 = settings.flows.O3
    options = StatusOptions(
        so24_status=settings.flows.O2.so24_status, report_fulfilled=o3.report_fulfilled,
        fulfilled_status=o3.fulfilled_status, set_status_on_import=o3.set_status_on_import,
        import_status=o3.import_status,
    )

    def body(step: _Step) -> list[FlowRun]:
        with step.ongoing.client() as wms, step.so24.client() as client:
            use_paired_identity(client, step.identity, step.so24.identities)
            return sync_order_status(step.db_path, wms, client, step.identity, options,
                                     run_id=step.run_id, dry_run=o3.dry_run)
    return body


def _o4(settings: Settings) -> Body:
    def body(step: _Step) -> list[FlowRun]:
        with step.ongoing.client() as wms:
            return [sync_suppliers(step.db_path, wms, step.identity, run_id=step.run_id,
                                   dry_run=settings.flow("O4").dry_run)]
    return body


def _o5(settings: Settings) -> Body:
    def body(step: _Step) -> list[FlowRun]:
        with step.ongoing.client() as wms, step.so24.client() as client:
            use_paired_identity(client, step.identity, step.so24.identities)
            return [sync_stock(step.db_path, wms, client, step.identity, stock_kind=settings.flows.O5.stock_kind,
                               run_id=step.run_id, dry_run=settings.flow("O5").dry_run)]
    return body


BODIES: dict[str, Callable[[Settings], Body]] = {
    "ongoing_articles": _o1, "ongoing_orders": _o2, "ongoing_order_status": _o3,
    "ongoing_suppliers": _o4, "ongoing_stock": _o5,
}


def _mapping_markdown(specs: tuple[str, ...]) -> str:
    return "\n\n".join(spec_markdown(load_spec(name)) for name in specs)


def _asset(key: str, settings: Settings) -> dg.AssetsDefinition:
    spec = ASSETS[key]
    flow = spec.flow
    enabled = settings.flow(flow).enabled
    run_body = BODIES[key](settings)
    state = "" if enabled else f" Switched off (flows.{flow}.enabled: false)."

    @dg.asset(
        name=key,
        group_name=GROUP,
        kinds={"ongoing", "duckdb"},
        deps=list(spec.deps),
        pool=POOL,
        retry_policy=RETRY,
        description=spec.description + state,
        tags={"flow": flow},
        metadata={"field_mapping": dg.MetadataValue.md(_mapping_markdown(spec.specs))},
    )
    def _flow_asset(
        context: dg.AssetExecutionContext, ongoing: OngoingResource, so24: So24Resource, staging: StagingResource
    ) -> dg.MaterializeResult:
        if not enabled:
            context.log.warning("%s is switched off in so24.yaml; nothing done", flow)
            return switched_off(flow)
        identity = paired_identity(staging.db_path, so24.identities)
        runs = run_body(_Step(context.run.run_id, ongoing, so24, staging.db_path, identity))
        for run in runs:
            context.log.info("%s%s: %s", run.flow, " (dry run)" if run.dry_run else "", run.plan.counts)
        return dg.MaterializeResult(metadata=flow_metadata(runs))

    return _flow_asset


def _failed_check(key: str) -> dg.AssetChecksDefinition:
    owned = ASSETS[key].owns

    @dg.asset_check(asset=key, name="no_failed_records",
                    description=f"No record of {', '.join(owned)} is waiting in sync.failed_records (they retry each tick).")
    def _check(staging: StagingResource) -> dg.AssetCheckResult:
        rows = failed_records(staging.db_path, owned, limit=50)
        table = "\n".join(["| flow | record | attempts | reason |", "|---|---|---|---|"]
                          + [f"| {f} | {k} | {n} | {' '.join(r.split()).replace('|', '/')} |" for f, k, r, n in rows])
        return dg.AssetCheckResult(
            passed=not rows,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"failed_records": len(rows), "records": dg.MetadataValue.md(table if rows else "none")},
        )

    return _check


def ongoing_resource(settings: Settings) -> OngoingResource:
    """The Ongoing resource from settings, credentials from env vars."""
    ongoing = settings.ongoing
    return OngoingResource(
        base_url=ongoing.base_url,
        username=dg.EnvVar("ONGOING_USERNAME"),
        password=dg.EnvVar("ONGOING_PASSWORD"),
        goods_owner_id=dg.EnvVar.int("ONGOING_GOODS_OWNER_ID"),
        timeout_seconds=float(ongoing.timeout_seconds),
        max_retries=ongoing.max_retries,
    )


def build_ongoing_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    return [_asset(key, settings) for key in ASSETS]


def build_ongoing_definitions(settings: Settings) -> dg.Definitions:
    """Assets, checks, the O6 job and schedule, and the "ongoing" resource.

    The "so24" and "staging" resources the assets also need come from the main Definitions.
    """
    enabled = [key for key, spec in ASSETS.items() if settings.flow(spec.flow).enabled]
    jobs, schedules = [], []
    if enabled:
        job = dg.define_asset_job(
            JOB,
            selection=dg.AssetSelection.assets(*enabled),
            description="O6 - the Ongoing flows that are switched on (O1-O5), in dependency order.",
        )
        o6 = settings.flows.O6
        jobs.append(job)
        schedules.append(
            dg.ScheduleDefinition(
                name=f"{JOB}_schedule",
                job=job,
                cron_schedule=cron_for(o6.interval_minutes),
                default_status=dg.DefaultScheduleStatus.RUNNING if o6.enabled else dg.DefaultScheduleStatus.STOPPED,
                description=f"O6 - every {o6.interval_minutes} minutes (flows.O6.interval_minutes).",
            )
        )
    return dg.Definitions(
        assets=build_ongoing_assets(settings),
        asset_checks=[_failed_check(key) for key in ASSETS],
        jobs=jobs,
        schedules=schedules,
        resources={"ongoing": ongoing_resource(settings)},
    )
