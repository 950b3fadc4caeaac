"""Smartdok's Definitions: S1-S4 assets and checks, the jobs `smartdok_sync`, `smartdok_hours` and
`smartdok_readiness`, their schedules and the "smartdok" resource ("so24" and "staging" come from the
main Definitions).

- Job `smartdok_sync`: the 24SO -> Smartdok flows (S1, S2) that are switched on (employees, then
  projects; neither needs the other), or both when none is (a run of a switched-off flow does
  nothing and says so). It is also the manual trigger: *Jobs > smartdok_sync > Launch run*.
- Schedule `smartdok_sync_schedule`: every flows.S1 / flows.S2 `cadence_minutes` (the shorter of
  the flows that are on: one job runs both, and a flow with nothing new writes nothing, so the
  other's ticks cost it one read of the Smartdok register). Running by default only when smartdok
  is connected and S1 or S2 is on; stopped otherwise.
- Job `smartdok_hours`: S3's transfer of approved hours, then S4's readiness report, so every
  transfer comes with a fresh list of what held hours back (each held hour is also in S3's run;
  while one is, S3 waits and sends nothing, unless flows.S3.send_matching_while_mismatched). The
  manual trigger, and the backfill: its launchpad takes S3's `from_date` / `to_date` (older
  hours, in 93-day windows).
- Schedule `smartdok_hours_schedule`: every flows.S3 `cadence_minutes`, running by default when
  smartdok is connected and S3 is on.
- Job `smartdok_readiness`: S4 alone, before the first transfer (no schedule: `smartdok_hours`
  runs it on every tick anyway). Its dependency on S3 is the order within `smartdok_hours` only:
  S4 reads the pending hours itself.
- Check `smartdok_ready` on S4: WARN while a mismatch holds approved hours back.
"""

import dagster as dg

from so24_pipelines.defs.company_scope import asset_key, asset_selection
from so24_pipelines.defs.flow_asset import every, flow_checks, flow_tags
from so24_pipelines.defs.resources import So24Resource, StagingResource
from so24_pipelines.defs.smartdok.assets import (
    ASSETS,
    S1_ASSET,
    S2_ASSET,
    S3_ASSET,
    S4_ASSET,
    build_smartdok_assets,
)
from so24_pipelines.defs.smartdok.resources import smartdok_resource
from so24_pipelines.flows.smartdok import readiness
from so24_pipelines.settings import Settings

JOB = "smartdok_sync"
SCHEDULE = "smartdok_sync_schedule"
HOURS_JOB = "smartdok_hours"
HOURS_SCHEDULE = "smartdok_hours_schedule"
READINESS_JOB = "smartdok_readiness"
READY_CHECK = "smartdok_ready"


def readiness_check(chosen: str | None) -> dg.AssetChecksDefinition:
    """WARN while S4's last report found a mismatch that holds approved hours back (module doc)."""

    @dg.asset_check(
        asset=asset_key(S4_ASSET), name=READY_CHECK,
        description="No mismatch between Smartdok and 24SO holds approved hours back (S4's last report).",
    )  # fmt: skip
    def _check(staging: StagingResource, so24: So24Resource) -> dg.AssetCheckResult:
        identity = so24.paired_identity(staging.db_path, "smartdok", chosen)
        found = readiness.verdict(staging.db_path, identity)
        if found is None:
            return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                                       description="no readiness report yet: materialize s4_smartdok_readiness")  # fmt: skip
        first = "; ".join(f"{m['record']} ({m['key']}): {m['problem']}; {m['fix']}" for m in found["first"])
        return dg.AssetCheckResult(
            passed=found["blocking"] == 0, severity=dg.AssetCheckSeverity.WARN,
            metadata={"blocking": found["blocking"], "mismatches": found["mismatches"]},
            description=None if found["blocking"] == 0 else f"{found['blocking']} mismatch(es) hold hours: {first}",
        )  # fmt: skip

    return _check


def build_smartdok_definitions(settings: Settings) -> dg.Definitions:
    syncs = [ASSETS[S1_ASSET], ASSETS[S2_ASSET]]
    on = [spec for spec in syncs if settings.smartdok.enabled and settings.flow(spec.flow).enabled]
    chosen = on or syncs
    cadence = min(getattr(settings.flows, spec.flow).cadence_minutes for spec in chosen)
    flows = ", ".join(spec.flow for spec in chosen)
    job = dg.define_asset_job(
        JOB, selection=asset_selection(*(spec.name for spec in chosen)), tags=flow_tags(chosen[0].flow),
        description=f"{flows} - the 24SO -> Smartdok flows that are on, now (also the manual trigger).",
    )  # fmt: skip
    schedule = every(
        SCHEDULE, job, cadence, running=bool(on),
        description=f"{flows} - every {cadence} minutes (the shortest flows.S1/S2.cadence_minutes of the flows on).",
    )  # fmt: skip
    hours_job = dg.define_asset_job(
        HOURS_JOB, selection=asset_selection(S3_ASSET, S4_ASSET), tags=flow_tags("S3"),
        description="S3 then S4 - approved hours Smartdok -> 24SO, then the readiness report, now (also the "
        "manual trigger; a backfill takes from_date/to_date in the launchpad).",
    )  # fmt: skip
    hours_on = settings.smartdok.enabled and settings.flows.S3.enabled
    minutes = settings.flows.S3.cadence_minutes
    hours_schedule = every(
        HOURS_SCHEDULE, hours_job, minutes, running=hours_on,
        description=f"S3, S4 - every {minutes} minutes (flows.S3.cadence_minutes).",
    )  # fmt: skip
    readiness_job = dg.define_asset_job(
        READINESS_JOB, selection=asset_selection(S4_ASSET), tags=flow_tags("S4"),
        description="S4 - the readiness report now: every mismatch to align in Smartdok before the first transfer.",
    )  # fmt: skip
    return dg.Definitions(
        assets=build_smartdok_assets(settings),
        asset_checks=[*flow_checks(ASSETS.values()), readiness_check(settings.smartdok.so24_identity)],
        jobs=[job, hours_job, readiness_job],
        schedules=[schedule, hours_schedule],
        resources={"smartdok": smartdok_resource(settings)},
    )
