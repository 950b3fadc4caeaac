from datetime import datetime

from so24_pipelines.flows.so24.tables import ORDER_ROWS, ORDERS, PRODUCTS, ensure_schema
from so24_pipelines.staging.db import transaction
from so24_pipelines.staging.upsert import upsert
from so24_pipelines.sync.watermarks import read_watermark, with_overlap, write_watermark


def _products(**overrides):
    cols = {
        "id": ["1", "2", "3"],
        "no": ["A-1", "A-2", "A-3"],
        "name": ["One", "Two", "Three"],
        "stock": ["1.0", "2.5", "3"],
        "date_changed": ["2026-01-01T10:00:00", "2026-01-01T11:00:00", "2026-01-01T12:00:00"],
    }
    cols.update(overrides)
    return cols


def test_rerun_changes_nothing_and_a_change_is_one_update(tmp_path):
    db = tmp_path / "s.duckdb"
    with transaction(db) as con:
        ensure_schema(con)
        first = upsert(con, PRODUCTS, _products(), "ident-a")
        again = upsert(con, PRODUCTS, _products(), "ident-a")
        changed = upsert(con, PRODUCTS, _products(name=["One", "Two!", "Three"]), "ident-a")
        other_identity = upsert(con, PRODUCTS, _products(), "ident-b")
        names = con.execute("SELECT name FROM staging.so24_products WHERE identity='ident-a' ORDER BY id").fetchall()
        total = con.execute("SELECT count(*) FROM staging.so24_products").fetchone()[0]
    assert (first.inserted, first.updated, first.unchanged) == (3, 0, 0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 2)
    assert other_identity.inserted == 3 and total == 6
    assert [n for (n,) in names] == ["One", "Two!", "Three"]


def test_bad_records_are_skipped_with_reasons_and_the_rest_goes_on(tmp_path):
    db = tmp_path / "s.duckdb"
    with transaction(db) as con:
        ensure_schema(con)
        result = upsert(con, PRODUCTS, _products(name=["One", None, "Three"], stock=["1", "2", "lots"]), "i")
        ids = [r[0] for r in con.execute("SELECT id FROM staging.so24_products ORDER BY id").fetchall()]
    reasons = dict(result.rejected)
    assert ids == [1]
    assert "missing required field name" in reasons["2"]
    assert "stock=lots is not a valid DECIMAL" in reasons["3"]


def test_dotnet_sentinels_are_stored_as_null(tmp_path):
    db = tmp_path / "s.duckdb"
    cols = _products(
        date_changed=["0001-01-01T00:00:00", "2026-01-01T11:00:00", "2026-01-01T12:00:00"],
        stock=["-79228162514264337593543950335", "2", "3"],
    )
    cols["category_id"] = ["-2147483648", "4", None]
    with transaction(db) as con:
        ensure_schema(con)
        result = upsert(con, PRODUCTS, cols, "i")
        first = con.execute("SELECT date_changed, stock, category_id FROM staging.so24_products WHERE id = 1").fetchall()
    assert result.inserted == 3 and not result.rejected
    assert first == [(None, None, None)]


def test_child_rows_deleted_in_source_disappear(tmp_path):
    db = tmp_path / "s.duckdb"
    orders = {"order_id": ["10"], "customer_id": ["1"], "order_status": ["Confirmed"]}
    rows = {"order_id": ["10", "10"], "row_id": ["1", "2"], "product_id": ["5", "6"], "quantity": ["1", "2"]}
    with transaction(db) as con:
        ensure_schema(con)
        upsert(con, ORDERS, orders, "i")
        upsert(con, ORDER_ROWS, rows, "i", parent=ORDERS, parent_keys=["10"])
        second = upsert(
            con, ORDER_ROWS, {"order_id": ["10"], "row_id": ["2"], "product_id": ["6"], "quantity": ["3"]},
            "i", parent=ORDERS, parent_keys=["10"],
        )
        left = con.execute("SELECT row_id, quantity FROM staging.so24_order_rows").fetchall()
    assert second.deleted == 1 and second.updated == 1
    assert [(r, float(q)) for r, q in left] == [(2, 3.0)]


def test_watermark_never_rewinds_and_overlap_cuts_to_the_minute(tmp_path):
    db = tmp_path / "s.duckdb"
    with transaction(db) as con:
        ensure_schema(con)
        write_watermark(con, "k", "2026-03-01T10:15:42")
        write_watermark(con, "k", "2026-03-01T09:00:00")
        mark = read_watermark(con, "k")
    assert mark == datetime(2026, 3, 1, 10, 15, 42)
    assert with_overlap(mark, 2) == datetime(2026, 3, 1, 10, 13)
