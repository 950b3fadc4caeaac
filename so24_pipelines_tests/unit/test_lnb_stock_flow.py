"""L1's flow function over a real staging file and loader, with LNB played by a recording double.

What is checked here and not end to end: the rounding and floor of "available", batching by
lnb.stock_batch_size, two products with one code, open 24SO orders deducted (and a change of them
alone re-sending the figures it moves), and a switch of flows.L1.key closing the old key's failures.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from so24_pipelines.connectors.errors import ConfigError
from so24_pipelines.connectors.lnb import StockOutcome
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.lnb.stock import FLOWS, StockOptions, available_units, sync_stock
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.flows.so24 import tables as t
from so24_pipelines.flows.so24.tables import ensure_schema
from so24_pipelines.staging.db import transaction
from so24_pipelines.staging.tables import StagingTable
from so24_pipelines.staging.upsert import upsert
from so24_pipelines.sync import failed_record_keys, failed_records

IDENTITY = "11111111-2222-3333-4444-555555555555"


class AllBut:
    """Every code but `lacking` (LNB's lines, without listing a whole catalogue)."""

    def __init__(self, lacking: set[str]) -> None:
        self.lacking = lacking

    def __contains__(self, code: object) -> bool:
        return code not in self.lacking


class RecordingLnb:
    """What the flow asks of LnbClient: bulk stock writes (recorded), one answer per item."""

    def __init__(
        self, *, stock_batch_size: int = 500, unknown: Iterable[str] = (), lacking: Iterable[str] = ()
    ) -> None:
        """`unknown`: codes LNB lists a line for yet refuses; `lacking`: codes it has no line for."""
        self.stock_batch_size = stock_batch_size
        self.unknown = set(unknown)
        self.lacking = set(lacking)
        self.inventory_reads = 0
        self.calls: list[tuple[str, list[dict[str, Any]]]] = []
        self.held: dict[str, int] = {}

    def call_name(self, method: str, path: str) -> str:
        return f"lnb {method} /{path}"

    def write_stock(
        self, key: str, items: Iterable[Mapping[str, Any]], *, batch_size: int | None = None
    ) -> list[StockOutcome]:
        items = [dict(i) for i in items]
        assert batch_size == len(items), "the loader's batch is one call"
        self.calls.append((key, items))
        out = []
        for item in items:
            code = item[key]
            if code in self.unknown:
                out.append(
                    StockOutcome(
                        key, code, item["in_stock"], False, {key: ["not found"]}, f"{key}: not found"
                    )
                )
            else:
                self.held[code] = item["in_stock"]
                out.append(StockOutcome(key, code, item["in_stock"], True))
        return out

    def inventory_codes(self, key: str) -> Container[str]:
        self.inventory_reads += 1
        return AllBut(set(self.lacking))

    def get_inventory_item(self, key: str, value: str) -> dict[str, Any] | None:
        return {key: value, "in_stock": self.held[value]} if value in self.held else None


def stage(db: Path, table: StagingTable, rows: Sequence[dict[str, Any]]) -> None:
    names = [c.name for c in table.all_columns]
    with transaction(db) as con:
        ensure_schema(con)
        upsert(con, table, {n: [row.get(n) for row in rows] for n in names}, IDENTITY)


def product(pid: int, stock: str | None, ean: str | None = None, no: str | None = None) -> dict[str, Any]:
    return {"id": str(pid), "name": f"Vare {pid}", "no": no or f"P-{pid}", "ean1": ean or f"70000000{pid:05d}",
            "stock": stock, "date_changed": "2026-05-01T08:00:00"}  # fmt: skip


def tick(db: Path, lnb: RecordingLnb, run: str, **options: Any) -> list[FlowRun]:
    return sync_stock(RunContext.of(db, run), lnb, IDENTITY, StockOptions(**options))  # type: ignore[arg-type]


def sent(lnb: RecordingLnb, since: int = 0) -> list[dict[str, Any]]:
    return [item for _, items in lnb.calls[since:] for item in items]


@pytest.mark.parametrize(
    ("stock", "reserved", "units"),
    [("12", "0", 12), ("12.9", "0", 12), ("0.5", "0", 0), ("-3", "0", 0), ("10", "4", 6), ("10", "10.5", 0),
     ("7.25", "2.5", 4)],
)  # fmt: skip
def test_available_is_whole_units_never_below_zero(stock: str, reserved: str, units: int) -> None:
    assert available_units(Decimal(stock), Decimal(reserved)) == units


def test_one_request_per_batch_then_only_the_changed_figure(tmp_path: Path) -> None:
    db, lnb = tmp_path / "s.duckdb", RecordingLnb(stock_batch_size=2)
    stage(db, t.PRODUCTS, [product(i, f"{i}.7") for i in range(1, 6)])
    (first,) = tick(db, lnb, "r1")
    assert [len(items) for _, items in lnb.calls] == [2, 2, 1] and first.counts()["created"] == 5
    assert first.notes["lnb_stock_requests"] == 3
    assert lnb.held == {f"70000000{i:05d}": i for i in range(1, 6)}, "rounded down"

    (quiet,) = tick(db, lnb, "r2")
    assert len(lnb.calls) == 3 and quiet.counts()["unchanged"] == 5 and quiet.notes["lnb_stock_requests"] == 0

    stage(db, t.PRODUCTS, [product(3, "40"), product(4, "4.2")])  # 4.2 is still 4 units: nothing to send
    (changed,) = tick(db, lnb, "r3")
    assert sent(lnb, 3) == [{"ean13": "7000000000003", "in_stock": 40}]
    assert (changed.counts()["updated"], changed.counts()["unchanged"]) == (1, 4)


def test_two_products_with_one_code_the_second_is_skipped_naming_the_first(tmp_path: Path) -> None:
    db, lnb = tmp_path / "s.duckdb", RecordingLnb()
    stage(db, t.PRODUCTS, [product(1, "5", ean="7000000099999"), product(2, "9", ean="7000000099999")])
    (run,) = tick(db, lnb, "r1")
    assert sent(lnb) == [{"ean13": "7000000099999", "in_stock": 5}]
    (skip,) = [item for plan in run.plans for item in plan.items if item.action == "skip"]
    assert skip.record.source_key == "2" and "'7000000099999' already belongs to source key '1'" in (
        skip.reason or ""
    )


def test_a_product_without_stock_or_code_is_not_exported_and_named(tmp_path: Path) -> None:
    db, lnb = tmp_path / "s.duckdb", RecordingLnb()
    stage(db, t.PRODUCTS, [product(1, "5"), product(2, None), {**product(3, "4"), "no": " "}])
    (run,) = tick(db, lnb, "r1", key="sku")
    assert sent(lnb) == [{"sku": "P-1", "in_stock": 5}]
    assert run.notes["not_exported"] == 2
    listed = str(run.notes["not_exported_products"])
    assert "| 2 | product 2: 24SO holds no stock figure for Vare 2" in listed
    assert "| 3 | product 3: Vare 3 has no code LNB could key its stock by" in listed


def test_open_orders_are_deducted_and_a_change_of_them_alone_resends_what_it_moves(tmp_path: Path) -> None:
    db, lnb = tmp_path / "s.duckdb", RecordingLnb()
    stage(db, t.PRODUCTS, [product(1, "10"), product(2, "10")])
    order = {"order_id": "500", "customer_id": "9", "order_status": "Confirmed"}
    stage(db, t.ORDERS, [order, {**order, "order_id": "501", "order_status": "Invoiced"}])
    stage(db, t.ORDER_ROWS, [
        {"order_id": "500", "row_id": "1", "product_id": "1", "quantity": "3.0"},
        {"order_id": "500", "row_id": "2", "product_id": "1", "quantity": "-2.0"},  # a return: not counted
        {"order_id": "501", "row_id": "3", "product_id": "2", "quantity": "4.0"},   # invoiced: out of Stock already
    ])  # fmt: skip
    options = {"available": "stock_minus_open_orders", "open_order_statuses": ("Confirmed", "Pack")}
    tick(db, lnb, "r1", **options)
    assert lnb.held == {"7000000000001": 7, "7000000000002": 10}

    stage(db, t.ORDERS, [{**order, "order_status": "Invoiced"}])  # the products did not change
    (moved,) = tick(db, lnb, "r2", **options)
    assert sent(lnb, 1) == [{"ean13": "7000000000001", "in_stock": 10}]
    assert (moved.counts()["updated"], moved.counts()["unchanged"]) == (1, 1)


def test_deducting_open_orders_without_staged_orders_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with transaction(db) as con:
        con.execute("CREATE SCHEMA staging")
        con.execute("CREATE TABLE staging.so24_products (identity VARCHAR, id INTEGER)")
    with pytest.raises(ConfigError, match="materialize so24_orders"):
        tick(db, RecordingLnb(), "r1", available="stock_minus_open_orders")


def test_a_refusal_fails_alone_and_a_key_switch_closes_the_old_keys_failures(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    stage(db, t.PRODUCTS, [product(1, "5"), product(2, "6")])
    (first,) = tick(db, RecordingLnb(unknown={"7000000000002"}), "r1")
    assert first.counts()["created"] == 1 and failed_record_keys(db, FLOWS["ean13"]) == ["2"]
    ((_, _, reason, _),) = failed_records(db, [FLOWS["ean13"]])
    assert "LNB refused in_stock 6 for EAN13 7000000000002: ean13: not found" in reason

    lnb = RecordingLnb()
    runs = tick(db, lnb, "r2", key="sku")
    assert [r.flow for r in runs] == [FLOWS["sku"], FLOWS["ean13"]]
    assert lnb.held == {"P-1": 5, "P-2": 6} and failed_record_keys(db, FLOWS["ean13"]) == []
    (closed,) = [item for item in runs[1].plans[0].items]
    assert closed.action == "skip" and "flows.L1.key is sku now" in (closed.reason or "")
    assert len(tick(db, lnb, "r3", key="sku")) == 1, "nothing left to close"


def test_a_code_lnb_has_no_line_for_is_skipped_unsent_and_goes_once_lnb_carries_it(tmp_path: Path) -> None:
    db, lnb = tmp_path / "s.duckdb", RecordingLnb(lacking={"7000000000002"})
    stage(db, t.PRODUCTS, [product(1, "5"), product(2, "6")])
    (first,) = tick(db, lnb, "r1")
    assert sent(lnb) == [{"ean13": "7000000000001", "in_stock": 5}] and lnb.inventory_reads == 1
    assert (first.counts()["created"], first.counts()["failed"], first.notes["not_in_lnb"]) == (1, 0, 1)
    assert "| 2 | LNB has no inventory line for EAN13 7000000000002" in str(first.notes["not_in_lnb_products"])
    assert first.notes["not_exported"] == 0 and failed_record_keys(db, FLOWS["ean13"]) == []

    (again,) = tick(db, lnb, "r2")
    assert len(lnb.calls) == 1, "not sent again"
    assert again.notes["not_in_lnb"] == 1 and again.counts()["failed"] == 0
    assert lnb.inventory_reads == 2, "looked at again: LNB may have gained the code"

    lnb.lacking.clear()  # the brand adds the code to its catalogue
    (gained,) = tick(db, lnb, "r3")
    assert sent(lnb, 1) == [{"ean13": "7000000000002", "in_stock": 6}] and gained.notes["not_in_lnb"] == 0

    (quiet,) = tick(db, lnb, "r4")
    assert len(lnb.calls) == 2 and lnb.inventory_reads == 3, "all settled: no read, no write"
    assert quiet.counts()["unchanged"] == 2
