"""R5, R6, R8 end to end: Rackbeat sandbox webhook -> receiver -> inbox -> sensor -> run -> 24SO.

The receivers are real uvicorn servers the sandbox delivers to over HTTP; the sensors are
evaluated as the daemon would (build_sensor_context) and the runs they request are executed in
process. Waits poll for an outcome ("until the event is in the inbox"), never assert a duration.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import dagster as dg
import pytest

from so24_pipelines.defs.rackbeat.events import due_stock_events, stock_request
from so24_pipelines.defs.resources import InboxResource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat.orders_flow import run_orders
from so24_pipelines.flows.rackbeat.orders_webhooks import BOOKED, INVENTORY, SHIPPED
from so24_pipelines.webhooks.inbox import Inbox
from so24_pipelines_tests.e2e.rackbeat_orders_harness import (
    dump,
    execute,
    inbox_file,
    op_metadata,
    order_definitions,
    order_settings,
    prepare_rackbeat,
    rackbeat_client,
    rackbeat_resource,
    rows,
    run_requests,
    sendable_orders,
    so24_order,
    stage_so24,
    wait_for,
    webhook_receivers,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def booked(sandbox, home):
    """Staging filled, Rackbeat prepared; R4 not run yet (tests register their hooks first)."""
    db = home / "staging.duckdb"
    stage_so24(sandbox, db)
    rb = rackbeat_client(sandbox)
    ids = prepare_rackbeat(rb, db)
    yield db, rb, ids
    rb.close()


def _pending(inbox, event: str) -> list:
    return inbox.pending(event=event, source="rackbeat")


def test_r5_shipped_in_rackbeat_makes_the_24so_order_sent_despite_duplicates_and_reordering(
    sandbox, booked, home
):
    db, rb, _ = booked
    defs = order_definitions(order_settings(), sandbox, db, home)
    run_orders(RunContext.of(db, "r4"), rb, so24_status="Confirmed", rackbeat_status="booked")
    first, second, untouched = sendable_orders(db)[:3]
    before = so24_order(sandbox, untouched)["OrderStatus"]
    own = rb.create_booked_order({"customer_id": 10001, "lines": [{"item_id": "RB-1001", "quantity": 1}]})
    sandbox.control(
        "POST", "rackbeat/webhooks", json={"duplicate_rate": 1.0, "reorder": True, "delay_ms": 300}
    )

    with webhook_receivers(rb, inbox_file(home), [SHIPPED]) as hooks:
        for number in (first, second, own["number"]):
            sandbox.control("POST", f"rackbeat/orders/{number}/ship")
        wait_for(lambda: len(_pending(hooks.inbox, SHIPPED)) == 3, "three order.shipped events in the inbox")
        deliveries = lambda: sandbox.control("GET", "rackbeat/webhooks/deliveries").json()["deliveries"]  # noqa: E731
        wait_for(
            lambda: sum(d["ok"] and d["duplicate"] for d in deliveries()) == 3, "every event delivered twice"
        )
        assert len(_pending(hooks.inbox, SHIPPED)) == 3

        result = run_requests_once(defs, home)
        assert sorted(r.tags["rackbeat/order"] for r in result.run_requests) == sorted(
            str(n) for n in (first, second, own["number"])
        )
        assert len({r.run_key for r in result.run_requests}) == 3
        assert run_requests_once(defs, home, result.cursor).run_requests == []

        outcomes = [execute(defs, request) for request in result.run_requests]
        assert all(o.success for o in outcomes)
        assert _pending(hooks.inbox, SHIPPED) == []

    assert so24_order(sandbox, first)["OrderStatus"] == "OrderState_Sent"
    assert so24_order(sandbox, second)["OrderStatus"] == "OrderState_Sent"
    assert so24_order(sandbox, untouched)["OrderStatus"] == before
    log = rows(db, "SELECT source_key, action, reason FROM sync.sync_log WHERE flow = 'R5' ORDER BY id")
    assert sorted(a for _, a, _ in log) == ["create", "create", "skip"]
    assert any(
        k == f"rackbeat:{own['number']}" and "not created from 24SO" in r for k, a, r in log if a == "skip"
    )

    replay = next(r for r in result.run_requests if r.tags["rackbeat/order"] == str(first))
    assert op_metadata(execute(defs, replay), "rackbeat_shipped_to_so24")["unchanged"] == 1
    assert rows(
        db, "SELECT count(*) FROM sync.sync_log WHERE flow = 'R5' AND action IN ('create', 'update')"
    ) == [(2,)]


def run_requests_once(defs, home, cursor=None):
    return run_requests(defs, "rackbeat_order_events", home, cursor)


class poll_sensor:  # noqa: N801 - reads like the sensor it drives
    """The rackbeat_changes_poll sensor, evaluated as the daemon would, keeping its cursor."""

    def __init__(self, defs, home, sandbox) -> None:
        self.sensor = defs.get_sensor_def("rackbeat_changes_poll")
        self.resources = {
            "rackbeat": rackbeat_resource(sandbox),
            "inbox": InboxResource(path=str(inbox_file(home))),
        }
        self.inbox = Inbox(inbox_file(home))

    def cursor_after(self, cursor):
        context = dg.build_sensor_context(cursor=cursor, resources=self.resources)
        self.sensor(context)
        return context.cursor

    def evaluate(self, cursor) -> int:
        before = self.inbox.counts()["total"]
        self.cursor_after(cursor)
        return self.inbox.counts()["total"] - before


def _edit_and_rebook(
    sandbox, rb, number: int, *, add: str | None, delete: bool, more: int
) -> tuple[list, Decimal]:
    """What a Rackbeat user does: reopen, change the first line's quantity, maybe delete/add, book."""
    lines = rb.get_order(number)["lines"]
    sandbox.control("POST", f"rackbeat/orders/{number}/reopen")
    quantity = Decimal(str(lines[0]["quantity"])) + more
    sandbox.control(
        "PATCH", f"rackbeat/orders/{number}/lines/{lines[0]['id']}", json={"quantity": float(quantity)}
    )
    if delete:
        sandbox.control("DELETE", f"rackbeat/orders/{number}/lines/{lines[1]['id']}")
    if add:
        sandbox.control("POST", f"rackbeat/orders/{number}/lines", json={"item_id": add, "quantity": 4})
    sandbox.control("POST", f"rackbeat/orders/{number}/book")
    return lines, quantity


def _state(sandbox, numbers) -> dict:
    return {
        n: (so24_order(sandbox, n)["OrderStatus"], so24_order(sandbox, n)["DateChanged"]) for n in numbers
    }


def test_r6_reopened_edited_and_rebooked_order_updates_the_24so_rows_and_status(sandbox, booked, home):
    db, rb, _ = booked
    defs = order_definitions(order_settings(), sandbox, db, home)
    run_orders(RunContext.of(db, "r4"), rb, so24_status="Confirmed", rackbeat_status="booked")
    sent = sendable_orders(db)
    number = next(n for n in sent if len(so24_order(sandbox, n)["rows"]) >= 2)
    other = next(n for n in sent if n != number)
    before = so24_order(sandbox, number)["rows"]
    added_no = next(
        p["number"]
        for p in dump(sandbox, "products")
        if p["number"] not in {r["ProductNo"] for r in before}
        and any(v["name"] == "24so product id" for v in p["field_values"])
    )
    untouched = _state(sandbox, [other])

    with webhook_receivers(rb, inbox_file(home), [BOOKED]) as hooks:
        lines, quantity = _edit_and_rebook(sandbox, rb, number, add=added_no, delete=True, more=3)
        sandbox.control("POST", f"rackbeat/orders/{other}/reopen")
        sandbox.control("POST", f"rackbeat/orders/{other}/book")
        wait_for(lambda: len(_pending(hooks.inbox, BOOKED)) == 2, "both bookings in the inbox")
        result = run_requests_once(defs, home)
        assert sorted(r.tags["rackbeat/order"] for r in result.run_requests) == sorted(
            [str(number), str(other)]
        )
        for request in result.run_requests:
            assert execute(defs, request).success
        assert _state(sandbox, [other]) == untouched, "re-booked without edits: 24SO is not written at all"

        after = so24_order(sandbox, number)
        assert after["OrderStatus"] == "Confirmed"
        by_row = {r["RowId"]: r for r in after["rows"]}
        assert Decimal(by_row[before[0]["RowId"]]["Quantity"]) == quantity
        assert before[1]["RowId"] not in by_row
        added = [r for r in after["rows"] if r["RowId"] not in {b["RowId"] for b in before}]
        assert [(r["ProductNo"], Decimal(r["Quantity"])) for r in added] == [(added_no, Decimal(4))]
        sql = "SELECT rackbeat_line_id, so24_row_id FROM sync.rackbeat_order_lines WHERE rackbeat_order = ?"
        pairs = dict(rows(db, sql, [number]))
        new_line = next(ln for ln in rb.get_order(number)["lines"] if ln["item"]["number"] == added_no)
        assert pairs[new_line["id"]] == added[0]["RowId"] and pairs[lines[0]["id"]] == before[0]["RowId"]

        replay = next(r for r in result.run_requests if r.tags["rackbeat/order"] == str(number))
        assert op_metadata(execute(defs, replay), "rackbeat_booked_to_so24")["unchanged"] == 1
        assert so24_order(sandbox, number)["rows"] == after["rows"]

        # A second edit sends a body equal to the first booking's: since the first was processed,
        # the inbox keeps it as a new event, and the event sensor takes it at once.
        booked_deliveries = lambda: [  # noqa: E731
            d
            for d in sandbox.control("GET", "rackbeat/webhooks/deliveries").json()["deliveries"]
            if d["event"] == BOOKED and d["key"] == number and d["ok"]
        ]
        delivered = len(booked_deliveries())
        _, again = _edit_and_rebook(sandbox, rb, number, add=None, delete=False, more=2)
        wait_for(lambda: len(booked_deliveries()) > delivered, "the second booking delivered to the receiver")
        assert len(_pending(hooks.inbox, BOOKED)) == 1, "the second booking must not be taken for a redelivery"
        again_requests = run_requests_once(defs, home, result.cursor)
        assert str(number) in {r.tags["rackbeat/order"] for r in again_requests.run_requests}
        for request in again_requests.run_requests:
            assert execute(defs, request).success
    final = {r["RowId"]: r for r in so24_order(sandbox, number)["rows"]}
    assert Decimal(final[before[0]["RowId"]]["Quantity"]) == again
    assert _state(sandbox, [other]) == untouched


def test_r8_stock_events_wait_for_the_debounce_and_write_the_latest_figure_once(sandbox, booked, home):
    db, rb, ids = booked
    defs = order_definitions(order_settings(R8={"debounce_seconds": 60}), sandbox, db, home)
    linked = [
        p for p in dump(sandbox, "products") if any(v["name"] == "24so product id" for v in p["field_values"])
    ]
    busy, quiet = linked[0], linked[1]
    so24_id = lambda p: int(next(v["value"] for v in p["field_values"] if v["name"] == "24so product id"))  # noqa: E731

    with webhook_receivers(rb, inbox_file(home), [INVENTORY]) as hooks:
        sandbox.control("POST", f"rackbeat/products/{busy['number']}/stock", json={"quantity": 5})
        sandbox.control("POST", f"rackbeat/products/{busy['number']}/stock", json={"quantity": 8})
        sandbox.control("POST", f"rackbeat/products/{busy['number']}/stock", json={"change": -2})
        sandbox.control("POST", f"rackbeat/products/{quiet['number']}/stock", json={"change": 3})
        wait_for(lambda: len(_pending(hooks.inbox, INVENTORY)) == 4, "four inventory.changed events")

        assert run_requests(defs, "rackbeat_stock_events", home).run_requests == [], (
            "inside the debounce window"
        )
        assert due_stock_events(hooks.inbox, 60) == []
        later = datetime.now(UTC) + timedelta(seconds=61)
        due = due_stock_events(hooks.inbox, 60, now=later)
        assert len(due) == 2 and sum(len(e.covered_ids) for e in due) == 4
        request = stock_request(due)
        assert request is not None and stock_request(due).run_key == request.run_key
        result = execute(defs, request)
        assert result.success
        assert _pending(hooks.inbox, INVENTORY) == []

    assert Decimal(so24_order_product(sandbox, so24_id(busy))["Stock"]) == Decimal(6)
    quiet_now = rb.get_stock(quiet["number"])["stock_quantity"]
    assert Decimal(so24_order_product(sandbox, so24_id(quiet))["Stock"]) == Decimal(str(quiet_now))
    writes = rows(db, "SELECT source_key, action FROM sync.sync_log WHERE flow = 'R8'")
    assert sorted(a for _, a in writes) == ["create", "create"]
    assert op_metadata(result, "rackbeat_stock_to_so24")["events"] == 4


def so24_order_product(sandbox, product_id: int) -> dict:
    return sandbox.control("GET", f"24so/products/{product_id}").json()
