"""Dagster layer of the Rackbeat event flows R5, R6, R8: assets, the jobs that run them per event,
sensors, the retry sweep and the webhook registration. Thin: the work is in flows/rackbeat.

- One asset per flow, like every flow (group "rackbeat", pool "rackbeat_api", RETRY, tag
  `so24/flow`, the mapping spec as definition metadata, the one metadata vocabulary, a
  `no_failed_records` check): `rackbeat_shipped_to_so24` (R5), `rackbeat_booked_to_so24` (R6),
  `rackbeat_stock_to_so24` (R8). Each takes its run config (which inbox events, which order or
  product numbers) as a Dagster Config; materialized with none, it retries the flow's failures.
- Jobs `rackbeat_shipped`, `rackbeat_booked`, `rackbeat_stock` select one asset each, so a sensor
  launches one run per event. They leave the check step out, so an event's run stays one step
  (R5 is meant to be immediate: steps run in the run's process (definitions.py), but each step
  still adds Dagster's bookkeeping, and runs queue behind each other in a burst); the asset step reports its `no_failed_records` verdict itself
  (flow_asset), so a run whose record failed shows the failed check, with the reasons.
- R5, R6 `rackbeat_order_events` sensor: one run per inbox event (run_key = event id). Duplicates
  never start a second run (the inbox drops redeliveries, Dagster drops a repeated run key) and
  reordering is harmless (the flows read the order's state now).
- R8 `rackbeat_stock_events` sensor: a product's `inventory.changed` events wait until it has been
  quiet for `debounce_seconds`, then one `rackbeat_stock` run writes the latest figures.
- `rackbeat_changes_poll` sensor: every minute, orders and products changed in Rackbeat are added
  to the inbox as events too (a lost webhook, or a second booking whose body equals the first's).
- `rackbeat_order_events_retry` schedule: every 15 minutes, records that failed and events whose
  run never finished are tried again (X5); the sweep reports each flow's `no_failed_records`
  verdict afterwards, so a check turns green when the sweep fixed what it showed.
- `rackbeat_register_order_webhooks` job: registers the three webhooks for a receiver URL and
  keeps only their tokens' digests, never the tokens.

Every run starts with the Rackbeat readiness check (flows/rackbeat/readiness.py): a missing
prerequisite fails the run once with what to create. A flow's `dry_run` setting plans and previews
(markdown metadata) without writing, and leaves its events unprocessed; so does `dry_run: true` in
a run's config (every asset's config and the sweep's extend `FlowConfig`), for that run only.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg

from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.defs.company_scope import asset_selection, company_tags, op_name
from so24_pipelines.defs.flow_asset import (
    FLOW_TAG,
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
from so24_pipelines.defs.inbox_events import EVENT_BATCH, new_events
from so24_pipelines.defs.rackbeat.resources import RackbeatResource
from so24_pipelines.defs.resources import InboxResource, So24Resource, StagingResource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat import order_edits, shipped, stock_events
from so24_pipelines.flows.rackbeat.orders_flow import readiness_for_orders
from so24_pipelines.flows.rackbeat.orders_poll import poll_changes
from so24_pipelines.flows.rackbeat.orders_webhooks import (
    BOOKED,
    INVENTORY,
    ORDER_EVENTS,
    SHIPPED,
    SOURCE,
    event_key,
    order_number,
    register_order_webhooks,
)
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.settings import Settings
from so24_pipelines.webhooks.inbox import Event, Inbox

GROUP = "rackbeat"
SYSTEM = "rackbeat"
KINDS = frozenset({"rackbeat", "duckdb"})
STALE_EVENT_MINUTES = 10
R5_ASSET = "rackbeat_shipped_to_so24"
R6_ASSET = "rackbeat_booked_to_so24"
R8_ASSET = "rackbeat_stock_to_so24"


class OrderEventsConfig(FlowConfig):
    """Which inbox events a run handles and the Rackbeat orders they name; both empty = only retry failures.

    With `dry_run: true` the run previews and leaves its events unprocessed."""

    event_ids: list[str] = []
    order_numbers: list[int] = []


class StockEventsConfig(FlowConfig):
    """Which inbox events a run handles and the Rackbeat products they name; both empty = only retry failures.

    With `dry_run: true` the run previews and leaves its events unprocessed."""

    event_ids: list[str] = []
    product_numbers: list[str] = []


class WebhookSetupConfig(dg.Config):
    """Where Rackbeat should deliver (e.g. https://hub.example.com/webhooks/rackbeat), which events."""

    receiver_url: str
    events: list[str] = list(ORDER_EVENTS)


# A flow's body: (run, Rackbeat client, 24SO client, the hub's field ids, the numbers) -> FlowRun.
EventBody = Callable[[RunContext, RackbeatClient, So24Client, dict[str, int], list[Any]], FlowRun]


def _r5(run: RunContext, rb: RackbeatClient, client: So24Client, ids: dict[str, int], numbers: list[Any]) -> FlowRun:
    return shipped.run_shipped(run, rb, client, numbers, order_field_id=ids.get("orders", 0))


def _r6(run: RunContext, rb: RackbeatClient, client: So24Client, ids: dict[str, int], numbers: list[Any]) -> FlowRun:
    return order_edits.run_edits(
        run, rb, client, numbers, order_field_id=ids.get("orders", 0), product_field_id=ids.get("products")
    )


def _r8(run: RunContext, rb: RackbeatClient, client: So24Client, ids: dict[str, int], numbers: list[Any]) -> FlowRun:
    return stock_events.run_stock(run, rb, client, numbers, product_field_id=ids.get("products"))


@dataclass(frozen=True)
class EventFlow:
    """One event flow as an asset: its key, flow id, spec, lineage, description, body."""

    asset: str
    flow: str
    job: str
    spec: str
    deps: tuple[str, ...]
    description: str
    body: EventBody
    stock: bool = False


FLOWS: dict[str, EventFlow] = {
    "R5": EventFlow(
        R5_ASSET, "R5", "rackbeat_shipped", shipped.SPEC, ("rackbeat_orders",),
        "R5 - Rackbeat orders shipped in full (order.shipped) become OrderState_Sent in 24SO; only orders "
        "born in 24SO (R4). Run per event; with no config it retries earlier failures.",
        _r5,
    ),
    "R6": EventFlow(
        R6_ASSET, "R6", "rackbeat_booked", order_edits.SPEC, ("rackbeat_orders", "so24_products"),
        "R6 - edits of re-booked Rackbeat orders born in 24SO (order.booked) -> the 24SO order rows match "
        "and the status returns to Confirmed. Run per event; with no config it retries earlier failures.",
        _r6,
    ),
    "R8": EventFlow(
        R8_ASSET, "R8", "rackbeat_stock", stock_events.SPEC, ("so24_products",),
        "R8 - debounced Rackbeat stock changes (inventory.changed) -> 24SO SetStockQuantity with the figure "
        "read at the moment of writing. Run per quiet batch; with no config it retries earlier failures.",
        _r8, stock=True,
    ),
}  # fmt: skip


def _ready_ids(client: RackbeatClient, dry_run: bool) -> dict[str, int]:
    with told_to_user():
        return dict(readiness_for_orders(client, dry_run=dry_run).field_ids)


def _mark(inbox: InboxResource, event_ids: list[str], dry_run: bool) -> int:
    return 0 if dry_run or not event_ids else inbox.open().mark_processed(event_ids)


def _event_asset(flow: EventFlow, settings: Settings) -> dg.AssetsDefinition:
    """The flow's asset from the shared template, taking its events as run config."""
    spec = FlowAsset(
        name=flow.asset, flow=flow.flow, system=SYSTEM, group=GROUP, kinds=KINDS, description=flow.description,
        deps=flow.deps, owns=(flow.flow,), specs=(flow.spec,), resources=("rackbeat", "so24", "inbox"),
    )  # fmt: skip

    def body(context: dg.AssetExecutionContext, run: RunContext, config: Any) -> list[FlowRun]:
        numbers = list(config.product_numbers if flow.stock else config.order_numbers)
        rackbeat: RackbeatResource = context.resources.rackbeat
        so24: So24Resource = context.resources.so24
        with rackbeat.client() as rb, so24.client() as client:
            done = flow.body(run, rb, client, _ready_ids(rb, run.dry_run), numbers)
        marked = _mark(context.resources.inbox, config.event_ids, run.dry_run)
        return [done.noting(events=len(config.event_ids), events_marked=marked)]

    options = settings.flow(flow.flow)
    return flow_asset(
        spec, body, enabled=options.enabled, dry_run=options.dry_run,
        config=StockEventsConfig if flow.stock else OrderEventsConfig,
    )  # fmt: skip


def _job(spec: EventFlow, description: str) -> Any:
    return dg.define_asset_job(
        spec.job, selection=asset_selection(spec.asset).without_checks(), description=description,
        tags=flow_tags(spec.flow),
    )


@dg.op(name="register_order_webhooks", tags={FLOW_TAG: "R5,R6,R8"})
def register_webhooks_op(
    context: dg.OpExecutionContext, config: WebhookSetupConfig, rackbeat: RackbeatResource, inbox: InboxResource
) -> dg.Output[None]:
    """Register the order webhooks. Rackbeat shows a new hook's token once: only its SHA-256 is
    kept (in the inbox), which is all the receiver needs to check deliveries; no file holds it."""
    with rackbeat.client() as rb:
        tokens = register_order_webhooks(rb, config.receiver_url, config.events)
    created = {event: token for event, token in tokens.items() if token}
    box = inbox.open()
    for event, token in created.items():
        box.remember_token(SOURCE, event, token)
    context.log.info(
        "webhooks registered for %s: created %s, already there %s (token digests kept in the inbox)",
        config.receiver_url, sorted(created), sorted(set(tokens) - set(created)),
    )  # fmt: skip
    return dg.Output(None, metadata={"created": sorted(created), "token_digests_in": str(box.path)})


def _events_sensor(settings: Settings, shipped_job: Any, booked_job: Any) -> dg.SensorDefinition:
    wanted = {SHIPPED: FLOWS["R5"], BOOKED: FLOWS["R6"]}
    active = {e: f for e, f in wanted.items() if settings.flow(f.flow).enabled}
    on = dg.DefaultSensorStatus.RUNNING if active else dg.DefaultSensorStatus.STOPPED

    @dg.sensor(
        name="rackbeat_order_events",
        jobs=[shipped_job, booked_job],
        minimum_interval_seconds=5,  # the webhook path: shipped in Rackbeat -> Sent in 24SO within P4 10 s
        default_status=on,
    )
    def rackbeat_order_events(context: dg.SensorEvaluationContext, inbox: InboxResource) -> dg.SensorResult:
        """R5/R6: one run per order.shipped / order.booked event in the inbox (run_key = event id)."""
        box = inbox.open()
        found, cursor = new_events(box, context.cursor, active, source=SOURCE)
        requests: list[dg.RunRequest] = []
        unusable: list[str] = []
        for event_name, events in found.items():
            for event in events:
                number = order_number(event)
                if number is None:
                    unusable.append(event.event_id)
                    continue
                requests.append(_order_request(event, number, active[event_name]))
        if unusable:
            context.log.warning(
                "marked %d order event(s) without an order number processed", box.mark_processed(unusable)
            )
        return dg.SensorResult(run_requests=requests, cursor=cursor)

    return rackbeat_order_events


def _order_request(event: Event, number: int, flow: EventFlow) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=event.event_id,
        job_name=flow.job,
        run_config=dg.RunConfig(
            ops={op_name(flow.asset): OrderEventsConfig(event_ids=[event.event_id], order_numbers=[number])}
        ),
        tags={**flow_tags(flow.flow), "rackbeat/event": event.event, "rackbeat/order": str(number)},
    )


def due_stock_events(inbox: Inbox, debounce_seconds: int, *, now: datetime | None = None) -> list[Event]:
    """Per product, the newest `inventory.changed` once quiet for `debounce_seconds` (covers the rest)."""
    moment = now or datetime.now(UTC)
    return inbox.latest_per_key(INVENTORY, moment - timedelta(seconds=debounce_seconds), source=SOURCE)


def stock_request(events: list[Event]) -> dg.RunRequest | None:
    """One R8 run for every product that is due; the run key names exactly the events it covers."""
    numbers = [key for e in events if (key := event_key(e.payload, e.entity_key))]
    covered = sorted(i for e in events for i in e.covered_ids)
    if not covered:
        return None
    digest = hashlib.sha256("\n".join(covered).encode()).hexdigest()[:24]
    r8 = FLOWS["R8"]
    return dg.RunRequest(
        run_key=f"R8:{digest}",
        job_name=r8.job,
        run_config=dg.RunConfig(
            ops={op_name(r8.asset): StockEventsConfig(event_ids=covered, product_numbers=sorted(set(numbers)))}
        ),
        tags={**flow_tags("R8"), "rackbeat/products": str(len(set(numbers)))},
    )


def _stock_sensor(settings: Settings, stock_job: Any) -> dg.SensorDefinition:
    r8 = settings.flow("R8")
    on = dg.DefaultSensorStatus.RUNNING if r8.enabled else dg.DefaultSensorStatus.STOPPED

    @dg.sensor(
        name="rackbeat_stock_events",
        job=stock_job,
        minimum_interval_seconds=max(5, min(30, r8.debounce_seconds // 2 or 5)),
        default_status=on,
    )
    def rackbeat_stock_events(context: dg.SensorEvaluationContext, inbox: InboxResource) -> dg.SensorResult:
        """R8: products whose inventory.changed events have been quiet for the debounce -> one run."""
        request = stock_request(due_stock_events(inbox.open(), r8.debounce_seconds))
        return dg.SensorResult(run_requests=[request] if request else [])

    return rackbeat_stock_events


def _poll_sensor(settings: Settings) -> dg.SensorDefinition:
    events = tuple(
        e for e, f in ((BOOKED, "R6"), (SHIPPED, "R5"), (INVENTORY, "R8")) if settings.flow(f).enabled
    )
    on = dg.DefaultSensorStatus.RUNNING if events else dg.DefaultSensorStatus.STOPPED

    @dg.sensor(name="rackbeat_changes_poll", minimum_interval_seconds=60, default_status=on)
    def rackbeat_changes_poll(
        context: dg.SensorEvaluationContext, rackbeat: RackbeatResource, inbox: InboxResource
    ) -> dg.SkipReason:
        """Changed Rackbeat orders and products polled into the inbox (see flows/rackbeat/orders_poll.py)."""
        cursor = json.loads(context.cursor) if context.cursor else {}
        with rackbeat.client() as client:
            cursor, added = poll_changes(client, inbox.open(), cursor, events)
        context.update_cursor(json.dumps(cursor, sort_keys=True))
        return dg.SkipReason(f"{added} change(s) added to the inbox; the event sensors take them from there")

    return rackbeat_changes_poll


def _stale_events(box: Inbox, flow: str, settings: Settings) -> tuple[list[str], list[Any]]:
    """Event ids the sweep takes over for `flow` (their run never finished) and the numbers they name."""
    if flow == "R8":
        late = due_stock_events(box, settings.flow("R8").debounce_seconds + STALE_EVENT_MINUTES * 60)
        return [i for e in late for i in e.covered_ids], [k for e in late if (k := event_key(e.payload, e.entity_key))]
    stale_before = (datetime.now(UTC) - timedelta(minutes=STALE_EVENT_MINUTES)).isoformat(timespec="microseconds")
    event = SHIPPED if flow == "R5" else BOOKED
    old = [e for e in box.pending(event=event, source=SOURCE, limit=EVENT_BATCH) if e.received_at < stale_before]
    return [e.event_id for e in old], [n for e in old if (n := order_number(e)) is not None]


def _sweep_op(settings: Settings) -> dg.OpDefinition:
    @dg.op(name="rackbeat_order_events_sweep", tags={FLOW_TAG: "R5,R6,R8"})
    def _op(
        context: dg.OpExecutionContext,
        config: FlowConfig,
        rackbeat: RackbeatResource,
        so24: So24Resource,
        staging: StagingResource,
        inbox: InboxResource,
    ) -> dg.Output[None]:
        """Failed records and events older than STALE_EVENT_MINUTES whose run never finished, again.

        Run config `dry_run: true` previews every flow of the sweep (and leaves the events as they are)."""
        box = inbox.open()
        on = [f for f in FLOWS.values() if settings.flow(f.flow).enabled]
        base = run_context(context, staging.db_path)
        runs: list[FlowRun] = []
        per_flow: dict[str, Any] = {}

        def dry(flow: EventFlow) -> bool:
            return config.dry_run or settings.flow(flow.flow).dry_run

        with told_to_user(), rackbeat.client() as rb, so24.client() as client:
            ids = _ready_ids(rb, any(dry(f) for f in on))
            for flow in on:
                run = base.previewing(dry(flow))
                event_ids, numbers = _stale_events(box, flow.flow, settings)
                done = flow.body(run, rb, client, ids, numbers)
                _mark(inbox, event_ids, run.dry_run)
                runs.append(done)
                per_flow[flow.flow] = dg.MetadataValue.json({"events": len(event_ids), **done.counts()})
                context.log_event(failed_records_evaluation(staging.db_path, flow.asset, (flow.flow,)))
        return dg.Output(None, metadata={**flow_metadata(runs), **per_flow})

    return _op


def build_rackbeat_events_definitions(settings: Settings) -> dg.Definitions:
    """R5, R6, R8 for the main Definitions (needs resources "so24", "staging", "rackbeat", "inbox")."""
    shipped_job = _job(FLOWS["R5"], "R5: shipped Rackbeat orders -> 24SO OrderState_Sent.")
    booked_job = _job(FLOWS["R6"], "R6: edits of re-booked Rackbeat orders -> 24SO rows.")
    stock_job = _job(FLOWS["R8"], "R8: debounced Rackbeat stock changes -> 24SO SetStockQuantity.")

    @dg.job(
        name="rackbeat_order_events_retry",
        description="R5/R6/R8: retry failed records and stale events.",
        tags=flow_tags("R5,R6,R8"),
    )
    def sweep_job() -> None:
        _sweep_op(settings)()

    @dg.job(
        name="rackbeat_register_order_webhooks",
        description="Register order.shipped, order.booked, inventory.changed.",
        tags=company_tags(),
    )
    def register_job() -> None:
        register_webhooks_op()

    any_event_flow = any(settings.flow(f).enabled for f in FLOWS)
    sweep_schedule = every("rackbeat_order_events_retry_schedule", sweep_job, 15, running=any_event_flow)
    return dg.Definitions(
        assets=[_event_asset(flow, settings) for flow in FLOWS.values()],
        asset_checks=[failed_records_check(flow.asset, (flow.flow,)) for flow in FLOWS.values()],
        jobs=[shipped_job, booked_job, stock_job, sweep_job, register_job],
        schedules=[sweep_schedule],
        sensors=[
            _events_sensor(settings, shipped_job, booked_job),
            _stock_sensor(settings, stock_job),
            _poll_sensor(settings),
        ],
    )
