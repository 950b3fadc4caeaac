"""L2's mapping over a real staging file: LNB orders staged as the read stages them, 24SO customers
and products as E1/E3 stage them, mapped by the spec and checked (orders_mapping.py, orders_rows.py).

What is checked here and not end to end: the exact payload 24SO is sent, each reason an order is
held back for (no reference, a reference that is not a customer, an unknown product, an EAN13
two 24SO products share), the discount unit, and which orders are mapped at all.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from so24_pipelines.flows.lnb.orders_mapping import OrderOptions, mapped_keys, order_records
from so24_pipelines.flows.lnb.orders_staging import stage_orders
from so24_pipelines.flows.so24 import tables as t
from so24_pipelines.flows.so24.tables import ensure_schema
from so24_pipelines.staging.db import transaction
from so24_pipelines.staging.tables import StagingTable
from so24_pipelines.staging.upsert import upsert
from so24_pipelines.sync import MappedRecord

IDENTITY = "11111111-2222-3333-4444-555555555555"
EAN_A, EAN_B, EAN_SHARED = "7000000000017", "7000000000024", "7000000000031"


def stage_so24(db: Path, table: StagingTable, rows: list[dict[str, Any]]) -> None:
    names = [c.name for c in table.all_columns]
    with transaction(db) as con:
        ensure_schema(con)
        upsert(con, table, {n: [row.get(n) for row in rows] for n in names}, IDENTITY)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    db = tmp_path / "staging.duckdb"
    stage_so24(db, t.COMPANIES, [
        {"id": "10002", "name": "Butikk 1 AS", "type": "Business"},
        {"id": "10003", "name": "Butikk 2 AS", "type": "Business"},
    ])  # fmt: skip
    stage_so24(db, t.PRODUCTS, [
        {"id": "1001", "name": "Genser", "no": "P-001001", "ean1": EAN_A},
        {"id": "1002", "name": "Jakke", "no": "P-001002", "ean1": EAN_B},
        {"id": "1003", "name": "Lue", "no": "P-001003", "ean1": EAN_SHARED},
        {"id": "1004", "name": "Lue (kopi)", "no": "P-001004", "ean1": EAN_SHARED},
    ])  # fmt: skip
    return db


def item(ean13: str | None, quantity: int, *, sku: str | None = None, price: float = 100.0, rate: float = 0.0,
         name: str = "Vare") -> dict[str, Any]:  # fmt: skip
    return {"ean13": ean13, "sku": sku, "quantity": quantity, "unit_price": price, "discount_rate": rate,
            "name": name, "color": "Sort", "size": "M"}  # fmt: skip


def order(reference: str, retailer: str | None, items: list[dict[str, Any]], *, status: str = "confirmed",
          **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {"reference": reference, "status": status, "retailer_reference": retailer,
            "retailer_name": f"Butikk {reference[-1]} AS", "update_time": "2026-05-01T08:00:00+00:00",
            "create_time": "2026-04-30T10:00:00+00:00", "items": items, **extra}  # fmt: skip


def mapped(db: Path, orders: list[dict[str, Any]], **options: Any) -> dict[str, MappedRecord]:
    stage_orders(db, IDENTITY, orders)
    chosen = {"statuses": ("confirmed",), "so24_status": "Confirmed", "product_key": "ean13",
              "discount_unit": "fraction", **options}  # fmt: skip
    return {r.source_key: r for r in order_records(db, IDENTITY, "L2", OrderOptions(**chosen))}


def test_an_order_becomes_the_invoice_order_24so_is_sent(db: Path) -> None:
    records = mapped(db, [order(
        "LNB-1", "10002", [item(EAN_A, 3, price=199.5, rate=0.15), item(EAN_B, 12)],
        purchase_order_reference="PO-77", comment="Før jul", delivery_start_on="2026-06-01",
    )])  # fmt: skip

    record = records["LNB-1"]
    assert record.skip_reason is None
    assert record.business_key == "LNB-1@10002", (
        "the target looks the reference up among this customer's orders"
    )
    assert record.payload == {
        "CustomerId": 10002, "OrderStatus": "Confirmed", "ReferenceNumber": "LNB-1", "YourReference": "PO-77",
        "InvoiceText": "Før jul", "DateOrdered": "2026-04-30T10:00:00", "DeliveryDate": "2026-06-01T00:00:00",
        "InvoiceRows": {"InvoiceRow": [
            {"ProductId": 1001, "Quantity": Decimal("3"), "Price": Decimal("199.5"), "DiscountRate": Decimal("15")},
            {"ProductId": 1002, "Quantity": Decimal("12"), "Price": Decimal("100"), "DiscountRate": Decimal("0")},
        ]},
    }  # fmt: skip


def test_a_retailer_without_a_valid_customer_reference_holds_the_order_back(db: Path) -> None:
    records = mapped(db, [
        order("LNB-1", None, [item(EAN_A, 1)]),
        order("LNB-2", "NY-KUNDE", [item(EAN_A, 1)]),
        order("LNB-3", "99999", [item(EAN_A, 1)]),
    ])  # fmt: skip

    assert all(not r.payload for r in records.values())
    assert records["LNB-1"].skip_reason == (
        "order LNB-1: the retailer Butikk 1 AS has no customer reference in LNB; set it to the retailer's 24SO "
        "customer number (retried every tick)"
    )
    assert "the customer reference 'NY-KUNDE' of retailer Butikk 2 AS is not the id of a 24SO customer" in (
        records["LNB-2"].skip_reason or ""
    )
    assert "the customer reference '99999'" in (records["LNB-3"].skip_reason or "")


def test_an_unknown_product_holds_the_whole_order_back_naming_the_line(db: Path) -> None:
    records = mapped(
        db, [order("LNB-1", "10002", [item(EAN_A, 1), item(None, 2, name="Prøve"), item("7999", 1)])]
    )

    reason = records["LNB-1"].skip_reason or ""
    assert not records["LNB-1"].payload
    assert "line 2: Prøve Sort M (EAN13 '', SKU '') is not a 24SO product" in reason
    assert "line 3: Vare Sort M (EAN13 '7999', SKU '') is not a 24SO product" in reason
    assert "line 1" not in reason


def test_an_ean13_two_24so_products_share_holds_the_order_back_naming_them(db: Path) -> None:
    records = mapped(db, [order("LNB-1", "10002", [item(EAN_A, 1), item(EAN_SHARED, 2)])])

    assert records["LNB-1"].skip_reason == (
        f"order LNB-1: line 2: EAN13 '{EAN_SHARED}' is on several 24SO products (1003, 1004); make it unique in 24SO"
    )


def test_lines_match_by_sku_when_so_set(db: Path) -> None:
    records = mapped(db, [order("LNB-1", "10002", [item(None, 4, sku="P-001002")])], product_key="sku")

    assert records["LNB-1"].payload["InvoiceRows"]["InvoiceRow"][0]["ProductId"] == 1002


@pytest.mark.parametrize(
    ("unit", "sent", "percent"), [("fraction", 0.1, Decimal("10")), ("percent", 12.5, Decimal("12.5"))]
)
def test_the_discount_reaches_24so_as_a_percentage(
    db: Path, unit: str, sent: float, percent: Decimal
) -> None:
    records = mapped(db, [order("LNB-1", "10002", [item(EAN_A, 1, rate=sent)])], discount_unit=unit)

    assert records["LNB-1"].payload["InvoiceRows"]["InvoiceRow"][0]["DiscountRate"] == percent


def test_a_discount_that_is_no_percentage_holds_the_order_back(db: Path) -> None:
    records = mapped(db, [order("LNB-1", "10002", [item(EAN_A, 1, rate=15)])], discount_unit="fraction")

    assert "line 1: discount 1500 % is not 0-100 %" in (records["LNB-1"].skip_reason or "")
    assert "flows.L2.discount_rate_unit, now fraction" in (records["LNB-1"].skip_reason or "")


def test_only_orders_in_an_exported_status_are_mapped(db: Path) -> None:
    records = mapped(db, [
        order("LNB-1", "10002", [item(EAN_A, 1)]),
        order("LNB-2", "10002", [item(EAN_A, 1)], status="draft"),
        order("LNB-3", "10002", [item(EAN_A, 1)], status="invoicing"),
    ])  # fmt: skip

    assert sorted(records) == ["LNB-1"]
    assert mapped_keys(db, IDENTITY, "L2", ("confirmed", "invoicing")) == ["LNB-1", "LNB-3"]
