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

The assets are built from the shared template (defs/flow_asset.py), like every system's flows.
All share the pool "ongoing_api", so the steps calling one goods owner are bounded by the pool's
limit (dagster.yaml's default 2; Ongoing advises serialising: `dagster instance concurrency set
ongoing_api 1`). Each step's client sends one request at a time.
"""


from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dagster as dg

from so24_pipelines.defs.company_scope import asset_selection
from so24_pipelines.defs.flow_asset import FlowAsset, FlowBody, every, flow_asset, flow_checks, flow_tags
from so24_pipelines.defs.ongoing.resources import OngoingResource
from so24_pipelines.defs.resources import So24Resource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.ongoing import articles, order_status, orders, stock, suppliers
from so24_pipelines.flows.pairing import use_identity
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.settings import Settings

GROUP = "ongoing"
SYSTEM = "ongoing"
KINDS = frozenset({"ongoing", "duckdb"})
JOB = "ongoing_sync"


def _flow(name: str, flow: str, owns: tuple[str, ...], deps: tuple[str, ...], specs: tuple[str, ...],
          description: str) -> FlowAsset:  # fmt: skip
    return FlowAsset(
        name=name, flow=flow, system=SYSTEM, group=GROUP, kinds=KINDS, description=description,
        deps=deps, owns=owns, specs=specs, resources=("ongoing", "so24"),
    )  # fmt: skip


ASSETS: dict[str, FlowAsset] = {
    spec.name: spec
    for spec in (
        _flow(
            "ongoing_articles", "O1", (articles.FLOW,), ("so24_products",), ("ongoing_articles",),
            "O1 - 24SO products as Ongoing WMS articles (PUT by article number).",
        ),
        _flow(
            "ongoing_orders", "O2", (orders.FLOW,),
            ("so24_orders", "so24_order_rows", "so24_companies", "so24_products", "ongoing_articles"),
            ("ongoing_orders",),
            "O2 - 24SO orders in the configured status as WMS customer orders; later 24SO changes are sent "
            "while the WMS allows them and reported as failed once it does not.",
        ),
        _flow(
            "ongoing_order_status", "O3", (order_status.FLOW, order_status.IMPORT_FLOW), ("ongoing_orders", "so24_orders"),
            ("ongoing_order_sent", "ongoing_order_imported"),
            "O3 - orders the WMS shipped become OrderState_Sent in 24SO (shippedTimeFrom cursor); optionally "
            "imported orders get a status too.",
        ),
        _flow(
            "ongoing_suppliers", "O4", (suppliers.FLOW,), ("so24_companies", "so24_products", "ongoing_articles"),
            ("ongoing_suppliers",),
            "O4 - 24SO suppliers' names on the WMS articles that carry their number (REST v1 has no supplier "
            "register).",
        ),
        _flow(
            "ongoing_stock", "O5", (stock.FLOW,), ("so24_products", "ongoing_articles", "ongoing_orders"), ("ongoing_stock",),
            "O5 - where the WMS's stock differs from 24SO's, 24SO's is set to the WMS figure (SetStockQuantity).",
        ),
    )
}


@dataclass(frozen=True)
class _Step:
    """What an O-flow body needs: the run, both resources, and the paired 24SO company."""

    run: RunContext
    ongoing: OngoingResource
    so24: So24Resource
    identity: str


StepBody = Callable[[_Step], list[FlowRun]]


def _in_step(step_body: StepBody, chosen: str | None) -> FlowBody:
    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        ongoing, so24 = context.resources.ongoing, context.resources.so24
        return step_body(_Step(run, ongoing, so24, so24.paired_identity(run.db_path, SYSTEM, chosen)))

    return body


def _wms_only(sync: Callable[..., FlowRun], **options: Any) -> StepBody:
    """An O-flow between 24SO's staging and the WMS (O1, O2, O4): one WMS client."""

    def body(step: _Step) -> list[FlowRun]:
        with step.ongoing.client() as wms:
            return [sync(step.run, wms, step.identity, **options)]

    return body


def _back_to_so24(sync: Callable[..., FlowRun | list[FlowRun]], *args: Any, **options: Any) -> StepBody:
    """An O-flow from the WMS to 24SO (O3, O5): the 24SO session must be the paired company."""

    def body(step: _Step) -> list[FlowRun]:
        with step.ongoing.client() as wms, step.so24.client() as client:
            use_identity(client, step.identity, SYSTEM)
            runs = sync(step.run, wms, client, step.identity, *args, **options)
        return runs if isinstance(runs, list) else [runs]

    return body


def _status_options(settings: Settings) -> order_status.StatusOptions:
    o3 = settings.flows.O3
    return order_status.StatusOptions(
        so24_status=settings.flows.O2.so24_status, report_fulfilled=o3.report_fulfilled,
        fulfilled_status=o3.fulfilled_status, set_status_on_import=o3.set_status_on_import,
        import_status=o3.import_status,
    )  # fmt: skip


BODIES: dict[str, Callable[[Settings], StepBody]] = {
    "ongoing_articles": lambda settings: _wms_only(articles.sync_articles),
    "ongoing_orders": lambda settings: _wms_only(orders.sync_orders, so24_status=settings.flows.O2.so24_status),
    "ongoing_order_status": lambda settings: _back_to_so24(order_status.sync_order_status, _status_options(settings)),
    "ongoing_suppliers": lambda settings: _wms_only(suppliers.sync_suppliers),
    "ongoing_stock": lambda settings: _back_to_so24(stock.sync_stock, stock_kind=settings.flows.O5.stock_kind),
}


def _asset(key: str, settings: Settings) -> dg.AssetsDefinition:
    spec = ASSETS[key]
    flow = settings.flow(spec.flow)
    body = _in_step(BODIES[key](settings), settings.ongoing.so24_identity)
    return flow_asset(spec, body, enabled=flow.enabled, dry_run=flow.dry_run)


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
            selection=asset_selection(*enabled),
            tags=flow_tags("O6"),
            description="O6 - the Ongoing flows that are switched on (O1-O5), in dependency order.",
        )
        o6 = settings.flows.O6
        jobs.append(job)
        schedules.append(
            every(f"{JOB}_schedule", job, o6.interval_minutes, running=o6.enabled,
                  description=f"O6 - every {o6.interval_minutes} minutes (flows.O6.interval_minutes).")
        )
    return dg.Definitions(
        assets=build_ongoing_assets(settings),
        asset_checks=flow_checks(ASSETS.values()),
        jobs=jobs,
        schedules=schedules,
        resources={"ongoing": ongoing_resource(settings)},
    )
