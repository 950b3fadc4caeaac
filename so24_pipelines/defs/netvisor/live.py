"""N3 going live in Dagster: the asset, its job and schedule, and the sensor on Rackbeat's webhooks.

- `n3_live_to_netvisor` (group "netvisor"): one run of flows/netvisor/n3.py for the registers in
  flows.N3.registers. Before flows.N3.go_live it is a dry run whose metadata `readiness` says what
  happens on the date; from then on it writes what changed in Rackbeat to Netvisor. Its check
  `no_failed_records` covers N2's card overwrite too, which every N3 run may write.
- `netvisor_live` job (the manual trigger) and `netvisor_live_schedule` every
  flows.N3.cadence_minutes: the fallback that catches a lost webhook.
- `netvisor_live_events` sensor: Rackbeat's customer/supplier/product `.created|.updated` events in
  the webhook inbox (defs/inbox_events.py, as R7 reads them) start one run per tick that found any
  (run_key = the cursor after them, so a tick never starts two runs for the same events).
Both start on with N3 (`flows.N3.enabled`).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg

from so24_pipelines.defs.flow_asset import FlowAsset, flow_asset, flow_tags, one_flow_on_demand_and_schedule
from so24_pipelines.defs.inbox_events import new_events
from so24_pipelines.defs.resources import InboxResource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.netvisor import n3
from so24_pipelines.flows.netvisor.live_events import SOURCE, events_for, events_to_mark
from so24_pipelines.flows.netvisor.matching import Register
from so24_pipelines.flows.netvisor.registers import OVERWRITE_FLOW, OVERWRITE_SPEC
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.settings import Settings

ASSET = "n3_live_to_netvisor"
JOB = "netvisor_live"
SCHEDULE = "netvisor_live_schedule"
SENSOR = "netvisor_live_events"


def live_spec(settings: Settings) -> FlowAsset:
    options = settings.flows.N3
    when = "at once" if options.go_live == "now" else f"from {options.go_live}"
    return FlowAsset(
        name=ASSET, flow="N3", system="netvisor", group="netvisor",
        kinds=frozenset({"netvisor", "rackbeat", "duckdb"}), resources=("netvisor", "rackbeat"),
        deps=("n2_matches",), owns=(OVERWRITE_FLOW, *(n3.N3_FLOWS[r] for r in options.registers)),
        specs=tuple(dict.fromkeys([OVERWRITE_SPEC, *(n3.live_load(r).spec for r in options.registers)])),
        description=f"N3 - going live ({when}, flows.N3.go_live): the {', '.join(options.registers)} created or "
        "changed in Rackbeat reach Netvisor, matched first by N2 (a business-ID match overwrites the Netvisor "
        "customer card, seed 003). Before the date nothing is written and the metadata `readiness` says what "
        "will happen on it.",
    )  # fmt: skip


def _body(settings: Settings):  # noqa: ANN202 - a FlowBody
    options = settings.flows.N3
    registers: list[Register] = list(options.registers)

    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        with context.resources.netvisor.client() as nv, context.resources.rackbeat.client() as rb:
            return [
                n3.go_live(
                    run, nv, rb, nv.organisation_id, registers, go_live=options.go_live,
                    zone=settings.netvisor.timezone,
                )
            ]  # fmt: skip

    return body


def _sensor(settings: Settings) -> dg.SensorDefinition:
    options = settings.flows.N3
    names = events_for(list(options.registers))
    marked = events_to_mark(names, r7_on=settings.flows.R7.enabled)
    on = dg.DefaultSensorStatus.RUNNING if options.enabled else dg.DefaultSensorStatus.STOPPED
    zone = ZoneInfo(settings.netvisor.timezone)

    @dg.sensor(
        name=SENSOR, job_name=JOB, minimum_interval_seconds=5, default_status=on,
        description="N3: Rackbeat customer/supplier/product events in the webhook inbox start one N3 run.",
    )  # fmt: skip
    def netvisor_live_events(context: dg.SensorEvaluationContext, inbox: InboxResource):  # noqa: ANN202
        """One run covers every event before it (N3 reads the registers again), so one per tick."""
        box = inbox.open()
        found, cursor = new_events(box, context.cursor, names, source=SOURCE, include_processed=True)
        events = [event for batch in found.values() for event in batch]
        box.mark_processed(e.event_id for e in events if e.event in marked)
        context.update_cursor(cursor)
        if not events:
            return dg.SkipReason("no new Rackbeat customer, supplier or product events")
        if isinstance(options.go_live, date) and datetime.now(zone).date() < options.go_live:
            # Nothing changed before the date is N3's; the schedule's runs show the readiness report.
            return dg.SkipReason(
                f"N3 goes live on {options.go_live}: {len(events)} event(s) before it, nothing to send"
            )
        return dg.RunRequest(
            run_key=f"N3:{hashlib.sha256(cursor.encode()).hexdigest()[:24]}",
            tags={**flow_tags("N3"), "rackbeat/events": str(len(events))},
        )

    return netvisor_live_events


def build_live_definitions(settings: Settings) -> dg.Definitions:
    options = settings.flows.N3
    spec = live_spec(settings)
    asset = flow_asset(spec, _body(settings), enabled=options.enabled, dry_run=options.dry_run)
    flow = one_flow_on_demand_and_schedule(
        spec, asset, job=JOB, schedule=SCHEDULE, minutes=options.cadence_minutes, running=options.enabled,
        what="send what was created or changed in Rackbeat since going live to Netvisor",
    )  # fmt: skip
    return dg.Definitions.merge(flow, dg.Definitions(sensors=[_sensor(settings)]))
