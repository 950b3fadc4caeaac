"""Issue 8.4, staging integrity: bad data from 24SO, read by the real extraction, leaves staging true.

Each case is a record as real accounts hold it, served by the 24SO sandbox over SOAP (the control
API's `/wire` edits: a DateChanged in the future, a field left out, a CategoryId of "1.5"), then
read by the E1-E7 Dagster assets or the extraction functions the assets call. What must hold:

- the high-water mark never passes the extraction's start (plus overlap), so a later change is
  still read; the future-dated record is staged and the `dates_not_in_future` check warns;
- a child row rejected at staging rejects its order, with the reason in sync.failed_records (E4),
  so no flow (R4, O2) ever sees 4 of its 5 lines;
- a rejected record leaves its staged rows exactly as they were (no orphan rows on a first read);
- numbers are never silently coerced: "1.5" is no INTEGER, 12.345678901234 and 0.00001 are no
  DECIMAL(18,4);
- each record without an id has a failed record of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from so24_pipelines.defs.so24.assets import EXTRACT_ASSETS
from so24_pipelines.defs.so24.definitions import build_so24_definitions
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat.orders_flow import run_orders
from so24_pipelines.settings import Settings
from so24_pipelines_tests.e2e import ongoing_harness as og
from so24_pipelines_tests.e2e.rackbeat_orders_harness import (
    dump,
    prepare_rackbeat,
    rackbeat_client,
)
from so24_pipelines_tests.e2e.so24_harness import materialize_extraction, metadata, resources, rows
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.safety

OVERLAP = timedelta(minutes=2)  # So24Resource.overlap_minutes' default
HUGE = "1000000000000000000000000000000"  # 1E+30, as .NET writes a decimal: plain digits


# --- helpers --------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _list(sandbox: SandboxProcess, entity: str) -> list[dict[str, Any]]:
    return sandbox.control("GET", f"24so/{entity}").json()


def _patch(sandbox: SandboxProcess, entity: str, record_id: int, body: dict[str, Any]) -> dict[str, Any]:
    return sandbox.control("PATCH", f"24so/{entity}/{record_id}", json=body).json()


def _wire(sandbox: SandboxProcess, entity: str, record_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Make 24SO hold (and answer with) a value its UI would not let a user type."""
    return sandbox.control("PATCH", f"24so/{entity}/{record_id}/wire", json=body).json()


def _extract(sandbox: SandboxProcess, db: Path, *names: str) -> dg.ExecuteInProcessResult:
    """The E-assets' materialization (all of them, or the named entities' extract assets)."""
    res = resources(sandbox, db)
    if not names:
        result = materialize_extraction(res)
    else:
        wanted = {f"so24_{n}_extract" for n in names}
        result = dg.materialize([a for a in EXTRACT_ASSETS if a.node_def.name in wanted], resources=res)
    assert result.success
    return result


def _failed(db: Path, flow: str) -> dict[str, tuple[str, int]]:
    found = rows(db, f"SELECT source_key, reason, attempts FROM sync.failed_records WHERE flow = '{flow}'")  # noqa: S608
    return {key: (reason, attempts) for key, reason, attempts in found}


def _reason(db: Path, flow: str, record_id: int) -> str:
    [reason] = [r for k, (r, _) in _failed(db, flow).items() if k.endswith(f":{record_id}")]
    return reason


def _order_snapshot(db: Path, order_id: int) -> tuple[list[tuple], list[tuple]]:
    """Everything staged of one order, bookkeeping columns included."""
    head = rows(db, f"SELECT * FROM staging.so24_orders WHERE order_id = {int(order_id)}")  # noqa: S608
    lines = rows(db, f"SELECT * FROM staging.so24_order_rows WHERE order_id = {int(order_id)} ORDER BY row_id")  # noqa: S608
    return head, lines


def _product_snapshot(db: Path, product_id: int) -> list[tuple]:
    return rows(db, f"SELECT * FROM staging.so24_products WHERE id = {int(product_id)}")  # noqa: S608


def _watermark(db: Path, entity: str) -> datetime:
    [(value,)] = rows(
        db, f"SELECT value FROM sync.state WHERE key LIKE 'so24/%/{entity}/changed_after'"  # noqa: S608
    )
    return datetime.fromisoformat(value)


def _staging_check(name: str, asset: str):
    checks = build_so24_definitions(Settings()).asset_checks
    return next(
        c for c in checks if c.check_key.name == name and c.check_key.asset_key.to_user_string() == asset
    )


def _short_products(sandbox: SandboxProcess, n: int) -> list[dict[str, Any]]:
    """Products every order flow can carry (R4 needs a number of at most 25 characters)."""
    found = [p for p in _list(sandbox, "products") if p.get("No") and len(p["No"]) <= 25 and p.get("Price")]
    assert len(found) >= n
    return found[:n]


def _create_order(sandbox: SandboxProcess, customer_id: int, lines: list[tuple[int, str]]) -> dict[str, Any]:
    """A Confirmed order made in 24SO's UI, with what R4 and O2 need (a delivery date for the WMS)."""
    body = {
        "CustomerId": customer_id,
        "OrderStatus": "Confirmed",
        "DeliveryDate": (_now() + timedelta(days=7)).date().isoformat(),
        "rows": [{"ProductId": pid, "Quantity": qty} for pid, qty in lines],
    }
    return sandbox.control("POST", "24so/orders", json=body).json()


def _customer(sandbox: SandboxProcess) -> dict[str, Any]:
    confirmed = [o for o in _list(sandbox, "orders") if o["OrderStatus"] == "Confirmed"]
    return next(c for c in _list(sandbox, "companies") if c["Id"] == confirmed[0]["CustomerId"])


# --- watermark poisoning --------------------------------------------------------------------------


def _future_dated_product_keeps_later_changes_visible(sandbox, tmp_path, future: datetime) -> None:
    db = tmp_path / "staging.duckdb"
    _extract(sandbox, db, "products")
    products = _list(sandbox, "products")
    skewed, later = products[2], products[7]
    _wire(sandbox, "products", skewed["Id"], {"DateChanged": future.isoformat(timespec="seconds")})

    _extract(sandbox, db, "products")
    finished = _now()
    assert rows(db, f"SELECT date_changed FROM staging.so24_products WHERE id = {skewed['Id']}") == [  # noqa: S608
        (future.replace(microsecond=0),)
    ], "the future-dated record is staged as 24SO sent it"
    assert _watermark(db, "products") <= finished + OVERLAP, "the mark stays at the read's start"

    _patch(sandbox, "products", later["Id"], {"Name": "Changed after the skewed one"})
    _extract(sandbox, db, "products")
    assert rows(db, f"SELECT name FROM staging.so24_products WHERE id = {later['Id']}") == [  # noqa: S608
        ("Changed after the skewed one",)
    ], "a real change after the future-dated record is still read"
    assert _watermark(db, "products") <= _now() + OVERLAP

    check = _staging_check("dates_not_in_future", "so24_products")(staging=resources(sandbox, db)["staging"])
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["future_dated"].value == 1
    assert str(skewed["Id"]) in check.metadata["records"].value


def test_a_date_changed_of_9999_12_31_does_not_move_the_watermark_past_the_read(sandbox, tmp_path):
    _future_dated_product_keeps_later_changes_visible(sandbox, tmp_path, datetime(9999, 12, 31, 23, 59, 59))


def test_three_hours_of_clock_skew_do_not_move_the_watermark_past_the_read(sandbox, tmp_path):
    _future_dated_product_keeps_later_changes_visible(sandbox, tmp_path, _now() + timedelta(hours=3))


def test_the_dates_check_passes_when_nothing_is_future_dated(sandbox, tmp_path):
    db = tmp_path / "staging.duckdb"
    _extract(sandbox, db, "products", "orders")
    staging = resources(sandbox, db)["staging"]
    for asset in ("so24_products", "so24_orders"):
        check = _staging_check("dates_not_in_future", asset)(staging=staging)
        assert check.passed and check.metadata["future_dated"].value == 0, asset


# --- partial orders -------------------------------------------------------------------------------


def _orders_with_a_bad_row(sandbox: SandboxProcess, db: Path) -> tuple[dict, dict, list[tuple], list[tuple]]:
    """Two Confirmed 5-line orders: `fresh` has a row no column holds before its first read, `known`
    gets one after it was staged whole. Returns them and `known`'s staged header and rows."""
    customer = _customer(sandbox)
    lines = [(p["Id"], str(n + 1)) for n, p in enumerate(_short_products(sandbox, 5))]
    fresh = _create_order(sandbox, customer["Id"], lines)
    known = _create_order(sandbox, customer["Id"], lines)
    assert len(fresh["rows"]) == len(known["rows"]) == 5
    _wire(sandbox, "orders", fresh["OrderId"], {"rows": [{"RowId": fresh["rows"][2]["RowId"], "Quantity": HUGE}]})
    _extract(sandbox, db, "products", "companies", "orders")
    head, staged_rows = _order_snapshot(db, known["OrderId"])
    assert len(head) == 1 and len(staged_rows) == 5
    _wire(sandbox, "orders", known["OrderId"], {"rows": [{"RowId": known["rows"][4]["RowId"], "Quantity": HUGE}]})
    _extract(sandbox, db, "orders")
    return fresh, known, head, staged_rows


def test_an_order_with_a_rejected_row_is_rejected_whole_with_the_reason(sandbox, tmp_path):
    db = tmp_path / "staging.duckdb"
    fresh, known, head, staged_rows = _orders_with_a_bad_row(sandbox, db)

    assert _order_snapshot(db, fresh["OrderId"]) == ([], []), "no header and none of its 4 good rows"
    assert _order_snapshot(db, known["OrderId"]) == (head, staged_rows), "the last good version stays"
    for order in (fresh, known):
        reason = _reason(db, "E4", order["OrderId"])
        assert "so24_order_rows" in reason and f"quantity={HUGE}" in reason and "DECIMAL(18,4)" in reason
    assert not any(k.endswith(f":{r['RowId']}") for r in fresh["rows"] for k in _failed(db, "E4")), (
        "the reject is the order's, not a row id that reads like an order id"
    )

    _wire(sandbox, "orders", known["OrderId"], {"rows": [{"RowId": known["rows"][4]["RowId"], "Quantity": "6"}]})
    _extract(sandbox, db, "orders")
    assert not any(k.endswith(f":{known['OrderId']}") for k in _failed(db, "E4")), "fixed in 24SO: cleared"
    assert rows(db, f"SELECT quantity FROM staging.so24_order_rows WHERE row_id = {known['rows'][4]['RowId']}") == [  # noqa: S608
        (Decimal("6"),)
    ]


def test_r4_never_sends_an_order_with_a_rejected_row(sandbox, tmp_path):
    db = tmp_path / "staging.duckdb"
    fresh, known, _head, staged_rows = _orders_with_a_bad_row(sandbox, db)
    rb = rackbeat_client(sandbox)
    try:
        prepare_rackbeat(rb, db)
        run = run_orders(RunContext.of(db, "r4-integrity"), rb, so24_status="Confirmed", rackbeat_status="draft")
    finally:
        rb.close()
    assert run.counts()["failed"] == 0
    sent = {o["number"]: o for o in dump(sandbox, "orders")}
    assert fresh["OrderId"] not in sent, "4 of its 5 lines must not become a Rackbeat order"
    assert [Decimal(str(line["quantity"])) for line in sent[known["OrderId"]]["lines"]] == [
        r[6] for r in sorted(staged_rows, key=lambda r: r[2])
    ], "the last good version, all 5 lines"
    assert "so24_order_rows" in _reason(db, "E4", fresh["OrderId"])


def test_o2_never_sends_an_order_with_a_rejected_row(sandbox, tmp_path, monkeypatch):
    db = tmp_path / "staging.duckdb"
    fresh, known, _head, staged_rows = _orders_with_a_bad_row(sandbox, db)
    settings = og.o_settings(monkeypatch)
    og.run(settings, og.o_resources(sandbox, db), "ongoing_articles", "ongoing_orders")
    sent = og.wms_orders(sandbox)
    assert str(fresh["OrderId"]) not in sent, "4 of its 5 lines must not become an Ongoing order"
    lines = sent[str(known["OrderId"])]["orderLines"]
    assert [(line["rowNumber"], Decimal(str(line["orderedNumberOfItems"]))) for line in lines] == [
        (r[2], r[6]) for r in sorted(staged_rows, key=lambda r: r[2])
    ], "the last good version, all 5 lines"
    assert "so24_order_rows" in _reason(db, "E4", fresh["OrderId"])


# --- a rejected record changes nothing -----------------------------------------------------------


def test_an_order_reread_without_customer_id_leaves_its_staged_rows_exactly_as_they_were(sandbox, tmp_path):
    db = tmp_path / "staging.duckdb"
    customer = _customer(sandbox)
    products = _short_products(sandbox, 3)
    order = _create_order(sandbox, customer["Id"], [(p["Id"], "8") for p in products])
    _extract(sandbox, db, "orders")
    before = _order_snapshot(db, order["OrderId"])
    assert len(before[1]) == 3

    first, second = order["rows"][0]["RowId"], order["rows"][1]["RowId"]
    _patch(sandbox, "orders", order["OrderId"], {"rows": [
        {"RowId": first, "ChangeState": "Edit", "Quantity": "777"},
        {"RowId": second, "ChangeState": "Delete"},
    ]})  # fmt: skip
    _wire(sandbox, "orders", order["OrderId"], {"CustomerId": None})
    _extract(sandbox, db, "orders")

    assert _order_snapshot(db, order["OrderId"]) == before, "quantity 8 stays 8 and no row is deleted"
    assert "missing required field customer_id" in _reason(db, "E4", order["OrderId"])


def test_an_order_first_read_without_customer_id_stages_no_orphan_rows(sandbox, tmp_path):
    db = tmp_path / "staging.duckdb"
    customer = _customer(sandbox)
    order = _create_order(sandbox, customer["Id"], [(p["Id"], "2") for p in _short_products(sandbox, 2)])
    _wire(sandbox, "orders", order["OrderId"], {"CustomerId": None})
    _extract(sandbox, db, "orders")
    assert _order_snapshot(db, order["OrderId"]) == ([], [])
    assert "missing required field customer_id" in _reason(db, "E4", order["OrderId"])


# --- silent number changes ------------------------------------------------------------------------


def test_numbers_that_do_not_fit_their_column_are_rejected_with_a_reason_not_rounded(sandbox, tmp_path):
    db = tmp_path / "staging.duckdb"
    _extract(sandbox, db, "products")
    products = _list(sandbox, "products")
    half, precise, tiny, fine = products[1], products[4], products[5], products[6]
    before = {p["Id"]: _product_snapshot(db, p["Id"]) for p in (half, precise, tiny)}

    _wire(sandbox, "products", half["Id"], {"CategoryId": "1.5"})
    _patch(sandbox, "products", precise["Id"], {"Weight": "12.345678901234"})
    _patch(sandbox, "products", tiny["Id"], {"Weight": "0.00001"})
    _patch(sandbox, "products", fine["Id"], {"Weight": "2.50000", "InPrice": "99999999999999.9999"})
    result = _extract(sandbox, db, "products")

    assert {p: _product_snapshot(db, p) for p in before} == before, "a rejected product stays as it was"
    assert "category_id=1.5 is not a whole number" in _reason(db, "E1", half["Id"])
    assert "weight=12.345678901234" in _reason(db, "E1", precise["Id"])
    assert "weight=0.00001" in _reason(db, "E1", tiny["Id"])
    for pid in (precise["Id"], tiny["Id"]):
        assert "more than 4 decimals" in _reason(db, "E1", pid)
    assert rows(db, f"SELECT weight, in_price FROM staging.so24_products WHERE id = {fine['Id']}") == [  # noqa: S608
        (Decimal("2.5"), Decimal("99999999999999.9999"))
    ], "a value the column holds exactly is staged"
    assert metadata(result, "so24_products")["rejected"] == 3


# --- records without an id ------------------------------------------------------------------------


def test_each_record_without_an_id_has_a_failed_record_of_its_own(sandbox, tmp_path):
    db = tmp_path / "staging.duckdb"
    products = _list(sandbox, "products")
    for p in products[:3]:
        _wire(sandbox, "products", p["Id"], {"Id": None})
    _extract(sandbox, db, "products")
    no_id = {k: v for k, v in _failed(db, "E1").items() if "missing required field id" in v[0]}
    assert len(no_id) == 3, no_id
    assert not any(k.endswith(":None") for k in no_id)

    _extract(sandbox, db, "products")
    again = {k: v for k, v in _failed(db, "E1").items() if "missing required field id" in v[0]}
    assert set(again) == set(no_id), "the same record keeps its key from run to run"
