"""The small sync API flows use instead of SQL: id map lookups, failures, state, backfill, line pairs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync import (
    LinePair,
    backfill_batch,
    ensure_backfill_schema,
    ensure_sync_schema,
    failed_record_keys,
    failed_records,
    mapped_target_keys,
    plan_backfill_batches,
    planned_backfill_partitions,
    read_order_lines,
    read_watermark,
    record_rejects,
    replace_order_lines,
    set_states,
    source_key_by_business_key,
    source_key_by_target,
    source_keys_of,
    states_with_prefix,
    target_keys_of,
    write_watermark,
)


def _id_map(db: Path, rows: list[tuple[str, str, str | None, str | None, str]]) -> None:
    """(flow, source_key, target_key, business_key, updated_at) rows, status synced."""
    with transaction(db) as con:
        ensure_sync_schema(con)
        for flow, source, target, business, updated in rows:
            con.execute(
                "INSERT INTO sync.id_map (flow, source_key, target_system, target_entity, target_key, business_key,"
                " status, created_at, updated_at) VALUES (?, ?, 't', 'e', ?, ?, 'synced', ?, ?)",
                [flow, source, target, business, updated, updated],
            )


@pytest.fixture
def id_map_db(tmp_path: Path) -> Path:
    db = tmp_path / "s.duckdb"
    _id_map(db, [
        ("R4", "i:1", "100", "bk-1", "2026-01-01 10:00:00"),
        ("R4", "i:2", "100", "bk-2", "2026-01-02 10:00:00"),  # newer row with the same target key
        ("R4", "i:3", None, "bk-3", "2026-01-03 10:00:00"),  # create never confirmed
        ("R1", "i:1", "200", "bk-1", "2026-01-04 10:00:00"),  # another flow
    ])  # fmt: skip
    return db


def test_id_map_lookups_take_the_flow_and_prefer_the_latest_row(id_map_db: Path) -> None:
    with connect(id_map_db) as con:
        assert source_key_by_target(con, "R4", "100") == "i:2"
        assert source_key_by_target(con, "R4", "200") is None
        assert source_key_by_target(con, "R1", "200") == "i:1"
        assert source_key_by_business_key(con, "R4", "bk-3") == "i:3"
        assert source_key_by_business_key(con, "R4", "nope") is None
        assert sorted(target_keys_of(con, "R4", ["i:1", "i:3", "i:9"])) == ["100"]
        assert target_keys_of(con, "R4", []) == []
        assert mapped_target_keys(con, "R4", ["100", "200", "300", "100"]) == {"100"}
        assert mapped_target_keys(con, "R1", ["200"]) == {"200"}
        assert mapped_target_keys(con, "R4", []) == set()
        assert source_keys_of(con, "R4") == ["i:1", "i:2", "i:3"]


def test_rejects_are_kept_counted_and_cleared_and_read_back(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert failed_record_keys(db, "E1") == []
    assert failed_records(db, ["E1"]) == []
    with transaction(db) as con:
        ensure_sync_schema(con)
        record_rejects(con, "E1", "i", [("7", "bad stock"), ("8", "no name")], ["9"])
        record_rejects(con, "E2", "i", [("1", "bad date")], [])
    with transaction(db) as con:
        record_rejects(con, "E1", "i", [("7", "still bad")], ["8"], run_id="run-2")
    assert failed_record_keys(db, "E1") == ["i:7"]
    assert failed_records(db, ["E2", "E1"]) == [("E1", "i:7", "still bad", 2), ("E2", "i:1", "bad date", 1)]
    assert failed_records(db, ["E1", "E2"], limit=1) == [("E1", "i:7", "still bad", 2)]
    assert failed_records(db, []) == []


def test_state_prefix_scan_skips_unset_values_and_an_absent_schema(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with connect(db) as con:
        assert states_with_prefix(con, "p/") == {}
        assert read_watermark(con, "k") is None
    with transaction(db) as con:
        set_states(con, {"p/a": "1", "p/b": None, "q/c": "3"})
        set_states(con, {})
        write_watermark(con, "k", datetime(2026, 3, 1, 10, 0))
    with connect(db) as con:
        assert states_with_prefix(con, "p/") == {"p/a": "1"}
        assert read_watermark(con, "k") == datetime(2026, 3, 1, 10, 0)


def test_backfill_plan_replaces_the_companys_batches_only(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    at = datetime(2026, 1, 1)
    with transaction(db) as con:
        ensure_backfill_schema(con)
        plan_backfill_batches(con, "products", "a", [("a-00000", [1, 2]), ("a-00001", [3])], at)
        plan_backfill_batches(con, "products", "b", [("b-00000", [9])], at)
    with transaction(db) as con:
        plan_backfill_batches(con, "products", "a", [("a-00000", [4])], at)
    with connect(db) as con:
        assert backfill_batch(con, "products", "a-00000") == ("a", [4])
        assert backfill_batch(con, "products", "a-00001") is None
        assert sorted(planned_backfill_partitions(con)) == [("products", "a-00000"), ("products", "b-00000")]


def test_order_line_pairs_are_replaced_as_a_whole(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with connect(db) as con:
        assert read_order_lines(con, 5) is None
    first = [LinePair(2, 92, "P-2", Decimal("3")), LinePair(1, 91, "P-1", Decimal("2.5"))]
    with transaction(db) as con:
        replace_order_lines(con, 5, "i", 7200, first)
        replace_order_lines(con, 6, "i", 7201, [LinePair(1, 93, None, None)])
    with transaction(db) as con:
        replace_order_lines(con, 5, "i", 7200, first[1:])
    with connect(db) as con:
        five = read_order_lines(con, 5)
        six = read_order_lines(con, 6)
    assert five is not None and six is not None
    assert (five.identity, five.so24_order_id, five.pairs) == ("i", 7200, (LinePair(1, 91, "P-1", Decimal("2.5")),))
    assert six.by_row() == {93: LinePair(1, 93, None, None)}
