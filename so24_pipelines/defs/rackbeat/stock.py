"""Dagster layer of R3's opening stock: after the initial sync, Rackbeat gets 24SO's stock, once.

- `rackbeat_opening_stock` asset (group "rackbeat", flow R3, from the one flow template): the
  products the initial sync made in Rackbeat that Rackbeat has never counted get 24SO's figure by
  an inventory adjustment each (flows/rackbeat/initial_stock.py, mapping/specs/
  rackbeat_opening_stock.yaml). Only while Rackbeat is 24SO's stock master (flows.R8 on): with
  another master (O5) or none, 24SO's stock is not Rackbeat's business and the asset says so
  (`idle`). R3's `dry_run` previews it.
- job `rackbeat_opening_stock`, started by the sensor `rackbeat_opening_stock_after_initial_sync`
  once per successful `rackbeat_initial_sync` run (run_key names that run), and by the schedule
  `rackbeat_opening_stock_schedule` on the entities cadence: products R1 makes later get their
  opening stock, and one that failed is tried again (a tick with nothing new reads nothing from
  Rackbeat). It can be launched by hand at any time, and a product is opened at most once (its id
  map), never over a figure Rackbeat counted. Not a step of the initial-sync job, so it can run
  (and be re-run) on its own, and a count the warehouse made meanwhile stands.
"""

from typing import Any

import dagster as dg

from so24_pipelines.defs.company_scope import asset_selection, company_tags
from so24_pipelines.defs.flow_asset import FlowAsset, every, failed_records_check, flow_asset, flow_tags
from so24_pipelines.defs.rackbeat.entities import so24_identity
from so24_pipelines.defs.rackbeat.resources import RackbeatResource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat.initial_stock import FLOW, SPEC, open_stock
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.settings import Settings

GROUP = "rackbeat"
SYSTEM = "rackbeat"
KINDS = frozenset({"rest", "duckdb"})
ASSET = "r3_opening_stock_to_rackbeat"
JOB = "rackbeat_opening_stock"
INITIAL_SYNC_JOB = "rackbeat_initial_sync"
SENSOR = "rackbeat_opening_stock_after_initial_sync"
SCHEDULE = "rackbeat_opening_stock_schedule"


def _asset(settings: Settings) -> tuple[FlowAsset, dg.AssetsDefinition]:
    master = settings.flow("R8").enabled
    spec = FlowAsset(
        name=ASSET, flow="R3", system=SYSTEM, group=GROUP, kinds=KINDS,
        description=(
            "R3 - opening stock: the products the initial sync made in Rackbeat start with no stock; while "
            "Rackbeat has never counted one, it gets 24SO's figure (one inventory adjustment, once), so its "
            "first stock event is 24SO's own figure coming back, not a 0 written over it. Only while Rackbeat "
            "is 24SO's stock master (R8 on)."
        ),
        deps=("r1_products_to_rackbeat", "so24_products"), owns=(FLOW,), specs=(SPEC,), resources=("rackbeat", "so24"),
    )  # fmt: skip

    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        if not master:
            return [run.idle(FLOW, "Rackbeat is not 24SO's stock master (flows.R8 is off): its stock is not opened from 24SO")]
        identity = so24_identity(context.resources.so24, str(run.db_path), settings)
        rackbeat: RackbeatResource = context.resources.rackbeat
        with rackbeat.client() as client:
            return [open_stock(run, client, identity)]

    r3 = settings.flow("R3")
    return spec, flow_asset(spec, body, enabled=r3.enabled, dry_run=r3.dry_run)


def _sensor(settings: Settings, job: Any) -> dg.SensorDefinition:
    on = settings.flow("R3").enabled and settings.flow("R8").enabled

    @dg.sensor(
        name=SENSOR, job=job, minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING if on else dg.DefaultSensorStatus.STOPPED,
        description="R3: after each successful initial sync, one opening-stock run (run_key = that run).",
    )  # fmt: skip
    def opening_after_initial_sync(context: dg.SensorEvaluationContext) -> list[dg.RunRequest] | dg.SkipReason:
        runs = context.instance.get_runs(
            filters=dg.RunsFilter(
                job_name=INITIAL_SYNC_JOB, statuses=[dg.DagsterRunStatus.SUCCESS], tags=company_tags()
            ),
            limit=1,
        )
        if not runs:
            return dg.SkipReason("the initial sync has not succeeded yet")
        after = runs[0].run_id
        return [dg.RunRequest(run_key=f"{JOB}:{after}", tags={**flow_tags("R3"), "so24/after_run": after})]

    return opening_after_initial_sync


def build_rackbeat_stock_definitions(settings: Settings) -> dg.Definitions:
    """R3's opening stock (needs resources "rackbeat", "so24", "staging" of the main Definitions)."""
    spec, asset = _asset(settings)
    job = dg.define_asset_job(
        JOB, selection=asset_selection(ASSET), tags=flow_tags("R3"),
        description="R3: 24SO's stock into the Rackbeat products the initial sync made, once (Rackbeat as stock master).",
    )  # fmt: skip
    schedule = every(
        SCHEDULE, job, settings.so24.cadence_minutes,
        running=settings.flow("R3").enabled and settings.flow("R8").enabled,
        description="R3: opening stock for products made since the last look, and failed ones again.",
    )  # fmt: skip
    return dg.Definitions(
        assets=[asset],
        asset_checks=[failed_records_check(spec.name, spec.owns)],
        jobs=[job],
        schedules=[schedule],
        sensors=[_sensor(settings, job)],
    )
