"""A tick maps again only records whose inputs changed; the rest are settled, and plan the same.

`map_changed` settles a record (keys and the hash it was last planned with, no payload) when the
digest of every value its mapping reads is the one remembered after the last load and the target
holds that payload. Anything else (a changed column, joined row or child, another parameter, a
failure, a moved id map row) maps it afresh, and a settled record is never written.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from so24_pipelines.mapping import map_records, parse_spec
from so24_pipelines.mapping.engine import map_changed
from so24_pipelines.mapping.spec import SpecLoader
from so24_pipelines.staging.db import transaction
from so24_pipelines.sync import MappedRecord, load, plan
from so24_pipelines.sync.hashing import _slow_json, canonical_json
from so24_pipelines.sync.planner import MOVED_WHILE_PLANNING, SettledRecord, remember_inputs

ID = "identity-a"
FLOW = "T1"
PARAMS = {"status": "Confirmed"}
SPEC = """
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
  - {to: phone, from: [phone, party.mobile]}
  - {to: amount, from: amount, transform: decimal}
lists:
  - to: lines
    record: line
    table: staging.lines
    key: line_id
    on: {head_id: id}
    order_by: [seq]
    fields:
      - {to: item, from: item}
      - {to: quantity, from: qty, transform: decimal}
"""


class Target:
    system, entity, upserts_by_key = "t", "heads", True

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def create(self, record: MappedRecord) -> str:
        self.sent.append(record.payload)
        return f"T{record.source_key}"

    def update(self, target_key: str, record: MappedRecord) -> None:
        self.sent.append(record.payload)

    def find_by_business_key(self, business_key: str) -> str | None:
        return None


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "staging.duckdb"
    with transaction(path) as con:
        con.execute("CREATE SCHEMA staging")
        con.execute("CREATE TABLE staging.heads (identity VARCHAR, id INTEGER, status VARCHAR, phone VARCHAR, "
                    "amount DECIMAL(18,4), party_id INTEGER, changed TIMESTAMP)")  # fmt: skip
        con.execute("CREATE TABLE staging.parties (identity VARCHAR, id INTEGER, mobile VARCHAR)")
        con.execute("CREATE TABLE staging.lines (identity VARCHAR, head_id INTEGER, line_id INTEGER, seq INTEGER, "
                    "qty DECIMAL(18,4), item VARCHAR)")  # fmt: skip
        con.executemany(
            "INSERT INTO staging.heads VALUES (?, ?, 'Confirmed', ?, ?, ?, TIMESTAMP '2026-01-02 03:04:05')",
            [(ID, 1, "+47 1", Decimal("12.5"), 10), (ID, 2, None, Decimal("3"), 11), (ID, 3, None, None, 10)],
        )
        con.executemany("INSERT INTO staging.parties VALUES (?, ?, ?)", [(ID, 10, "m10"), (ID, 11, "m11")])
        con.executemany(
            "INSERT INTO staging.lines VALUES (?, ?, ?, ?, ?, ?)",
            [(ID, 1, 100, 1, Decimal("1"), "A"), (ID, 1, 101, 2, Decimal("2"), "B"), (ID, 2, 200, 1, Decimal("4"), "C")],
        )
    return path


def spec() -> Any:
    return parse_spec(yaml.load(SPEC, Loader=SpecLoader), "test_spec")  # noqa: S506 - SafeLoader subclass


def tick(db: Path, target: Target, run_id: str, params: dict[str, Any] = PARAMS, context: str = "") -> Any:
    batch = map_changed(db, spec(), ID, params, flow=FLOW, context=context)
    the_plan, report = load(db, FLOW, batch.records, target, run_id=run_id)
    remember_inputs(db, FLOW, batch.inputs, [the_plan])
    return batch, the_plan, report


def settled(batch: Any) -> list[str]:
    return [r.source_key for r in batch.records if isinstance(r, SettledRecord)]


def execute(db: Path, sql: str) -> None:
    with transaction(db) as con:
        con.execute(sql)


def test_a_quiet_tick_settles_every_record_and_plans_and_logs_as_a_full_mapping_would(db):
    target = Target()
    first, _, done = tick(db, target, "r1")
    assert settled(first) == [] and done.created == 3
    fresh = map_records(db, spec(), ID, PARAMS)
    assert first.records == fresh  # the records map_records gives, in its order

    again, the_plan, report = tick(db, target, "r2")
    assert settled(again) == ["1", "2", "3"]
    assert [(r.source_key, r.business_key, r.source_version) for r in again.records] == [
        (r.source_key, r.business_key, r.source_version) for r in fresh
    ]
    assert the_plan.counts == plan(db, FLOW, fresh, target_system="t", target_entity="heads").counts
    assert report.unchanged == 3 and len(target.sent) == 3
    assert [item.target_key for item in the_plan.items] == ["T1", "T2", "T3"]


@pytest.mark.parametrize(
    ("change", "remapped"),
    [
        ("UPDATE staging.heads SET amount = 12.6 WHERE id = 1", ["1"]),
        # both read party 10 (1 only as a fallback behind its own phone: still an input)
        ("UPDATE staging.parties SET mobile = 'm10 new' WHERE id = 10", ["1", "3"]),
        ("UPDATE staging.lines SET qty = 5 WHERE line_id = 101", ["1"]),
        ("UPDATE staging.lines SET seq = 0 WHERE line_id = 101", ["1"]),  # the order of the lines
        ("INSERT INTO staging.lines VALUES ('identity-a', 3, 300, 1, 1, 'D')", ["3"]),
        ("UPDATE staging.heads SET phone = 'NULL' WHERE id = 2", ["2"]),  # the text NULL is not NULL
        ("UPDATE staging.heads SET changed = TIMESTAMP '2026-01-02 03:04:06' WHERE id = 2", ["2"]),
        ("UPDATE staging.parties SET mobile = 'x' WHERE id = 99", []),  # read by no record
    ],
)
def test_a_record_is_mapped_again_when_any_value_it_reads_changes(db, change, remapped):
    target = Target()
    tick(db, target, "r1")
    execute(db, change)
    batch, the_plan, _ = tick(db, target, "r2")
    assert sorted(r.source_key for r in batch.records if not isinstance(r, SettledRecord)) == remapped
    fresh = map_records(db, spec(), ID, PARAMS)
    expected = plan(db, FLOW, fresh, target_system="t", target_entity="heads")  # after r2: all unchanged
    assert [i.action for i in the_plan.items if i.record.source_key not in remapped] == ["unchanged"] * (3 - len(remapped))
    assert expected.counts["unchanged"] == 3
    assert [r for r in batch.records if not isinstance(r, SettledRecord)] == [
        r for r in fresh if r.source_key in remapped
    ]


def test_a_spec_with_else_skip_rules_settles_its_records_and_its_skips_stay_skips(db):
    ruled = SPEC.replace(
        "    - {column: status, equals: $status}",
        "    - {column: status, equals: $status}\n    - {column: party_id, equals: 10, else_skip: 'party {party_id} is not ours'}",
    )
    rule_spec = parse_spec(yaml.load(ruled, Loader=SpecLoader), "ruled")  # noqa: S506 - SafeLoader subclass
    target = Target()
    first = map_changed(db, rule_spec, ID, PARAMS, flow=FLOW)
    assert first.records == map_records(db, rule_spec, ID, PARAMS)
    assert first.records[1].skip_reason == "head 2: party 11 is not ours"
    the_plan, _ = load(db, FLOW, first.records, target, run_id="r1")
    remember_inputs(db, FLOW, first.inputs, [the_plan])
    again = map_changed(db, rule_spec, ID, PARAMS, flow=FLOW)
    assert settled(again) == ["1", "3"]  # the skipped record is mapped again: it has no hash to settle by
    assert again.records[1] == first.records[1]


def test_other_parameters_or_context_map_everything_again(db):
    tick(db, Target(), "r1")
    assert settled(map_changed(db, spec(), ID, PARAMS, flow=FLOW, context="other")) == []
    assert settled(map_changed(db, spec(), ID, PARAMS, flow="T2")) == []
    assert settled(map_changed(db, spec(), ID, PARAMS, flow=FLOW, key_prefix="x:")) == []


def test_a_failed_or_unconfirmed_record_is_mapped_again(db):
    tick(db, Target(), "r1")
    with transaction(db) as con:
        con.execute("INSERT INTO sync.failed_records VALUES ('T1', '1', '1', 'refused', 1, now()::TIMESTAMP, "
                    "now()::TIMESTAMP, 'r1', NULL)")  # fmt: skip
        con.execute("UPDATE sync.id_map SET last_hash = NULL WHERE source_key = '2'")
        con.execute("UPDATE sync.id_map SET claimed_run = 'other' WHERE source_key = '3'")
    assert settled(map_changed(db, spec(), ID, PARAMS, flow=FLOW)) == []


def test_a_settled_record_whose_id_map_moved_is_skipped_never_written(db):
    target = Target()
    tick(db, target, "r1")
    batch = map_changed(db, spec(), ID, PARAMS, flow=FLOW)
    execute(db, "UPDATE sync.id_map SET last_hash = 'another run wrote it' WHERE source_key = '1'")
    the_plan, report = load(db, FLOW, batch.records, target, run_id="r2")
    item = the_plan.items[0]
    assert (item.action, item.reason) == ("skip", MOVED_WHILE_PLANNING)
    assert len(target.sent) == 3 and report.skipped == 1
    again, _, _ = tick(db, target, "r3")  # next tick maps it afresh and sends it
    assert "1" not in settled(again) and len(target.sent) == 4


def test_a_dry_run_reads_the_remembered_inputs_but_keeps_none(db):
    tick(db, Target(), "r1")
    batch = map_changed(db, spec(), ID, PARAMS, flow=FLOW, context="new code")
    the_plan = plan(db, FLOW, batch.records, target_system="t", target_entity="heads")
    assert settled(batch) == [] and the_plan.counts["unchanged"] == 3
    assert settled(map_changed(db, spec(), ID, PARAMS, flow=FLOW, context="new code")) == []


@pytest.mark.parametrize(
    "payload",
    [
        {"b": 1, "a": {"y": [1, 2.5, None, True], "x": "æøå \"q\" \\ \n"}},
        {"d": Decimal("1.50"), "z": Decimal("-0.00"), "e": Decimal("1E+2"), "l": [{"k": Decimal("3")}], "t": (1, "2")},
        {"s": {"b", "a"}, "n": {}, "m": []},
        [1, "x", {"k": None}],
    ],
)
def test_the_fast_canonical_json_is_the_careful_one(payload):
    assert canonical_json(payload) == _slow_json(payload)
