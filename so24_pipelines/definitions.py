"""The one Dagster entry point (workspace.yaml and `dagster dev -m` point here).

Settings are loaded and validated when the definitions load, so a bad so24.yaml fails
`dagster definitions validate` with a message naming the key, before any run starts. Nothing
here touches the network: resources connect when a step runs.
"""

from __future__ import annotations

import dagster as dg

from so24_pipelines.defs.ongoing import build_ongoing_definitions
from so24_pipelines.defs.rackbeat_entities import build_rackbeat_entities_definitions
from so24_pipelines.defs.rackbeat_orders import build_rackbeat_orders_definitions
from so24_pipelines.defs.resources import So24Resource, StagingResource
from so24_pipelines.defs.so24_assets import BACKFILL_ASSETS, EXTRACT_ASSETS
from so24_pipelines.defs.so24_automation import build_automation
from so24_pipelines.defs.staging_checks import staging_checks
from so24_pipelines.extraction.so24_entities import ENTITIES
from so24_pipelines.settings import Settings, load_settings


def build_definitions(settings: Settings) -> dg.Definitions:
    so24 = settings.so24
    extraction_on = any(settings.flow(f).enabled for f in ("E1", "E2", "E3", "E4", "E5", "E6", "E7"))
    jobs, schedules, sensors = build_automation(so24.cadence_minutes, extraction_on)
    checks = []
    for entity in ENTITIES.values():
        checks += staging_checks(f"so24_{entity.name}", entity.table)
        if entity.child is not None:
            checks += staging_checks(f"so24_{entity.child.name.removeprefix('so24_')}", entity.child)
    core = dg.Definitions(
        assets=[*EXTRACT_ASSETS, *BACKFILL_ASSETS],
        asset_checks=checks,
        jobs=jobs,
        schedules=schedules,
        sensors=sensors,
        resources={
            "staging": StagingResource(path=str(settings.staging_path())),
            "so24": So24Resource(
                base_url=so24.base_url,
                webservices_url=so24.effective_webservices_url,
                application_id=dg.EnvVar("SO24_APPLICATION_ID"),
                username=dg.EnvVar("SO24_USERNAME"),
                password=dg.EnvVar("SO24_PASSWORD"),
                identities=list(so24.identities),
                timeout_seconds=float(so24.timeout_seconds),
                max_retries=so24.max_retries,
                requests_per_hour=so24.requests_per_hour,
                overlap_minutes=so24.overlap_minutes,
                batch_size=so24.batch_size,
            ),
        },
    )
    return dg.Definitions.merge(
        core,
        build_ongoing_definitions(settings),
        build_rackbeat_entities_definitions(settings),
        build_rackbeat_orders_definitions(settings),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(load_settings())
