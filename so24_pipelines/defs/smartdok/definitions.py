"""Smartdok's Definitions: S1 and S2 assets and checks, the job `smartdok_sync`, its schedule and
the "smartdok" resource ("so24" and "staging" come from the main Definitions).

- Job `smartdok_sync`: the S flows that are switched on (employees, then projects; neither needs
  the other), or both when none is (a run of a switched-off flow does nothing and says so). It is
  also the manual trigger: *Jobs > smartdok_sync > Launch run*.
- Schedule `smartdok_sync_schedule`: every flows.S1 / flows.S2 `cadence_minutes` (the shorter of
  the flows that are on: one job runs both, and a flow with nothing new writes nothing, so the
  other's ticks cost it one read of the Smartdok register). Running by default only when smartdok
  is connected and S1 or S2 is on; stopped otherwise.
"""

import dagster as dg

from so24_pipelines.defs.flow_asset import every, flow_checks, flow_tags
from so24_pipelines.defs.smartdok.assets import ASSETS, build_smartdok_assets
from so24_pipelines.defs.smartdok.resources import smartdok_resource
from so24_pipelines.settings import Settings

JOB = "smartdok_sync"
SCHEDULE = "smartdok_sync_schedule"


def build_smartdok_definitions(settings: Settings) -> dg.Definitions:
    on = [spec for spec in ASSETS.values() if settings.smartdok.enabled and settings.flow(spec.flow).enabled]
    chosen = on or list(ASSETS.values())
    cadence = min(getattr(settings.flows, spec.flow).cadence_minutes for spec in chosen)
    flows = ", ".join(spec.flow for spec in chosen)
    job = dg.define_asset_job(
        JOB, selection=dg.AssetSelection.assets(*(spec.name for spec in chosen)), tags=flow_tags(chosen[0].flow),
        description=f"{flows} - the 24SO -> Smartdok flows that are on, now (also the manual trigger).",
    )  # fmt: skip
    schedule = every(
        SCHEDULE, job, cadence, running=bool(on),
        description=f"{flows} - every {cadence} minutes (the shortest flows.S1/S2.cadence_minutes of the flows on).",
    )  # fmt: skip
    return dg.Definitions(
        assets=build_smartdok_assets(settings),
        asset_checks=flow_checks(ASSETS.values()),
        jobs=[job],
        schedules=[schedule],
        resources={"smartdok": smartdok_resource(settings)},
    )
