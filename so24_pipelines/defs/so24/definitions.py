"""24SO's room in the one Definitions: the E1-E7 extraction, its backfill and schedule, the staging
checks, and the hub's resources (staging file, 24SO login, webhook inbox) every other system uses."""

from __future__ import annotations

import dagster as dg

from so24_pipelines.defs.company_scope import company
from so24_pipelines.defs.resources import InboxResource, So24Resource, StagingResource
from so24_pipelines.defs.so24.assets import BACKFILL_ASSETS, EXTRACT_ASSETS
from so24_pipelines.defs.so24.automation import build_automation
from so24_pipelines.defs.staging_checks import staging_checks
from so24_pipelines.flows.so24.entities import ENTITIES
from so24_pipelines.settings import Settings
from so24_pipelines.webhooks.inbox import default_inbox_path

EXTRACTION_FLOWS = ("E1", "E2", "E3", "E4", "E5", "E6", "E7")


def build_so24_definitions(settings: Settings) -> dg.Definitions:
    so24 = settings.so24
    extraction_on = any(settings.flow(f).enabled for f in EXTRACTION_FLOWS)
    jobs, schedules, sensors = build_automation(so24.cadence_minutes, extraction_on)
    checks = []
    for entity in ENTITIES.values():
        checks += staging_checks(f"so24_{entity.name}", entity.table)
        if entity.child is not None:
            checks += staging_checks(f"so24_{entity.child.name.removeprefix('so24_')}", entity.child)
    return dg.Definitions(
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
            "inbox": InboxResource(path=str(default_inbox_path(company=company()))),
        },
    )
