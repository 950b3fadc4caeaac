"""The one JSON converter: Column.path fills the column, values that do not convert are named."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from so24_pipelines.flows.ongoing.tables import ARTICLES, DIGITS_ONLY, TRIM_TEXT
from so24_pipelines.flows.rackbeat.tables import INVOICE_LINES, INVOICES, PRODUCTS
from so24_pipelines.staging.rows import convert, parse_path, upsert_converted, upsert_converted_family
from so24_pipelines.staging.schema import table_ddl
from so24_pipelines.staging.tables import Column, StagingTable

IDENTITY = "11111111-2222-3333-4444-555555555555"
FIELDS = {"24so product id": 7}

THINGS = StagingTable(
    name="test_things",
    record_tag="thing",
    key=("number",),
    columns=(
        Column("number", "number", "INTEGER", required=True),
        Column("name", "name", "VARCHAR", required=True),
        Column("price", "price", "DECIMAL(18,4)"),
        Column("city", "address.city", "VARCHAR"),
        Column("seen_at", "seen_at", "TIMESTAMP"),
    ),
)


def _product(**overrides):
    record = {
        "number": "P-1",
        "name": "Pall",
        "group": {"number": 3, "name": "Pallets"},
        "sales_price": 12.5,
        "recommended_cost_price": "4.25",
        "physical": {"weight": 1.5},
        "is_barred": False,
        "field_values": [{"field_id": 6, "value": "other"}, {"field_id": 7, "value": " 1001 "}],
        "created_at": "2024-03-01T10:00:00+02:00",
        "updated_at": "2024-03-01 09:30:00",
    }
    record.update(overrides)
    return record


def _one(converted) -> dict:
    assert len(converted) == 1, converted.rejected
    return {name: values[0] for name, values in converted.columns.items()}


def _staged(table: StagingTable, records: list[dict]):
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    con.execute(table_ddl(table))
    result = upsert_converted(con, table, convert(table, records), IDENTITY)
    rows = con.execute(f"SELECT number, name, price, city FROM {table.qualified} ORDER BY number").fetchall()  # noqa: S608
    return result, rows


def test_nested_paths_walk_objects_and_anything_else_on_the_way_is_missing():
    row = _one(convert(PRODUCTS, [_product()], custom_fields=FIELDS))
    assert row["group_number"] == "3"
    assert row["weight"] == "1.5"
    assert row["is_barred"] == "false"
    row = _one(convert(PRODUCTS, [_product(physical="heavy", group=None, group_id=9)], custom_fields=FIELDS))
    assert row["weight"] is None
    assert row["group_number"] == "9"  # `group.number | group_id`: the first that has a value


def test_alternatives_skip_empty_text():
    from so24_pipelines.flows.rackbeat.tables import CUSTOMERS

    record = {"number": 10, "name": "", "company_name": "Bergen AS", "field_values": []}
    row = _one(convert(CUSTOMERS, [record], custom_fields={"24so customer id": 1}))
    assert row["name"] == "Bergen AS"


def test_custom_field_paths_pick_the_entry_by_the_resolved_id_trimmed():
    row = _one(convert(PRODUCTS, [_product()], custom_fields=FIELDS))
    assert row["so24_id"] == "1001"
    blank = _product(field_values=[{"field_id": 7, "value": "  "}])
    assert _one(convert(PRODUCTS, [blank], custom_fields=FIELDS))["so24_id"] is None
    assert _one(convert(PRODUCTS, [_product()], custom_fields={"24so product id": None}))["so24_id"] is None
    with pytest.raises(ValueError, match="24so product id"):
        convert(PRODUCTS, [_product()])


def test_timestamps_become_naive_utc_and_a_bad_one_rejects_the_record_with_a_reason():
    row = _one(convert(PRODUCTS, [_product()], custom_fields=FIELDS))
    assert row["created_at"] == "2024-03-01T08:00:00"
    assert row["updated_at"] == "2024-03-01T09:30:00"
    assert _one(convert(PRODUCTS, [_product(created_at="2024-03-01")], custom_fields=FIELDS))["created_at"] == (
        "2024-03-01T00:00:00"
    )
    assert _one(convert(PRODUCTS, [_product(created_at="")], custom_fields=FIELDS))["created_at"] is None

    converted = convert(PRODUCTS, [_product(), _product(number="P-2", updated_at="soon")], custom_fields=FIELDS)
    assert converted.columns["number"] == ["P-1"]
    assert converted.rejected == [("P-2", "rackbeat_products: updated_at=soon is not a valid TIMESTAMP")]


def test_an_object_where_a_value_belongs_is_rejected_not_stored_as_text():
    converted = convert(PRODUCTS, [_product(barcode={"ean": "123"})], custom_fields=FIELDS)
    assert len(converted) == 0
    assert converted.rejected == [("P-1", "rackbeat_products: barcode is an object, not a VARCHAR")]


def test_decimals_are_staged_exactly_and_a_value_that_would_change_is_rejected_with_its_reason():
    result, rows = _staged(
        THINGS,
        [
            {"number": 1, "name": "a", "price": 12.5},
            {"number": 2, "name": "b", "price": "3.14159"},
            {"number": 3, "name": "c", "price": "12,5"},
            {"number": 4, "name": "d", "price": "2.50000"},
            {"number": 5, "name": "e", "price": 1e-05},
            {"number": 6, "name": "f", "price": 0.1 + 0.2},
        ],
    )
    assert [(n, p) for n, _, p, _ in rows] == [(1, Decimal("12.5")), (4, Decimal("2.5")), (6, Decimal("0.3"))]
    assert result.rejected == [
        ("2", "test_things: price=3.14159 has more than 4 decimals (DECIMAL(18,4) would round it)"),
        ("3", "test_things: price=12,5 is not a valid DECIMAL(18,4)"),
        ("5", "test_things: price=0.00001 has more than 4 decimals (DECIMAL(18,4) would round it)"),
    ]
    assert (result.received, result.inserted) == (6, 3)


def test_an_integer_column_takes_whole_numbers_only():
    converted = convert(THINGS, [
        {"number": "1.5", "name": "a"}, {"number": 2.0, "name": "b"}, {"number": "3.000", "name": "c"},
        {"number": 2**31, "name": "d"},
    ])  # fmt: skip
    assert converted.columns["number"] == ["2", "3.000"]
    assert converted.rejected == [
        ("1.5", "test_things: number=1.5 is not a whole number (INTEGER would round it)"),
        ("2147483648", "test_things: number=2147483648 is out of range for INTEGER"),
    ]


def test_missing_optional_is_null_and_missing_required_rejects_the_record():
    result, rows = _staged(
        THINGS,
        [
            {"number": 1, "name": "a"},
            {"number": 2, "address": {"city": "Oslo"}},
            {"number": 3, "name": "c", "seen_at": "never"},
        ],
    )
    assert rows == [(1, "a", None, None)]
    assert result.rejected == [
        ("2", "test_things: missing required field name"),
        ("3", "test_things: seen_at=never is not a valid TIMESTAMP"),
    ]
    assert result.received == 3


def test_child_rows_come_from_a_list_with_their_position_and_the_parent_key():
    invoice = {
        "number": 55,
        "customer": {"number": 10},
        "lines": [
            {"id": 1, "item": {"number": "P-1"}, "quantity": 2},
            {"id": 2, "name": "Frakt", "quantity": "1"},
        ],
    }
    converted = convert(INVOICES, [invoice, {"number": 56, "customer_id": 11}], child=INVOICE_LINES)
    assert converted.columns["customer_number"] == ["10", "11"]
    assert converted.children == {
        "invoice_number": ["55", "55"],
        "line_id": ["1", "2"],
        "position": ["1", "2"],
        "item_number": ["P-1", None],
        "name": [None, "Frakt"],
        "quantity": ["2", "1"],
        "line_price": [None, None],
        "discount_percentage": [None, None],
    }
    bad = {**invoice, "lines": [{"id": 1, "quantity": [1]}]}
    converted = convert(INVOICES, [bad], child=INVOICE_LINES)
    assert converted.rejected == [("55", "rackbeat_invoice_lines: line 1: quantity is a list, not a DECIMAL(18,4)")]
    assert converted.children["line_id"] == []


def test_ongoing_rules_trim_and_keep_links_only_when_they_are_digits():
    article = {
        "articleNumber": " A-1 ",
        "articleSystemId": 9,
        "productCode": "1001",
        "inventoryInfo": {"numberOfItems": 4},
        "articleDataLastUpdated": "2024-03-01T10:00:00Z",
    }
    rows = convert(
        ARTICLES, [article, {**article, "articleNumber": "A-2", "productCode": "X-9"}],
        trim_text=TRIM_TEXT, digits_only=DIGITS_ONLY,
    )  # fmt: skip
    assert rows.columns["article_number"] == ["A-1", "A-2"]
    assert rows.columns["so24_product_id"] == ["1001", None]
    assert rows.columns["product_code"] == ["1001", "X-9"]
    assert rows.columns["number_of_items"] == ["4", "4"]
    assert rows.columns["article_data_last_updated"] == ["2024-03-01T10:00:00", "2024-03-01T10:00:00"]
    too_big = convert(ARTICLES, [{**article, "productCode": str(2**53)}], digits_only=DIGITS_ONLY)
    assert too_big.columns["so24_product_id"] == [None]


def test_paths_that_are_not_well_formed_are_refused():
    assert [s.key for s in parse_path("a.b | c").alternatives[0]] == ["a", "b"]
    with pytest.raises(ValueError):
        parse_path("a..b")
    with pytest.raises(ValueError):
        convert(StagingTable("x", "x", ("a",), (Column("a", "lines[].id", "INTEGER"),)), [])


def _invoice_tables(con):
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    con.execute(table_ddl(INVOICES))
    con.execute(table_ddl(INVOICE_LINES))


def test_a_line_that_does_not_fit_rejects_its_invoice_and_the_staged_version_stays():
    invoice = {"number": 55, "customer_id": 10, "lines": [{"id": 1, "quantity": 2}, {"id": 2, "quantity": 3}]}
    con = duckdb.connect()
    _invoice_tables(con)
    upsert_converted_family(con, INVOICES, INVOICE_LINES, convert(INVOICES, [invoice], child=INVOICE_LINES), IDENTITY)
    before = con.execute("SELECT * FROM staging.rackbeat_invoice_lines ORDER BY ALL").fetchall()
    changed = {**invoice, "heading": "new", "lines": [{"id": 1, "quantity": 777}, {"id": 2, "quantity": 1.5e-05}]}
    converted = convert(INVOICES, [changed], child=INVOICE_LINES)
    assert converted.rejected == [("55", "rackbeat_invoice_lines: line 2: quantity=0.000015 has more than 4 "
                                         "decimals (DECIMAL(18,4) would round it)")]  # fmt: skip
    head, lines = upsert_converted_family(con, INVOICES, INVOICE_LINES, converted, IDENTITY)
    assert con.execute("SELECT * FROM staging.rackbeat_invoice_lines ORDER BY ALL").fetchall() == before
    assert con.execute("SELECT heading FROM staging.rackbeat_invoices").fetchall() == [(None,)]
    assert (head.received, len(head.rejected), lines.inserted, lines.deleted) == (1, 1, 0, 0)


def test_a_line_missing_a_required_value_rejects_its_invoice_before_anything_is_written():
    invoice = {"number": 56, "customer_id": 10, "lines": [{"id": 1, "quantity": 2}, {"quantity": 3}]}
    converted = convert(INVOICES, [invoice], child=INVOICE_LINES)
    assert converted.rejected == [("56", "rackbeat_invoice_lines: line 2: missing required field line_id")]
    assert len(converted) == 0 and converted.children["line_id"] == []


def test_records_without_a_key_are_named_each_by_their_content():
    records = [{"name": "a"}, {"name": "b"}, {"name": "a"}, {"number": "", "name": "c"}]
    converted = convert(THINGS, records)
    keys = [k for k, _ in converted.rejected]
    assert len(set(keys)) == 4 and all(k.startswith("(no number) ") for k in keys)
    assert keys[2] == f"{keys[0]}-2"
    assert [k for k, _ in convert(THINGS, records).rejected] == keys
