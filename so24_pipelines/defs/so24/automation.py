"""Schedules, jobs and sensors for the 24SO extraction.

- so24_incremental: every `cadence_minutes` (15 by default), the E1-E7 assets read what changed.
- so24_initial_sync_plan: a job to (re)plan the backfill batches.
- so24_backfill_partitions: a sensor that makes the dynamic partitions match the planned batches
  in staging (e.g. after a plan made outside Dagster, or after the staging file was restored),
  so the backfill page always offers exactly the batches that exist.
"""


import dagster as dg

from so24_pipelines.defs.flow_asset import every
from so24_pipelines.defs.resources import StagingResource
from so24_pipelines.defs.so24.assets import BATCH_PARTITIONS, INCREMENTAL_SELECTION
from so24_pipelines.staging.db import connect
from so24_pipelines.sync.backfill import planned_backfill_partitions


def build_automation(cadence_minutes: int, enabled: bool) -> tuple[list, list, list]:
    incremental_job = dg.define_asset_job(
        "so24_incremental",
        selection=INCREMENTAL_SELECTION,
        description="E1-E7: read what changed in 24SO since the last high-water mark.",
    )
    plan_job = dg.define_asset_job(
        "so24_initial_sync_plan",
        selection=dg.AssetSelection.assets(*[f"so24_{name}_batches" for name in BATCH_PARTITIONS]),
        description="Plan the initial sync: SyncList ids into batches; then backfill the *_initial assets.",
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

    return [incremental_job, plan_job], [schedule], [backfill_partitions]
