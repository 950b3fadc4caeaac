"""Dagster layer of R4 (24SO orders -> Rackbeat) and R9 (fetch one 24SO order by hand). Thin: the
work is in flows/rackbeat/orders_flow.py; the event flows R5, R6, R8 are in defs/rackbeat/events.py.

- R4 `rackbeat_orders` asset (group "rackbeat", pool "rackbeat_api"), built with the one flow
  template (defs/flow_asset.py: RunContext in, FlowRun out, one metadata vocabulary, the
  readiness report as metadata `readiness`), on the `rackbeat_orders_schedule` every R4
  `cadence_minutes`; its job also runs the 24SO order extraction first, so a tick sends what
  24SO has now rather than what the last extraction saw.
- R9 `rackbeat_fetch_order` job: launched by hand with `{order_id}` (and optionally `identity`).
  It is not a second way to send an order: it stages the order with the 24SO extraction's own
  upsert, then runs R4 for that one loader key, under R4's flow key, id map and target.

Every run starts with the Rackbeat readiness check (flows/rackbeat/readiness.py): a missing
prerequisite fails the run once with what to create. A flow's `dry_run` setting plans and previews
(markdown metadata) without writing; `dry_run: true` in a run's config does so for that run only.
"""

import dagster as dg

from so24_pipelines.defs.company_scope import asset_selection
from so24_pipelines.defs.flow_asset import (
    FlowAsset,
    FlowConfig,
    every,
    failed_records_check,
    failed_records_evaluation,
    flow_asset,
    flow_tags,
    run_context,
    told_to_user,
)
from so24_pipelines.defs.flow_metadata import flow_metadata
from so24_pipelines.defs.rackbeat.entities import so24_identity
from so24_pipelines.defs.rackbeat.resources import RackbeatResource
from so24_pipelines.defs.resources import So24Resource, StagingResource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat.orders_flow import run_orders
from so24_pipelines.flows.rackbeat.orders_mapping import FLOW as R4_FLOW
from so24_pipelines.flows.rackbeat.orders_mapping import SPEC_NAME
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.flows.so24 import extract as so24_extract
from so24_pipelines.settings import Settings

GROUP = "rackbeat"
SYSTEM = "rackbeat"
KINDS = frozenset({"rackbeat", "duckdb"})
R4_ASSET = "rackbeat_orders"


class FetchOrderConfig(FlowConfig):
    """R9: the 24SO order id to fetch, and its company when the login reaches several (`dry_run`:
    stage the order and preview what R4 would send, write nothing to Rackbeat)."""

    order_id: int
    identity: str | None = None


def _r4_asset(settings: Settings) -> dg.AssetsDefinition:
    r4 = settings.flow("R4")
    spec = FlowAsset(
        name=R4_ASSET, flow="R4", system=SYSTEM, group=GROUP, kinds=KINDS,
        description=(
            f"R4 - 24SO orders that reached {r4.so24_status} become Rackbeat orders ({r4.rackbeat_status}), "
            "each once: Rackbeat order number and custom field '24so order id' = 24SO OrderId; the 24SO "
            "row id of every line in sync.rackbeat_order_lines. Field map: mapping/specs/rackbeat_orders.yaml."
        ),
        deps=("so24_orders", "so24_order_rows"), owns=(R4_FLOW,), specs=(SPEC_NAME,), resources=("rackbeat", "so24"),
    )  # fmt: skip

    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        rackbeat: RackbeatResource = context.resources.rackbeat
        identity = so24_identity(context.resources.so24, str(run.db_path), settings)
        with rackbeat.client() as client:
            return [run_orders(
                run, client, so24_status=r4.so24_status, rackbeat_status=r4.rackbeat_status, identity=identity
            )]  # fmt: skip

    return flow_asset(spec, body, enabled=r4.enabled, dry_run=r4.dry_run)


def _fetch_op(settings: Settings) -> dg.OpDefinition:
    """R9: one 24SO order into Rackbeat by hand, whatever its status, and never twice.

    Rackbeat's own integration warns that pressing its "GET order" button twice duplicates the
    order. Here it cannot: the order is read into staging by the 24SO extraction's own upsert, then
    loaded under R4's flow key, id map and target, so a second fetch, a fetch after R4 sent the order
    or R4 after a fetch all find the same id-map row (or, after a crash, the same Rackbeat order by
    its number and "24so order id") and update instead of creating.
    """
    r4, r9 = settings.flow("R4"), settings.flow("R9")

    @dg.op(name="fetch_so24_order_into_rackbeat", tags=flow_tags("R9"))
    def _op(
        context: dg.OpExecutionContext,
        config: FetchOrderConfig,
        rackbeat: RackbeatResource,
        so24: So24Resource,
        staging: StagingResource,
    ) -> dg.Output[None]:
        run = run_context(context, staging.db_path, r9.dry_run or config.dry_run)
        with told_to_user(), rackbeat.client() as rb, so24.client() as client:
            paired = config.identity or so24_identity(so24, str(run.db_path), settings)
            identity = so24_extract.extract_order(client, run.db_path, config.order_id, paired)
            done = run_orders(
                run, rb, so24_status=r4.so24_status, rackbeat_status=r4.rackbeat_status,
                only=[f"{identity}:{int(config.order_id)}"],
            )  # fmt: skip
        # R9 loads under R4's flow key: R4's check tells whether anything of it waits now.
        context.log_event(failed_records_evaluation(staging.db_path, R4_ASSET, (R4_FLOW,)))
        items = [item for plan in done.plans for item in plan.items]
        if items and items[0].action == "skip":
            raise dg.Failure(description=f"order {config.order_id} not sent: {items[0].reason}", allow_retries=False)
        if done.failures():
            raise dg.Failure(description=f"order {config.order_id} failed: {done.failures()[0][1]}")
        context.log.info("R9: order %s -> %s", config.order_id, done.counts())
        return dg.Output(None, metadata=flow_metadata([done]))

    return _op


def build_rackbeat_orders_definitions(settings: Settings) -> dg.Definitions:
    """R4 and R9 for the main Definitions (needs resources "so24", "staging", "rackbeat")."""
    r4 = settings.flow("R4")
    orders_job = dg.define_asset_job(
        "rackbeat_orders_sync",
        selection=asset_selection("so24_orders", "so24_order_rows", R4_ASSET),
        description="R4: read changed 24SO orders, then send those that reached the configured status to Rackbeat.",
        tags=flow_tags("R4"),
    )
    orders_schedule = every("rackbeat_orders_schedule", orders_job, r4.cadence_minutes, running=r4.enabled)

    @dg.job(
        name="rackbeat_fetch_order",
        description="R9: fetch one 24SO order into Rackbeat now, whatever its status (run config: order_id). "
        "Running it twice gives one order.",
        tags=flow_tags("R9"),
    )
    def fetch_job() -> None:
        _fetch_op(settings)()

    return dg.Definitions(
        assets=[_r4_asset(settings)],
        asset_checks=[failed_records_check(R4_ASSET, (R4_FLOW,))],
        jobs=[orders_job, fetch_job],
        schedules=[orders_schedule],
    )

