"""Dagster layer of the Rackbeat order flows R4, R5, R6, R8, R9 (thin: the work is in flows/rackbeat).

- R4 `rackbeat_orders` asset (group "rackbeat"), on the `rackbeat_orders_schedule` every R4
  `cadence_minutes`; its job also runs the 24SO order extraction first, so a tick sends what
  24SO has now rather than what the last extraction saw.
- R5, R6 `rackbeat_order_events` sensor: one run per inbox event (run_key = event id) of the
  `rackbeat_shipped` / `rackbeat_booked` jobs. Duplicates never start a second run (the inbox
  drops redeliveries, Dagster drops a repeated run key) and reordering is harmless (the flows read
  the order's state now).
- R8 `rackbeat_stock_events` sensor: a product's `inventory.changed` events wait until it has been
  quiet for `debounce_seconds`, then one `rackbeat_stock` run writes the latest figures.
- `rackbeat_changes_poll` sensor: every minute, orders and products changed in Rackbeat are added
  to the inbox as events too (a lost webhook, or a second booking whose body equals the first's).
- `rackbeat_order_events_retry` schedule: every 15 minutes, records that failed and events whose
  run never finished are tried again (X5).
- R9 `rackbeat_fetch_order` job: launched by hand with `{order_id}` (and optionally `identity`).
- `rackbeat_register_order_webhooks` job: registers the three webhooks for a receiver URL and
  writes their tokens to a 0600 file, never to the logs.

Every run starts with the Rackbeat readiness check (flows/rackbeat/readiness.py): a missing
prerequisite fails the run once with what to create. A flow's `dry_run` setting plans and previews
(markdown metadata) without writing, and leaves its events unprocessed.
"""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import dagster as dg

from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.defs.cadence import cron_for
from so24_pipelines.defs.flow_asset import RETRY, told_to_user
from so24_pipelines.defs.rackbeat.resources import RackbeatResource
from so24_pipelines.defs.resources import InboxResource, So24Resource, StagingResource
from so24_pipelines.flows.rackbeat import order_edits, shipped, stock_events
from so24_pipelines.flows.rackbeat.orders_flow import readiness_for_orders, run_orders
from so24_pipelines.flows.rackbeat.orders_mapping import SPEC_NAME
from so24_pipelines.flows.rackbeat.orders_poll import poll_changes
from so24_pipelines.flows.rackbeat.orders_so24 import Loaded
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
from so24_pipelines.flows.rackbeat.readiness import ReadinessReport
from so24_pipelines.flows.so24 import extract as so24_extract
from so24_pipelines.mapping import load_spec, spec_markdown
from so24_pipelines.settings import Settings
from so24_pipelines.webhooks.inbox import Event, Inbox

GROUP = "rackbeat"
POOL = "rackbeat_api"
EVENT_BATCH = 500
STALE_EVENT_MINUTES = 10


class OrderEventsConfig(dg.Config):
    """Which inbox events a run handles; both empty = only retry earlier failures."""

    event_ids: list[str] = []
    order_numbers: list[int] = []


class StockEventsConfig(dg.Config):
    event_ids: list[str] = []
    product_numbers: list[str] = []


class FetchOrderConfig(dg.Config):
    """R9: the 24SO order id to fetch, and its company when the login reaches several."""

    order_id: int
    identity: str | None = None


class WebhookSetupConfig(dg.Config):
    """Where Rackbeat should deliver (e.g. https://hub.example.com/webhooks/rackbeat), which events."""

    receiver_url: str
    events: list[str] = list(ORDER_EVENTS)


def _loaded_metadata(loaded: Loaded, dry_run: bool) -> dict:
    failures = loaded.failures()
    table = "\n".join(
        ["| record | reason |", "|---|---|"] + [f"| {k} | {r.replace('|', '/')} |" for k, r in failures[:50]]
    )
    return {
        **{f"planned_{name}": count for name, count in loaded.planned().items()},
        **loaded.counts(),
        "dry_run": dry_run,
        "preview": dg.MetadataValue.md(loaded.preview()),
        "failures": dg.MetadataValue.md(table if failures else "No failures."),
    }


def _ready(client: RackbeatClient, dry_run: bool) -> ReadinessReport:
    with told_to_user():
        return readiness_for_orders(client, dry_run=dry_run)


def _r4_asset(settings: Settings) -> dg.AssetsDefinition:
    r4 = settings.flow("R4")

    @dg.asset(
        name="rackbeat_orders",
        group_name=GROUP,
        kinds={"rackbeat", "duckdb"},
        pool=POOL,
        deps=[dg.AssetKey("so24_orders"), dg.AssetKey("so24_order_rows")],
        retry_policy=RETRY,
        tags={"flow": "R4"},
        metadata={"mapping": dg.MetadataValue.md(spec_markdown(load_spec(SPEC_NAME)))},
        description=(
            f"R4 - 24SO orders that reached {r4.so24_status} become Rackbeat orders ({r4.rackbeat_status}), "
            "each once: Rackbeat order number and custom field '24so order id' = 24SO OrderId; the 24SO "
            "row id of every line in sync.rackbeat_order_lines. Field map: mapping/specs/rackbeat_orders.yaml."
        ),
    )
    def rackbeat_orders(
        context: dg.AssetExecutionContext, rackbeat: RackbeatResource, staging: StagingResource
    ) -> dg.MaterializeResult:
        with told_to_user(), rackbeat.client() as client:
            run = run_orders(
                staging.db_path,
                client,
                so24_status=r4.so24_status,
                rackbeat_status=r4.rackbeat_status,
                run_id=context.run.run_id,
                dry_run=r4.dry_run,
            )
        loaded = Loaded((run.plan,), (run.report,))
        context.log.info("R4: planned %s, done %s", run.plan.counts, run.report.counts())
        return dg.MaterializeResult(
            metadata={
                **_loaded_metadata(loaded, r4.dry_run),
                "dagster/row_count": len(run.plan.items),
                "readiness": dg.MetadataValue.md(run.readiness.to_markdown()),
            }
        )

    return rackbeat_orders


def _mark(inbox: InboxResource, event_ids: list[str], dry_run: bool) -> int:
    return 0 if dry_run or not event_ids else inbox.open().mark_processed(event_ids)


def _run_order_flow(
    flow: str,
    staging: StagingResource,
    rb: RackbeatClient,
    client: So24Client,
    numbers: list[int],
    ids: dict[str, int],
    run_id: str,
    dry_run: bool,
) -> Loaded:
    """R5 or R6 for the given Rackbeat orders (plus the flow's earlier failures)."""
    if flow == "R5":
        return shipped.run_shipped(
            staging.db_path,
            rb,
            client,
            numbers,
            order_field_id=ids.get("orders", 0),
            run_id=run_id,
            dry_run=dry_run,
        )
    return order_edits.run_edits(
        staging.db_path, rb, client, numbers,
        order_field_id=ids.get("orders", 0), product_field_id=ids.get("products"), run_id=run_id, dry_run=dry_run,
    )  # fmt: skip


def _order_op(name: str, flow: str, settings: Settings) -> dg.OpDefinition:
    dry_run = settings.flow(flow).dry_run

    @dg.op(name=name, tags={"flow": flow}, retry_policy=RETRY)
    def _op(
        context: dg.OpExecutionContext,
        config: OrderEventsConfig,
        rackbeat: RackbeatResource,
        so24: So24Resource,
        staging: StagingResource,
        inbox: InboxResource,
    ) -> dg.Output[None]:
        with told_to_user(), rackbeat.client() as rb, so24.client() as client:
            ids = dict(_ready(rb, dry_run).field_ids)
            loaded = _run_order_flow(
                flow, staging, rb, client, config.order_numbers, ids, context.run.run_id, dry_run
            )
        marked = _mark(inbox, config.event_ids, dry_run)
        context.log.info("%s: %s; %d event(s) marked processed", flow, loaded.counts(), marked)
        return dg.Output(
            None, metadata={**_loaded_metadata(loaded, dry_run), "events": len(config.event_ids)}
        )

    return _op


def _stock_op(settings: Settings) -> dg.OpDefinition:
    dry_run = settings.flow("R8").dry_run

    @dg.op(name="rackbeat_stock_to_so24", tags={"flow": "R8"}, retry_policy=RETRY)
    def _op(
        context: dg.OpExecutionContext,
        config: StockEventsConfig,
        rackbeat: RackbeatResource,
        so24: So24Resource,
        staging: StagingResource,
        inbox: InboxResource,
    ) -> dg.Output[None]:
        with told_to_user(), rackbeat.client() as rb, so24.client() as client:
            ids = _ready(rb, dry_run).field_ids
            loaded = stock_events.run_stock(
                staging.db_path, rb, client, config.product_numbers,
                product_field_id=ids.get("products"), run_id=context.run.run_id, dry_run=dry_run,
            )  # fmt: skip
        marked = _mark(inbox, config.event_ids, dry_run)
        context.log.info("R8: %s; %d event(s) marked processed", loaded.counts(), marked)
        return dg.Output(
            None, metadata={**_loaded_metadata(loaded, dry_run), "events": len(config.event_ids)}
        )

    return _op


def _fetch_op(settings: Settings) -> dg.OpDefinition:
    """R9: one 24SO order into Rackbeat by hand, whatever its status, and never twice.

    Rackbeat's own integration warns that pressing its "GET order" button twice duplicates the
    order. Here it cannot: the order is read into staging by the 24SO extraction's own upsert, then
    loaded under R4's flow key, id map and target, so a second fetch, a fetch after R4 sent the order
    or R4 after a fetch all find the same id-map row (or, after a crash, the same Rackbeat order by
    its number and "24so order id") and update instead of creating.
    """
    r4, r9 = settings.flow("R4"), settings.flow("R9")

    @dg.op(name="fetch_so24_order_into_rackbeat", tags={"flow": "R9"})
    def _op(
        context: dg.OpExecutionContext,
        config: FetchOrderConfig,
        rackbeat: RackbeatResource,
        so24: So24Resource,
        staging: StagingResource,
    ) -> dg.Output[None]:
        with told_to_user(), rackbeat.client() as rb, so24.client() as client:
            identity = so24_extract.extract_order(client, staging.db_path, config.order_id, config.identity)
            run = run_orders(
                staging.db_path, rb, so24_status=r4.so24_status, rackbeat_status=r4.rackbeat_status,
                run_id=context.run.run_id, dry_run=r9.dry_run, only=[f"{identity}:{int(config.order_id)}"],
            )  # fmt: skip
        loaded = Loaded((run.plan,), (run.report,))
        item = run.plan.items[0] if run.plan.items else None
        if item is not None and item.action == "skip":
            raise dg.Failure(
                description=f"order {config.order_id} not sent: {item.reason}", allow_retries=False
            )
        if run.report.failures:
            raise dg.Failure(description=f"order {config.order_id} failed: {run.report.failures[0][1]}")
        context.log.info("R9: order %s -> %s", config.order_id, run.report.counts())
        return dg.Output(None, metadata=_loaded_metadata(loaded, r9.dry_run))

    return _op


@dg.op(name="register_order_webhooks", tags={"flow": "R5,R6,R8"})
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


def _events_sensor(settings: Settings, shipped_job: dg.JobDefinition, booked_job: dg.JobDefinition):
    wanted = {
        SHIPPED: (shipped_job.name, "rackbeat_shipped_to_so24", "R5"),
        BOOKED: (booked_job.name, "rackbeat_booked_to_so24", "R6"),
    }
    active = {e: v for e, v in wanted.items() if settings.flow(v[2]).enabled}
    on = dg.DefaultSensorStatus.RUNNING if active else dg.DefaultSensorStatus.STOPPED

    @dg.sensor(
        name="rackbeat_order_events",
        jobs=[shipped_job, booked_job],
        minimum_interval_seconds=10,
        default_status=on,
    )
    def rackbeat_order_events(context: dg.SensorEvaluationContext, inbox: InboxResource) -> dg.SensorResult:
        """R5/R6: one run per order.shipped / order.booked event in the inbox (run_key = event id)."""
        cursor = json.loads(context.cursor) if context.cursor else {}
        box = inbox.open()
        requests: list[dg.RunRequest] = []
        unusable: list[str] = []
        for event_name, (job_name, op_name, flow) in active.items():
            events = box.pending(
                after_seq=int(cursor.get(event_name, 0)), limit=EVENT_BATCH, event=event_name, source=SOURCE
            )
            for event in events:
                number = order_number(event)
                if number is None:
                    unusable.append(event.event_id)
                    continue
                requests.append(_order_request(event, number, job_name, op_name, flow))
            if events:
                cursor[event_name] = events[-1].seq
        if unusable:
            context.log.warning(
                "marked %d order event(s) without an order number processed", box.mark_processed(unusable)
            )
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))

    return rackbeat_order_events


def _order_request(event: Event, number: int, job_name: str, op_name: str, flow: str) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=event.event_id,
        job_name=job_name,
        run_config=dg.RunConfig(
            ops={op_name: OrderEventsConfig(event_ids=[event.event_id], order_numbers=[number])}
        ),
        tags={"flow": flow, "rackbeat/event": event.event, "rackbeat/order": str(number)},
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
    return dg.RunRequest(
        run_key=f"R8:{digest}",
        job_name="rackbeat_stock",
        run_config=dg.RunConfig(
            ops={
                "rackbeat_stock_to_so24": StockEventsConfig(
                    event_ids=covered, product_numbers=sorted(set(numbers))
                )
            }
        ),
        tags={"flow": "R8", "rackbeat/products": str(len(set(numbers)))},
    )


def _stock_sensor(settings: Settings, stock_job: dg.JobDefinition):
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


def _poll_sensor(settings: Settings):
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


def _sweep_op(settings: Settings) -> dg.OpDefinition:
    flows = {f: settings.flow(f) for f in ("R5", "R6", "R8")}

    @dg.op(name="rackbeat_order_events_sweep", tags={"flow": "R5,R6,R8"})
    def _op(
        context: dg.OpExecutionContext,
        rackbeat: RackbeatResource,
        so24: So24Resource,
        staging: StagingResource,
        inbox: InboxResource,
    ) -> dg.Output[None]:
        """Failed records and events older than STALE_EVENT_MINUTES whose run never finished, again."""
        box = inbox.open()
        stale_before = (datetime.now(UTC) - timedelta(minutes=STALE_EVENT_MINUTES)).isoformat(
            timespec="microseconds"
        )
        metadata: dict = {}
        with told_to_user(), rackbeat.client() as rb, so24.client() as client:
            ids = _ready(rb, any(f.dry_run for f in flows.values())).field_ids
            for flow, event in (("R5", SHIPPED), ("R6", BOOKED)):
                if not flows[flow].enabled:
                    continue
                old = [
                    e
                    for e in box.pending(event=event, source=SOURCE, limit=EVENT_BATCH)
                    if e.received_at < stale_before
                ]
                numbers = [n for e in old if (n := order_number(e)) is not None]
                loaded = _run_order_flow(
                    flow, staging, rb, client, numbers, dict(ids), context.run.run_id, flows[flow].dry_run
                )
                _mark(inbox, [e.event_id for e in old], flows[flow].dry_run)
                metadata[flow] = dg.MetadataValue.json({"events": len(old), **loaded.counts()})
            r8 = flows["R8"]
            if r8.enabled:
                late = due_stock_events(box, r8.debounce_seconds + STALE_EVENT_MINUTES * 60)
                loaded = stock_events.run_stock(
                    staging.db_path, rb, client, [k for e in late if (k := event_key(e.payload, e.entity_key))],
                    product_field_id=ids.get("products"), run_id=context.run.run_id, dry_run=r8.dry_run,
                )  # fmt: skip
                _mark(inbox, [i for e in late for i in e.covered_ids], r8.dry_run)
                metadata["R8"] = dg.MetadataValue.json({"events": len(late), **loaded.counts()})
        return dg.Output(None, metadata=metadata)

    return _op


def build_rackbeat_orders_definitions(settings: Settings) -> dg.Definitions:
    """R4-R6, R8, R9 for the main Definitions (needs resources "so24", "staging", "rackbeat")."""
    r4 = settings.flow("R4")
    orders_asset = _r4_asset(settings)
    orders_job = dg.define_asset_job(
        "rackbeat_orders_sync",
        selection=dg.AssetSelection.assets("so24_orders", "so24_order_rows", "rackbeat_orders"),
        description="R4: read changed 24SO orders, then send those that reached the configured status to Rackbeat.",
    )
    orders_schedule = dg.ScheduleDefinition(
        name="rackbeat_orders_schedule",
        job=orders_job,
        cron_schedule=cron_for(r4.cadence_minutes),
        default_status=dg.DefaultScheduleStatus.RUNNING if r4.enabled else dg.DefaultScheduleStatus.STOPPED,
    )

    @dg.job(
        name="rackbeat_shipped",
        description="R5: shipped Rackbeat orders -> 24SO OrderState_Sent.",
        tags={"flow": "R5"},
    )
    def shipped_job() -> None:
        _order_op("rackbeat_shipped_to_so24", "R5", settings)()

    @dg.job(
        name="rackbeat_booked",
        description="R6: edits of re-booked Rackbeat orders -> 24SO rows.",
        tags={"flow": "R6"},
    )
    def booked_job() -> None:
        _order_op("rackbeat_booked_to_so24", "R6", settings)()

    @dg.job(
        name="rackbeat_stock",
        description="R8: debounced Rackbeat stock changes -> 24SO SetStockQuantity.",
        tags={"flow": "R8"},
    )
    def stock_job() -> None:
        _stock_op(settings)()

    @dg.job(
        name="rackbeat_fetch_order",
        description="R9: fetch one 24SO order into Rackbeat now, whatever its status (run config: order_id). "
        "Running it twice gives one order.",
        tags={"flow": "R9"},
    )
    def fetch_job() -> None:
        _fetch_op(settings)()

    @dg.job(
        name="rackbeat_order_events_retry", description="R5/R6/R8: retry failed records and stale events."
    )
    def sweep_job() -> None:
        _sweep_op(settings)()

    @dg.job(
        name="rackbeat_register_order_webhooks",
        description="Register order.shipped, order.booked, inventory.changed.",
    )
    def register_job() -> None:
        register_webhooks_op()

    any_event_flow = any(settings.flow(f).enabled for f in ("R5", "R6", "R8"))
    sweep_schedule = dg.ScheduleDefinition(
        name="rackbeat_order_events_retry_schedule",
        job=sweep_job,
        cron_schedule=cron_for(15),
        default_status=dg.DefaultScheduleStatus.RUNNING
        if any_event_flow
        else dg.DefaultScheduleStatus.STOPPED,
    )
    return dg.Definitions(
        assets=[orders_asset],
        jobs=[orders_job, shipped_job, booked_job, stock_job, fetch_job, sweep_job, register_job],
        schedules=[orders_schedule, sweep_schedule],
        sensors=[
            _events_sensor(settings, shipped_job, booked_job),
            _stock_sensor(settings, stock_job),
            _poll_sensor(settings),
        ],
    )
