"""The sync schema has one door: no SQL on sync.* outside so24_pipelines/sync/, and one clock.

Read from the source (nothing is imported), so a query on a sync table written into a flow, a
def or staging fails here with its file and line: it belongs behind a function in sync/, where
the tables can change in one place. And sync.state has one writer (sync/state.py), so every
`updated_at` in it comes from the same clock.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from so24_pipelines.flows.rackbeat.entities_pairs import Baseline, PairState, write_states
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync import set_state, set_states, write_watermark
from so24_pipelines.sync import state as sync_state

PACKAGE = Path(__file__).resolve().parents[2] / "so24_pipelines"
SYNC_DIR = PACKAGE / "sync"
SYNC_SQL = re.compile(r"\b(FROM|JOIN|INTO|UPDATE|TABLE(\s+IF\s+NOT\s+EXISTS)?)\s+sync\.", re.IGNORECASE)
STATE_WRITE = re.compile(r"\b(INTO|UPDATE)\s+sync\.state\b", re.IGNORECASE)


def _hits(pattern: re.Pattern[str], path: Path) -> list[str]:
    text = path.read_text()
    return [f"{path.relative_to(PACKAGE.parent)}:{text.count(chr(10), 0, m.start()) + 1}" for m in pattern.finditer(text)]


def sync_sql_outside_sync() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if SYNC_DIR not in path.parents:
            found += _hits(SYNC_SQL, path)
    return found


def test_no_sql_on_sync_tables_outside_sync() -> None:
    assert sync_sql_outside_sync() == [], "SQL on sync.* belongs behind a function in so24_pipelines/sync/"


def test_the_pattern_catches_what_it_is_meant_to(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'a = "SELECT x FROM sync.id_map"\n'
        'b = "join  Sync.state s ON 1"\n'
        'c = """\nINSERT INTO\n    sync.failed_records"""\n'
        'd = "create table if not exists sync.t (x INT)"\n'
        'e = "kept in sync.failed_records with a reason"  # prose, not SQL\n'
    )
    hits = [m.group(0).split()[0].upper() for m in SYNC_SQL.finditer(sample.read_text())]
    assert hits == ["FROM", "JOIN", "INTO", "TABLE"]


def test_sync_state_has_one_writer() -> None:
    writers = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in _hits(STATE_WRITE, path)]
    assert {w.rsplit(":", 1)[0] for w in writers} == {"so24_pipelines/sync/state.py"}


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    moment = datetime(2031, 7, 4, 12, 34, 56)
    monkeypatch.setattr(sync_state, "utcnow", lambda: moment)
    return moment


def test_every_state_write_is_stamped_by_the_one_clock(tmp_path: Path, frozen_clock: datetime) -> None:
    db = tmp_path / "s.duckdb"
    with transaction(db) as con:
        set_state(con, "cursor", "1")
        set_states(con, {"a": "x", "b": None})
        write_watermark(con, "so24/i/products/changed_after", "2026-03-01T10:15:42")
    pair = PairState("rb-1", Baseline("h", datetime(2026, 1, 1)), Baseline(None, None))
    write_states(db, "products", {"17": pair})
    with connect(db) as con:
        stamps = dict(con.execute("SELECT key, updated_at FROM sync.state").fetchall())
    assert set(stamps) == {"cursor", "a", "b", "so24/i/products/changed_after", "rackbeat/pair/products/17"}
    assert set(stamps.values()) == {frozen_clock}
