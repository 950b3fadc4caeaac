"""The mapping engine on a small staging file: fallbacks, transforms, nesting, lists, filters, errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from so24_pipelines.mapping import MappingError, SpecError, load_spec, map_records, parse_spec, spec_markdown
from so24_pipelines.mapping.spec import SpecLoader
from so24_pipelines.mapping.transforms import TransformError, parse_transforms
from so24_pipelines.staging.db import transaction

ID = "identity-a"
OTHER = "identity-b"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "staging.duckdb"
    with transaction(path) as con:
        con.execute("CREATE SCHEMA staging")
        con.execute(
            "CREATE TABLE staging.heads (identity VARCHAR, id INTEGER, status VARCHAR, phone VARCHAR, "
            "street VARCHAR, amount DECIMAL(18,4), party_id INTEGER, changed TIMESTAMP)"
        )
        con.execute("CREATE TABLE staging.parties (identity VARCHAR, id INTEGER, mobile VARCHAR, work VARCHAR)")
        con.execute(
            "CREATE TABLE staging.lines (identity VARCHAR, head_id INTEGER, line_id INTEGER, seq INTEGER, "
            "qty DECIMAL(18,4), item VARCHAR)"
        )
        con.executemany(
            "INSERT INTO staging.heads VALUES (?, ?, ?, ?, ?, ?, ?, TIMESTAMP '2026-01-02 03:04:05')",
            [
                (ID, 1, "Confirmed", "+47 1", "Gate 1", Decimal("12.5000"), 10),
                (ID, 2, "Confirmed", "  ", "Gate 2", Decimal("3"), 11),
                (ID, 3, "Confirmed", None, None, None, 12),
                (ID, 4, "Invoiced", "+47 4", "Gate 4", Decimal("1"), 10),
                (OTHER, 1, "Confirmed", "+46 9", "Väg 9", Decimal("9"), 10),
            ],
        )
        con.executemany(
            "INSERT INTO staging.parties VALUES (?, ?, ?, ?)",
            [(ID, 10, "+47 m10", "+47 w10"), (ID, 11, None, "+47 w11"), (OTHER, 10, "+46 other", None)],
        )
        con.executemany(
            "INSERT INTO staging.lines VALUES (?, ?, ?, ?, ?, ?)",
            [
                (ID, 1, 101, 2, Decimal("2.5"), "B"),
                (ID, 1, 100, 1, Decimal("1"), "A"),
                (ID, 2, 200, 1, Decimal("4"), None),
                (OTHER, 1, 900, 1, Decimal("7"), "X"),
            ],
        )
    return path


def spec(text: str) -> Any:
    return parse_spec(yaml.load(text, Loader=SpecLoader), "test_spec")  # noqa: S506 - SafeLoader subclass


HEADS = """
flow: T1
record: head
source:
  table: staging.heads
  key: id
  business_key: id
  version: changed
  where:
    - {column: status, equals: $status}
  join:
    party: {table: staging.parties, on: {id: party_id}}
fields:
  - {to: number, from: id, transform: str, required: true}
  - {to: contact.phone, from: [phone, party.mobile, party.work]}
  - {to: contact.street, from: street, required: true, missing: "head {id} has no street"}
  - {to: money.amount, from: amount, transform: decimal}
  - {to: money.currency, const: NOK}
  - {to: source, const: $source}
lists:
  - to: lines
    record: line
    table: staging.lines
    key: line_id
    on: {head_id: id}
    order_by: [seq]
    required: true
    fields:
      - {to: row, from: line_id, transform: int}
      - {to: item, from: item, required: true}
      - {to: quantity, from: qty, transform: decimal}
"""


def by_key(records) -> dict[str, Any]:
    return {r.source_key: r for r in records}


def test_fallbacks_nesting_constants_and_lists_for_one_identity(db):
    records = by_key(map_records(db, spec(HEADS), ID, {"status": "Confirmed", "source": "hub"}))
    assert sorted(records) == ["1", "2", "3"]  # status filter and identity: 4 and the other company's 1 are out
    one = records["1"]
    assert one.skip_reason is None
    assert one.business_key == "1" and one.source_version == "2026-01-02T03:04:05"
    assert one.payload == {
        "number": "1",
        "contact": {"phone": "+47 1", "street": "Gate 1"},
        "money": {"amount": Decimal("12.5"), "currency": "NOK"},
        "source": "hub",
        "lines": [{"row": 100, "item": "A", "quantity": Decimal("1")}, {"row": 101, "item": "B", "quantity": Decimal("2.5")}],
    }


def test_blank_text_falls_back_and_a_missing_required_field_skips_with_field_and_record(db):
    records = by_key(map_records(db, spec(HEADS), ID, {"status": "Confirmed", "source": "hub"}))
    two = records["2"]
    assert two.payload == {}
    assert two.skip_reason == "head 2: line 200: item is empty (from item)"
    three = records["3"]
    assert three.skip_reason == "head 3: head 3 has no street; lines: no lines in staging.lines"


def test_a_required_field_present_but_blank_in_every_source_is_reported_with_its_sources(db):
    rules = HEADS.replace("{to: contact.phone, from: [phone, party.mobile, party.work]}",
                          "{to: contact.phone, from: [phone, party.mobile], required: true}")
    records = by_key(map_records(db, spec(rules), ID, {"status": "Confirmed", "source": "hub"}))
    assert "contact.phone is empty (from phone ?? party.mobile)" in records["2"].skip_reason


def test_keys_narrow_the_records_and_their_lists(db):
    records = map_records(db, spec(HEADS), ID, {"status": ["Confirmed", "Invoiced"], "source": "x"}, keys=["4", "1"])
    assert [r.source_key for r in records] == ["1", "4"]
    assert len(records[0].payload["lines"]) == 2
    assert records[1].skip_reason == "head 4: lines: no lines in staging.lines"


def test_not_equals_null_checks_and_switch_by_parameter(db):
    text = """
flow: T2
source:
  table: staging.heads
  key: id
  where:
    - {column: status, not_equals: Invoiced}
    - {column: street, not_null: true}
fields:
  - {to: value, from: {by: kind, phone: phone, street: street}}
"""
    got = {r.source_key: r.payload for r in map_records(db, spec(text), ID, {"kind": "street"})}
    assert got == {"1": {"value": "Gate 1"}, "2": {"value": "Gate 2"}}
    with pytest.raises(MappingError, match="kind='fax' is not one of phone, street"):
        map_records(db, spec(text), ID, {"kind": "fax"})


def test_a_transform_that_cannot_apply_skips_the_record_naming_field_and_value(db):
    text = """
flow: T3
record: head
source: {table: staging.heads, key: id}
fields:
  - {to: street_number, from: street, transform: int}
"""
    records = by_key(map_records(db, spec(text), ID))
    assert records["1"].skip_reason == "head 1: street_number: 'Gate 1' is not a whole number (from street)"
    assert records["3"].skip_reason is None and records["3"].payload == {}


def test_not_sent_rows_are_documented_but_never_read_or_sent(db):
    text = """
flow: T4
source: {table: staging.heads, key: id}
fields:
  - {to: number, from: id, transform: str}
  - {to: state, from: no_such_column, not_sent: "staging has no state column yet"}
"""
    the_spec = spec(text)
    assert {r.payload["number"] for r in map_records(db, the_spec, ID)} == {"1", "2", "3", "4"}
    assert "not sent: staging has no state column yet" in spec_markdown(the_spec)


def test_unknown_columns_tables_and_parameters_fail_naming_the_spec(db):
    bad_column = HEADS.replace("from: street,", "from: streeet,")
    with pytest.raises(SpecError, match="test_spec: .*column streeet does not exist in staging.heads"):
        map_records(db, spec(bad_column), ID, {"status": "x", "source": "y"})
    with pytest.raises(SpecError, match="table staging.nope does not exist"):
        map_records(db, spec(HEADS.replace("staging.heads", "staging.nope")), ID, {"status": "x", "source": "y"})
    with pytest.raises(MappingError, match=r"parameter\(s\) not given: \$source"):
        map_records(db, spec(HEADS), ID, {"status": "Confirmed"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("flow: X\nsource: {table: staging.heads, key: id}\nfields: [{to: a}]", "give either from"),
        ("flow: X\nsource: {table: staging.heads, key: id}\nfields: [{to: a, from: b, tranform: str}]", "unknown key"),
        ("flow: X\nsource: {table: staging.heads, key: id}\nfields: [{to: a, from: b, transform: rot13}]",
         "unknown transform 'rot13'"),
        ("flow: X\nsource: {table: staging.heads, key: id}\nfields: [{to: a, from: x.b}]", "join 'x', which is not declared"),
        ("flow: X\nsource: {table: heads, key: id}\nfields: []", "schema-qualified"),
        ("flow: X\nsource: {table: staging.heads, key: id}\nfields: [{to: a, from: b}, {to: a.c, from: d}]",
         "mapped as a value and as an object"),
        ("flow: X\nsource: {table: staging.heads, key: id}\nfields: [{to: a, from: b}, {to: a, from: d}]", "mapped twice"),
        ("flow: X\nsource: {table: staging.heads, key: 'id; DROP TABLE x'}\nfields: []", "is not a column name"),
    ],
)
def test_malformed_specs_are_refused_with_the_place(text, message):
    with pytest.raises(SpecError, match=message):
        spec(text)


def test_spec_files_read_no_as_a_column_and_refuse_duplicate_keys(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("flow: X\nsource: {table: staging.p, key: id}\nfields:\n  - {to: number, from: no}\n")
    assert load_spec(path).fields[0].sources[0].column == "no"
    path.write_text("flow: X\nflow: Y\nsource: {table: staging.p, key: id}\nfields: []\n")
    with pytest.raises(SpecError, match="appears twice"):
        load_spec(path)
    with pytest.raises(SpecError, match="not found"):
        load_spec("no_such_spec")


@pytest.mark.parametrize(
    ("names", "value", "expected"),
    [
        ("str", Decimal("12.5000"), "12.5"),
        ("str", Decimal("0E-4"), "0"),
        ("str", 42, "42"),
        ("int", Decimal("3.0000"), 3),
        ("decimal", "2.50", Decimal("2.50")),
        ("date", "2026-01-17T10:34:41", "2026-01-17"),
        ("bool", "yes", True),
        (["strip", "upper"], "  no ", "NO"),
        ("truncate:3", "abcdef", "abc"),
    ],
)
def test_transforms(names, value, expected):
    steps = parse_transforms(names)
    for step in steps:
        value = step(value)
    assert value == expected


@pytest.mark.parametrize(("names", "value"), [("int", Decimal("2.5")), ("decimal", "abc"), ("date", "soon"), ("bool", "maybe")])
def test_transforms_refuse_what_they_cannot_convert(names, value):
    with pytest.raises(TransformError):
        parse_transforms(names)[0](value)
