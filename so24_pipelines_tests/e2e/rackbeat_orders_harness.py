"""Shared setup of the Rackbeat order-flow tests and benchmarks (no tests in this module).

- clients for both sandboxes (fast retries, a budget far above the tests' needs);
- 24SO staging filled through the real extraction (products, companies, orders);
- a Rackbeat account that already holds what R1/R2 would have put there for the orders under
  test: each customer with "24so customer id", each product under its 24SO number with
  "24so product id" (made through the API, like any other Rackbeat write);
- webhook receivers on free ports in front of one inbox, registered with the Rackbeat sandbox.
  Rackbeat gives every webhook a token of its own and the receiver checks one token per source,
  so there is one receiver per event, all writing into the same inbox.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg

from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24 import session
from so24_pipelines.connectors.so24.client import So24Client, So24Credentials
from so24_pipelines.defs.rackbeat.events import build_rackbeat_events_definitions
from so24_pipelines.defs.rackbeat.orders import build_rackbeat_orders_definitions
from so24_pipelines.defs.rackbeat.resources import RackbeatResource
from so24_pipelines.defs.resources import InboxResource
from so24_pipelines.flows.rackbeat.orders_flow import ORDER_FIELDS
from so24_pipelines.flows.rackbeat.orders_mapping import statuses_reached
from so24_pipelines.flows.rackbeat.orders_webhooks import register_order_webhooks
from so24_pipelines.flows.rackbeat.readiness import require_ready
from so24_pipelines.flows.so24 import extract as so24_run
from so24_pipelines.flows.so24.entities import ENTITIES
from so24_pipelines.settings import Settings
from so24_pipelines.staging.db import connect
from so24_pipelines.webhooks.app import build_receiver
from so24_pipelines.webhooks.inbox import INBOX_FILE_NAME, Inbox
from so24_pipelines_tests.e2e import so24_harness
from so24_pipelines_tests.sandbox_process import SandboxProcess, free_port
from so24_pipelines_tests.serving import serving

FAST_RETRY = RetryPolicy(attempts=8, backoff_base=0.02, backoff_max=0.2)
WAIT_SECONDS = 20.0
ORDER_FLOWS = ("R4", "R5", "R6", "R8", "R9")


def order_settings(**flows: dict[str, Any]) -> Settings:
    """Settings with Rackbeat connected and the order flows switched on (plus per-flow options)."""
    return Settings.model_validate(
        {
            "rackbeat": {"enabled": True},
            "flows": {f: {"enabled": True, **flows.get(f, {})} for f in ORDER_FLOWS},
        }
    )


def rackbeat_resource(sandbox: SandboxProcess) -> RackbeatResource:
    creds = sandbox.control("GET", "rackbeat/credentials").json()
    return RackbeatResource(base_url=creds["baseUrl"], token=creds["token"], requests_per_minute=60_000)


def dagster_resources(sandbox: SandboxProcess, db: Path, inbox: Path) -> dict[str, Any]:
    """The resources the main Definitions provide, pointed at the sandbox (plus the inbox)."""
    creds = sandbox.control("GET", "rackbeat/credentials").json()
    return {
        **so24_harness.resources(sandbox, db),
        "rackbeat": RackbeatResource(
            base_url=creds["baseUrl"], token=creds["token"], requests_per_minute=60_000
        ),
        "inbox": InboxResource(path=str(inbox)),
    }


def rackbeat_client(sandbox: SandboxProcess, **kw: Any) -> RackbeatClient:
    creds = sandbox.control("GET", "rackbeat/credentials").json()
    kw.setdefault("retry", FAST_RETRY)
    kw.setdefault("requests_per_minute", 60_000)
    kw.setdefault("burst", 200)
    return RackbeatClient(creds["baseUrl"], creds["token"], **kw)


def so24_client(sandbox: SandboxProcess, **kw: Any) -> So24Client:
    c = sandbox.control("GET", "24so/credentials").json()
    kw.setdefault("backoff_base", 0.02)
    kw.setdefault("max_retries", 8)
    return So24Client(
        base_url=f"{sandbox.url}/24so",
        credentials=So24Credentials(c["application_id"], c["username"], c["password"]),
        **kw,
    )


def stage_so24(
    sandbox: SandboxProcess, db: Path, names: Sequence[str] = ("products", "companies", "orders")
) -> str:
    """Extract into staging like the E1/E3/E4 assets do; returns the identity."""
    so24_run.prepare(db)
    with so24_client(sandbox) as client:
        identity = session.current_identity(client, None)
        for name in names:
            so24_run.extract(client, db, ENTITIES[name], identity)
    return identity


def rows(db: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    with connect(db) as con:
        return con.execute(sql, list(params)).fetchall()


def eligible_orders(db: Path, so24_status: str = "Confirmed") -> list[int]:
    sql = (
        "SELECT order_id FROM staging.so24_orders WHERE list_contains(?::VARCHAR[], order_status) ORDER BY 1"
    )
    return [r[0] for r in rows(db, sql, [statuses_reached(so24_status)])]


def sendable_orders(db: Path, so24_status: str = "Confirmed") -> list[int]:
    """Eligible orders without a product number Rackbeat cannot hold (those are skipped by R4)."""
    long = {
        r[0]
        for r in rows(
            db, "SELECT DISTINCT order_id FROM staging.so24_order_rows WHERE length(product_no) > 25"
        )
    }
    return [o for o in eligible_orders(db, so24_status) if o not in long]


def create_so24_order(
    sandbox: SandboxProcess, customer_id: int, lines: Sequence[tuple[int, str]], status: str = "Confirmed"
) -> dict[str, Any]:
    """An order made in 24SO's UI: (product id, quantity) per row."""
    body = {
        "CustomerId": customer_id,
        "OrderStatus": status,
        "rows": [{"ProductId": pid, "Quantity": qty} for pid, qty in lines],
    }
    return sandbox.control("POST", "24so/orders", json=body).json()


def prepare_rackbeat(rb: RackbeatClient, db: Path, order_ids: Sequence[int] | None = None) -> dict[str, int]:
    """Customers and products the orders need, as R1/R2 leave them; returns the hub's field ids."""
    ids = require_ready(rb, fields=ORDER_FIELDS).field_ids
    orders = list(order_ids) if order_ids is not None else eligible_orders(db, "Confirmed")
    if not orders:
        return dict(ids)
    customers = rows(
        db,
        "SELECT DISTINCT c.id, c.name FROM staging.so24_orders o JOIN staging.so24_companies c "
        "ON c.identity = o.identity AND c.id = o.customer_id WHERE list_contains(?::BIGINT[], o.order_id) ORDER BY 1",
        [orders],
    )
    for company_id, name in customers:
        created = rb.create_customer({"name": name, "payment_terms_id": 1, "customer_group_id": 1})
        rb.set_field_value("customers", created["number"], ids["customers"], str(company_id))
    products = rows(
        db,
        "SELECT DISTINCT p.id, p.no, p.name, p.price FROM staging.so24_order_rows r JOIN staging.so24_products p "
        "ON p.identity = r.identity AND p.id = r.product_id "
        "WHERE list_contains(?::BIGINT[], r.order_id) AND length(p.no) <= 25 ORDER BY 1",
        [orders],
    )
    for product_id, number, name, price in products:
        if rb.get_product(number) is None:
            rb.create_product(
                {"number": number, "name": name, "group": 1001, "sales_price": price or Decimal(0)}
            )
        rb.set_field_value("products", number, ids["products"], str(product_id))
    return dict(ids)


def dump(sandbox: SandboxProcess, table: str) -> list[dict[str, Any]]:
    return sandbox.control("GET", f"rackbeat/{table}").json()[table]


def so24_order(sandbox: SandboxProcess, order_id: int) -> dict[str, Any]:
    return sandbox.control("GET", f"24so/orders/{order_id}").json()


def wait_for(check: Callable[[], Any], what: str, seconds: float = WAIT_SECONDS) -> Any:
    """Poll until `check()` is truthy; fail naming `what` after `seconds` (never asserts a duration)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class Receivers:
    inbox: Inbox
    urls: dict[str, str]


def _serve(inbox: Inbox, token: str, port: int) -> AbstractContextManager[None]:
    return serving(build_receiver(inbox, {"rackbeat": token}), port)


@contextmanager
def webhook_receivers(rb: RackbeatClient, inbox_path: Path, events: Sequence[str]) -> Iterator[Receivers]:
    """Register each event with the sandbox and serve it, with its own token, into one inbox.

    The port is chosen first so the URL can be registered before the receiver starts: the token
    exists only once Rackbeat has created the hook. Deliveries that arrive in between are
    retried by the sandbox, as Rackbeat retries them.
    """
    inbox = Inbox(inbox_path)
    with ExitStack() as stack:
        urls: dict[str, str] = {}
        for event in events:
            port = free_port()
            url = f"http://127.0.0.1:{port}/webhooks/rackbeat"
            token = register_order_webhooks(rb, url, events=[event])[event]
            if token is None:
                raise RuntimeError(f"{event} was already registered for {url}; its token is lost")
            stack.enter_context(_serve(inbox, token, port))
            urls[event] = url
        yield Receivers(inbox, urls)


def order_definitions(settings: Settings, sandbox: SandboxProcess, db: Path, home: Path) -> dg.Definitions:
    """The order flows' definitions (R4/R9 and the event flows) as the main Definitions would hold
    them, with the hub's resources; the inbox under `home` (DAGSTER_HOME), as the main ones put it."""
    return dg.Definitions.merge(
        build_rackbeat_orders_definitions(settings),
        build_rackbeat_events_definitions(settings),
        dg.Definitions(resources=dagster_resources(sandbox, db, inbox_file(home))),
    )


def inbox_file(home: Path) -> Path:
    return home / INBOX_FILE_NAME


def run_requests(defs: dg.Definitions, sensor: str, home: Path, cursor: str | None = None) -> dg.SensorResult:
    """One evaluation of a sensor, as the daemon would do it."""
    context = dg.build_sensor_context(
        cursor=cursor, resources={"inbox": InboxResource(path=str(inbox_file(home)))}
    )
    return defs.get_sensor_def(sensor)(context)


def execute(defs: dg.Definitions, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
    """Execute a requested run in process (what the run launcher would start)."""
    job = defs.resolve_job_def(request.job_name)
    return job.execute_in_process(run_config=request.run_config, tags=request.tags)


def op_metadata(result: dg.ExecuteInProcessResult, step: str) -> dict[str, Any]:
    """What a step reported: an asset's materialization metadata, else an op's output metadata."""
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION and event.step_key == step:
            return {k: v.value for k, v in event.event_specific_data.materialization.metadata.items()}
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_OUTPUT and event.step_key == step:
            return {k: v.value for k, v in event.event_specific_data.metadata.items()}
    raise KeyError(step)
