"""sync schema DDL and flow state: idempotent, and state commits or rolls back with the caller's rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync import ensure_sync_schema, failed_keys, get_state, set_state


def test_sync_schema_is_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with transaction(db) as con:
        ensure_sync_schema(con)
        ensure_sync_schema(con)
    with transaction(db) as con:
        ensure_sync_schema(con)
        tables = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'sync' ORDER BY 1"
        ).fetchall()
    assert [t[0] for t in tables] == ["failed_records", "id_map", "state", "sync_log"]


def test_id_map_rejects_an_unknown_status(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with transaction(db) as con:
        ensure_sync_schema(con)
    with pytest.raises(duckdb.ConstraintException), transaction(db) as con:
        con.execute(
            "INSERT INTO sync.id_map (flow, source_key, target_system, target_entity, status, created_at, updated_at)"
            " VALUES ('f', '1', 't', 'e', 'done', now()::TIMESTAMP, now()::TIMESTAMP)"
        )


def test_state_round_trip_and_absent_schema(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with connect(db) as con:
        assert get_state(con, "so24.products.changed_after") is None
    assert failed_keys(db, "any") == []
    with transaction(db) as con:
        set_state(con, "so24.products.changed_after", "2024-05-01T10:00:00")
        set_state(con, "so24.products.changed_after", "2024-05-02T10:00:00")
    with connect(db) as con:
        assert get_state(con, "so24.products.changed_after") == "2024-05-02T10:00:00"


def test_state_rolls_back_with_the_rows_it_was_written_with(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with transaction(db) as con:
        set_state(con, "mark", "1")
    with pytest.raises(RuntimeError), transaction(db) as con:
        set_state(con, "mark", "2")
        raise RuntimeError("crash before the staged rows were complete")
    with connect(db) as con:
        assert get_state(con, "mark") == "1"
