"""R5, R6, R8 from staged read to loader records, without a sandbox: what an event's record becomes.

The Rackbeat client is a stub answering like Rackbeat (thin, current state); the link to 24SO is
given per order number, as R4's id map would answer. Checked: the loader keys (R4's key for an
order born in 24SO, "rackbeat:<number>" otherwise), the skip reasons of the specs' rules, the
payloads the 24SO targets get, and that the staging table keeps one row per Rackbeat number.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat import orders_events
from so24_pipelines.flows.rackbeat.event_staging import RACKBEAT_ONLY, product_numbers_of
from so24_pipelines.flows.rackbeat.orders_events import map_staged, read_orders, read_products
from so24_pipelines.flows.rackbeat.orders_links import OrderLink, rackbeat_numbers_of
from so24_pipelines.flows.rackbeat.orders_products import So24Product
from so24_pipelines.flows.rackbeat.tables import EVENT_ORDERS
from so24_pipelines.mapping import load_spec
from so24_pipelines.staging.db import connect, transaction

ID = "company-a"


class StubRackbeat:
    def __init__(self, orders: dict[int, dict[str, Any]], products: dict[str, dict[str, Any]] | None = None) -> None:
        self.orders = orders
        self.products = products or {}

    def get_order(self, number: int, *, with_field_values: bool = False) -> dict[str, Any] | None:
        return self.orders.get(int(number))

    def get_product(self, number: str, *, with_field_values: bool = False) -> dict[str, Any] | None:
        return self.products.get(number)


class StubProducts:
    """So24Products' answers: item number -> 24SO product id (in company ID)."""

    def __init__(self, ids: dict[str, int]) -> None:
        self.ids = ids

    def product_id(self, identity: str, number: str) -> int | None:
        return self.ids.get(number)

    def lookup(self, number: str, *, identity: str | None = None, so24_id: str | None = None) -> So24Product | None:
        found = int(so24_id) if so24_id else self.ids.get(number)
        return So24Product(ID, found) if found else None


def _order(number: int, **flags: Any) -> dict[str, Any]:
    return {
        "number": number, "is_booked": True, "is_shipped": False, "is_partly_shipped": False,
        "booked_at": "2026-03-01T10:00:00+01:00", "updated_at": "2026-03-01T10:05:00Z", "lines": [], **flags,
    }  # fmt: skip


@pytest.fixture
def run(tmp_path: Path) -> RunContext:
    return RunContext.of(tmp_path / "staging.duckdb", "run-1")


@pytest.fixture
def links(monkeypatch: pytest.MonkeyPatch) -> dict[int, OrderLink]:
    """Rackbeat order number -> the 24SO order R4 made it from (what R4's id map would say)."""
    known: dict[int, OrderLink] = {}
    monkeypatch.setattr(orders_events, "link_of", lambda con, order, field_id: known.get(int(order["number"])))
    return known


def test_r5_records_carry_r4_keys_and_the_rules_reasons(run: RunContext, links: dict[int, OrderLink]) -> None:
    links.update({1: OrderLink(ID, 101), 2: OrderLink(ID, 102)})
    client = StubRackbeat({
        1: _order(1, is_shipped=True, shipped_at="2026-03-02T08:00:00Z"),
        2: _order(2, is_partly_shipped=True),
        3: _order(3, is_shipped=True),
    })  # fmt: skip
    read = read_orders(run, client, [1, 2, 3, 4, 1], order_field_id=7)  # type: ignore[arg-type]
    assert read.read.received == 4 and read.numbers == ("1", "2", "3")
    records = {r.source_key: r for r in map_staged(run, load_spec("rackbeat_order_sent"), read, {"sent_status": "Sent!"})}

    assert records[f"{ID}:101"].payload == {"identity": ID, "OrderId": 101, "OrderStatus": "Sent!"}
    assert records[f"{ID}:101"].source_version == "2026-03-02T08:00:00"
    assert records[f"{ID}:102"].skip_reason == (
        "Rackbeat order 2: partly shipped; 24SO becomes Sent once every line is shipped"
    )
    assert "not created from 24SO" in (records["rackbeat:3"].skip_reason or "")
    assert records["rackbeat:4"].skip_reason == "Rackbeat order 4 no longer exists"
    assert read.read.rejected == [("rackbeat:4", "Rackbeat order 4 no longer exists")]


def test_an_order_whose_link_appears_later_is_staged_once_under_its_company(
    run: RunContext, links: dict[int, OrderLink]
) -> None:
    client = StubRackbeat({5: _order(5, is_shipped=True)})
    read_orders(run, client, [5], order_field_id=7)  # type: ignore[arg-type]
    links[5] = OrderLink(ID, 105)
    read = read_orders(run, client, [5], order_field_id=7)  # type: ignore[arg-type]
    with connect(run.db_path) as con:
        staged = con.execute(f"SELECT identity, so24_order_id FROM {EVENT_ORDERS.qualified}").fetchall()  # noqa: S608
    assert staged == [(ID, 105)] and RACKBEAT_ONLY not in {i for i, _ in staged}
    [record] = map_staged(run, load_spec("rackbeat_order_sent"), read, {"sent_status": "OrderState_Sent"})
    assert record.source_key == f"{ID}:105" and record.payload["OrderId"] == 105


def test_r6_records_hold_the_product_lines_as_rackbeat_has_them_now(
    run: RunContext, links: dict[int, OrderLink]
) -> None:
    links.update({6: OrderLink(ID, 106), 7: OrderLink(ID, 107), 8: OrderLink(ID, 108)})
    lines = [
        {"id": 62, "item": {"number": "P-2"}, "quantity": 4},
        {"id": 61, "item": {"number": "P-1"}, "quantity": 1.5},
        {"id": 63, "item": None, "name": "a text line", "quantity": 0},
    ]
    client = StubRackbeat({
        6: _order(6, lines=lines),
        7: _order(7, lines=[{"id": 71, "item": {"number": "ELSEWHERE"}, "quantity": 1}]),
        8: _order(8, is_booked=False, lines=lines),
    })  # fmt: skip
    products = StubProducts({"P-1": 501, "P-2": 502})
    read = read_orders(run, client, [6, 7, 8], order_field_id=7, products=products)  # type: ignore[arg-type]
    records = {r.source_key: r for r in map_staged(run, load_spec("rackbeat_order_edits"), read, {})}

    assert records[f"{ID}:106"].payload == {
        "identity": ID, "OrderId": 106, "rackbeat_order": 6,
        "lines": [
            {"line_id": 61, "product_no": "P-1", "product_id": 501, "quantity": Decimal("1.5")},
            {"line_id": 62, "product_no": "P-2", "product_id": 502, "quantity": Decimal("4")},
        ],
    }  # fmt: skip
    assert "Rackbeat product ELSEWHERE is not a 24SO product" in (records[f"{ID}:107"].skip_reason or "")
    assert "not booked now" in (records[f"{ID}:108"].skip_reason or "")


def test_r8_records_set_the_stock_read_now_of_24so_products_only(run: RunContext) -> None:
    client = StubRackbeat({}, {
        "P-1": {"number": "P-1", "stock_quantity": 6.0, "updated_at": "2026-03-01T10:00:00Z"},
        "HELD": {"number": "HELD", "stock_quantity": 2, "field_values": [{"field_id": 9, "value": "777"}]},
        "LOOSE": {"number": "LOOSE", "stock_quantity": 1},
    })  # fmt: skip
    read = read_products(
        run, client, ["P-1", "HELD", "LOOSE", "GONE"], products=StubProducts({"P-1": 501}), product_field_id=9,  # type: ignore[arg-type]
    )
    records = {r.source_key: r for r in map_staged(run, load_spec("rackbeat_stock"), read, {})}
    assert records[f"{ID}:501"].payload == {"identity": ID, "productId": 501, "stockQuantity": Decimal(6)}
    assert records[f"{ID}:777"].payload["stockQuantity"] == Decimal(2)
    assert "not a 24SO product" in (records["rackbeat:LOOSE"].skip_reason or "")
    assert records["rackbeat:GONE"].skip_reason == "Rackbeat product GONE no longer exists"


def test_failed_keys_lead_back_to_the_rackbeat_records_to_read_again(run: RunContext) -> None:
    assert rackbeat_numbers_of(run.db_path, [f"{ID}:101", "odd"]) == [101], "R4 numbers its orders by OrderId"
    client = StubRackbeat({}, {"P-1": {"number": "P-1", "stock_quantity": 1}})
    read_products(run, client, ["P-1"], products=StubProducts({"P-1": 501}), product_field_id=None)  # type: ignore[arg-type]
    with transaction(run.db_path) as con:
        con.execute("CREATE TABLE staging.so24_products (identity VARCHAR, id BIGINT, no VARCHAR)")
        con.execute("INSERT INTO staging.so24_products VALUES (?, 502, 'P-2'), ('other', 501, 'X')", [ID])
    assert product_numbers_of(run.db_path, [(ID, 501), (ID, 502), (ID, 503)]) == ["P-1", "P-2"]
