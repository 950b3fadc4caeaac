from datetime import UTC, datetime
from decimal import Decimal

from so24_pipelines.flows.so24.tables import ORDER_ROWS, ORDERS, PRODUCTS, ensure_schema
from so24_pipelines.staging.db import transaction
from so24_pipelines.staging.upsert import upsert, upsert_family
from so24_pipelines.sync.state import set_state
from so24_pipelines.sync.watermarks import mark_for_read, read_watermark, with_overlap, write_watermark


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


# --- staging integrity (issue 8.4) ---------------------------------------------------------------

ORDER = {"order_id": ["10"], "customer_id": ["1"], "order_status": ["Confirmed"]}
ORDER_LINES = {"order_id": ["10", "10"], "row_id": ["1", "2"], "product_id": ["5", "6"], "quantity": ["8", "2"]}


def _snapshot(con):
    return (
        con.execute("SELECT * FROM staging.so24_orders ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM staging.so24_order_rows ORDER BY ALL").fetchall(),
    )


def test_a_rejected_row_rejects_its_order_and_the_staged_version_stays(tmp_path):
    with transaction(tmp_path / "s.duckdb") as con:
        ensure_schema(con)
        upsert_family(con, ORDERS, ORDER, ORDER_ROWS, ORDER_LINES, "i")
        before = _snapshot(con)
        lines = {**ORDER_LINES, "quantity": ["777", "1E+30"]}
        head, rows = upsert_family(con, ORDERS, {**ORDER, "order_status": ["Pack"]}, ORDER_ROWS, lines, "i")
        assert _snapshot(con) == before
    assert head.rejected == [("10", "so24_order_rows: row 2: quantity=1E+30 is not a valid DECIMAL(18,4)")]
    assert rows.rejected == [("10", "so24_order_rows: row 2: quantity=1E+30 is not a valid DECIMAL(18,4)")]
    assert (head.inserted, head.updated, rows.inserted, rows.updated, rows.deleted) == (0, 0, 0, 0, 0)


def test_a_rejected_order_changes_none_of_its_rows_and_a_first_read_stages_no_orphans(tmp_path):
    with transaction(tmp_path / "s.duckdb") as con:
        ensure_schema(con)
        upsert_family(con, ORDERS, ORDER, ORDER_ROWS, ORDER_LINES, "i")
        before = _snapshot(con)
        no_customer = {"order_id": ["10", "11"], "customer_id": [None, None], "order_status": ["Confirmed"] * 2}
        lines = {"order_id": ["10", "11"], "row_id": ["1", "3"], "product_id": ["5", "7"], "quantity": ["777", "1"]}
        head, rows = upsert_family(con, ORDERS, no_customer, ORDER_ROWS, lines, "i")
        assert _snapshot(con) == before
    assert [k for k, _ in head.rejected] == ["10", "11"]
    assert all("missing required field customer_id" in r for _, r in head.rejected)
    assert rows.deleted == 0 and rows.inserted == 0


def test_a_good_order_replaces_its_rows_as_a_diff_next_to_a_rejected_one(tmp_path):
    with transaction(tmp_path / "s.duckdb") as con:
        ensure_schema(con)
        upsert_family(con, ORDERS, ORDER, ORDER_ROWS, ORDER_LINES, "i")
        orders = {"order_id": ["10", "12"], "customer_id": ["1", "1"], "order_status": ["Pack", "Confirmed"]}
        lines = {"order_id": ["10", "12"], "row_id": ["2", "9"], "product_id": ["6", "6"], "quantity": ["3", "0.00001"]}
        head, rows = upsert_family(con, ORDERS, orders, ORDER_ROWS, lines, "i")
        staged = con.execute("SELECT order_id, row_id, quantity FROM staging.so24_order_rows ORDER BY ALL").fetchall()
        status = con.execute("SELECT order_id, order_status FROM staging.so24_orders ORDER BY ALL").fetchall()
    assert staged == [(10, 2, 3)] and status == [(10, "Pack")]
    assert (rows.deleted, rows.updated) == (1, 1)
    assert head.rejected == [("12", "so24_order_rows: row 9: quantity=0.00001 has more than 4 decimals "
                                    "(DECIMAL(18,4) would round it)")]  # fmt: skip


def test_a_child_table_staged_on_its_own_keeps_the_rows_of_a_parent_with_a_bad_row(tmp_path):
    with transaction(tmp_path / "s.duckdb") as con:
        ensure_schema(con)
        upsert(con, ORDERS, ORDER, "i")
        upsert(con, ORDER_ROWS, ORDER_LINES, "i", parent=ORDERS, parent_keys=["10"])
        before = _snapshot(con)
        bad = {"order_id": ["10"], "row_id": ["2"], "product_id": ["6"], "quantity": ["lots"]}
        result = upsert(con, ORDER_ROWS, bad, "i", parent=ORDERS, parent_keys=["10"])
        assert _snapshot(con) == before
    assert result.rejected == [("10", "so24_order_rows: row 2: quantity=lots is not a valid DECIMAL(18,4)")]
    assert result.deleted == 0


def test_numbers_that_do_not_fit_are_rejected_not_rounded(tmp_path):
    cols = _products(stock=["12.345678901234", "0.00001", "2.50000"])
    cols["category_id"] = ["1.5", "2.0", None]
    with transaction(tmp_path / "s.duckdb") as con:
        ensure_schema(con)
        result = upsert(con, PRODUCTS, cols, "i")
        staged = con.execute("SELECT id, stock, category_id FROM staging.so24_products").fetchall()
    assert staged == [(3, Decimal("2.5"), None)]
    assert dict(result.rejected) == {
        "1": "so24_products: stock=12.345678901234 has more than 4 decimals (DECIMAL(18,4) would round it); "
             "category_id=1.5 is not a whole number (INTEGER would round it)",
        "2": "so24_products: stock=0.00001 has more than 4 decimals (DECIMAL(18,4) would round it)",
    }  # fmt: skip


def test_records_without_an_id_are_named_each_by_their_content(tmp_path):
    cols = _products(id=[None, "", None], name=["One", "Two", "One"])
    cols["date_changed"] = [None, None, None]
    with transaction(tmp_path / "s.duckdb") as con:
        ensure_schema(con)
        first = upsert(con, PRODUCTS, cols, "i")
        again = upsert(con, PRODUCTS, cols, "i")
    keys = [k for k, _ in first.rejected]
    assert len(set(keys)) == 3 and all(k.startswith("(no id) ") for k in keys)
    assert [k for k, _ in again.rejected] == keys


def test_the_mark_never_passes_the_reads_start_and_a_mark_in_the_future_comes_back(tmp_path):
    started = datetime(2026, 3, 1, 12, 0)
    with transaction(tmp_path / "s.duckdb") as con:
        ensure_schema(con)
        write_watermark(con, "k", "9999-12-31T23:59:59", not_after=started)
        assert read_watermark(con, "k") == started
        write_watermark(con, "k", datetime(2026, 3, 1, 11, 0), not_after=started)
        assert read_watermark(con, "k") == started, "never rewinds below a mark it may keep"
        set_state(con, "k", "9999-12-31T23:59:59")  # written before the rule
        write_watermark(con, "k", datetime(2026, 3, 1, 11, 0), not_after=started)
        assert read_watermark(con, "k") == datetime(2026, 3, 1, 11, 0)
        write_watermark(con, "k2", "9999-12-31T23:59:59")
        assert read_watermark(con, "k2") <= datetime.now(UTC).replace(tzinfo=None)
    assert mark_for_read(datetime(9999, 12, 31), started) == started
    assert mark_for_read(None, started) is None
