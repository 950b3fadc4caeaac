"""`where` rows with `else_skip`: a rule a record fails makes it a skip with the rule's reason.

Plain `where` rows filter (the record is not mapped at all); `else_skip` rows tell the user why a
record the flow was asked about is not sent, in the spec's words, with `{column}` quoted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from so24_pipelines.mapping import SpecError, map_records, parse_spec, spec_markdown
from so24_pipelines.mapping.spec import SpecLoader
from so24_pipelines.staging.db import transaction

ID = "identity-a"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "staging.duckdb"
    with transaction(path) as con:
        con.execute("CREATE SCHEMA staging")
        con.execute(
            "CREATE TABLE staging.orders (identity VARCHAR, number INTEGER, link INTEGER, state VARCHAR, kind VARCHAR)"
        )
        con.execute("CREATE TABLE staging.order_lines (identity VARCHAR, number INTEGER, line_id INTEGER, qty INTEGER)")
        con.executemany(
            "INSERT INTO staging.orders VALUES (?, ?, ?, ?, ?)",
            [
                (ID, 1, 101, "shipped", "sale"),
                (ID, 2, None, "shipped", "sale"),
                (ID, 3, 103, "partly shipped", "sale"),
                (ID, 4, None, None, "sale"),
                (ID, 5, 105, "shipped", "internal"),
            ],
        )
        con.executemany(
            "INSERT INTO staging.order_lines VALUES (?, ?, ?, ?)", [(ID, 1, 11, 2), (ID, 3, 31, 1)]
        )
    return path


def spec(text: str) -> Any:
    return parse_spec(yaml.load(text, Loader=SpecLoader), "test_spec")  # noqa: S506 - SafeLoader subclass


SENT = """
flow: T5
record: order
source:
  table: staging.orders
  key: number
  business_key: link
  where:
    - {column: kind, equals: $kind}
    - {column: link, not_null: true, else_skip: "not linked"}
    - {column: state, equals: $state, else_skip: "{state}; wait for all of it"}
fields:
  - {to: id, from: link, required: true}
lists:
  - to: lines
    table: staging.order_lines
    key: line_id
    on: {number: number}
    fields:
      - {to: qty, from: qty}
"""


def test_a_failed_rule_skips_with_its_reason_and_a_filter_still_filters(db: Path) -> None:
    records = {r.source_key: r for r in map_records(db, spec(SENT), ID, {"kind": "sale", "state": "shipped"})}
    assert sorted(records) == ["1", "2", "3", "4"], "order 5 is filtered by the plain where row"
    assert records["1"].payload == {"id": 101, "lines": [{"qty": 2}]} and records["1"].skip_reason is None
    assert records["2"].payload == {} and records["2"].skip_reason == "order 2: not linked"
    assert records["3"].skip_reason == "order 3: partly shipped; wait for all of it"
    assert records["3"].business_key == "103", "a skip keeps its business key"
    reason = records["4"].skip_reason or ""
    assert reason.startswith("order 4: not linked; ") and reason.endswith("wait for all of it"), "NULL never holds"


def test_rules_take_parameters_and_keys_narrow_as_before(db: Path) -> None:
    records = map_records(db, spec(SENT), ID, {"kind": "sale", "state": ["shipped", "partly shipped"]}, keys=["3"])
    assert [(r.source_key, r.payload, r.skip_reason) for r in records] == [("3", {"id": 103, "lines": [{"qty": 1}]}, None)]


def test_the_markdown_says_what_skips_and_why(db: Path) -> None:
    text = spec_markdown(spec(SENT))
    assert "(where kind = $kind)" in text
    assert "- skipped unless link not null: not linked" in text
    assert "- skipped unless state = $state: {state}; wait for all of it" in text


def test_else_skip_is_refused_where_it_has_no_meaning() -> None:
    bad = SENT.replace("      - {to: qty, from: qty}", "      - {to: qty, from: qty}\n    where:\n"
                       "      - {column: qty, not_null: true, else_skip: nope}")
    with pytest.raises(SpecError, match="unknown key.*else_skip"):
        spec(bad)
    with pytest.raises(SpecError, match="names join 'x'"):
        spec(SENT.replace('else_skip: "not linked"', 'else_skip: "not linked {x.y}"'))
