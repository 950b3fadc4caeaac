"""Schedules, jobs and sensors for the 24SO extraction.

- so24_incremental: every `cadence_minutes` (15 by default), the E1-E7 assets read what changed.
- so24_initial_sync: the one button for the initial sync. It plans (SyncList ids of companies and
  orders in batches, one partition each); the sensor so24_initial_sync_backfill then starts ONE
  backfill of every planned batch, which the user watches, cancels and re-executes on the
  Backfills page. Two steps because a backfill's partitions are fixed when it is launched, and
  they do not exist until the plan has run; the sensor is the public way to chain them.
- so24_initial_sync_backfill: the automation sensor of the *_initial assets (condition `eager`:
  a batch is asked for when the plan updates or the batch is new), emitting a backfill, not
  loose runs, whenever an asset has more than one batch (with one batch each, one run each).
  On by default: it acts only on a plan someone made.
- so24_backfill_partitions: a sensor that makes the dynamic partitions match the planned batches
  in staging (e.g. after a plan made outside Dagster, or after the staging file was restored),
  so the backfill page always offers exactly the batches that exist.
"""


import dagster as dg

from so24_pipelines.defs.company_scope import company_tags
from so24_pipelines.defs.flow_asset import every
from so24_pipelines.defs.resources import StagingResource
from so24_pipelines.defs.so24.assets import (
    BATCH_PARTITIONS,
    INCREMENTAL_SELECTION,
    INITIAL_SYNC_BATCHES,
    INITIAL_SYNC_PLAN,
)
from so24_pipelines.staging.db import connect
from so24_pipelines.sync.backfill import planned_backfill_partitions

INITIAL_SYNC_TAG = "so24/initial_sync"


def build_automation(cadence_minutes: int, enabled: bool) -> tuple[list, list, list]:
    incremental_job = dg.define_asset_job(
        "so24_incremental",
        selection=INCREMENTAL_SELECTION,
        tags=company_tags(),
        description="E1-E7: read what changed in 24SO since the last high-water mark.",
    )
    initial_sync_job = dg.define_asset_job(
        "so24_initial_sync",
        selection=INITIAL_SYNC_PLAN,
        description=(
            "The 24SO initial sync of companies and orders: plans batches of at most 1000 SyncList ids; "
            "within a minute the sensor so24_initial_sync_backfill starts one backfill of every batch "
            "(Overview > Backfills; runs tagged so24/initial_sync). Launch again to sync everything again."
        ),
        tags={INITIAL_SYNC_TAG: "plan", **company_tags()},
    )
    initial_sync_backfill = dg.AutomationConditionSensorDefinition(
        "so24_initial_sync_backfill",
        target=INITIAL_SYNC_BATCHES,
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
        emit_backfills=True,
        run_tags={INITIAL_SYNC_TAG: "batches", **company_tags()},
        description="Backfills every planned batch of the initial sync after the job so24_initial_sync.",
    )
    schedule = every("so24_incremental_schedule", incremental_job, cadence_minutes, running=enabled)

    @dg.sensor(name="so24_backfill_partitions", minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
    def backfill_partitions(context: dg.SensorEvaluationContext, staging: StagingResource) -> dg.SensorResult:
        with connect(staging.db_path) as con:
            rows = planned_backfill_partitions(con)
        requests = []
        for name, partitions in BATCH_PARTITIONS.items():
            wanted = {k for e, k in rows if e == name}
            existing = set(context.instance.get_dynamic_partitions(partitions.name))
            add = sorted(wanted - existing)
            drop = sorted(existing - wanted)
            if add:
                requests.append(partitions.build_add_request(add))
            if drop:
                requests.append(partitions.build_delete_request(drop))
        return dg.SensorResult(dynamic_partitions_requests=requests)

    return [incremental_job, initial_sync_job], [schedule], [backfill_partitions, initial_sync_backfill]
