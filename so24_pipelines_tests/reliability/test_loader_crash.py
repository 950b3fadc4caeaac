"""A real crash between "the target accepted the create" and "the loader recorded it".

A child process loads 30 records into a target that keeps its records in SQLite (so they survive
the process) and SIGKILLs its own process right after committing the 15th create: no finally
blocks, no flush, a DuckDB file with a half-written WAL. Fresh processes then rerun the load.
Every record must end up in the target exactly once, with the unconfirmed creates resolved by
business key rather than sent again; and when the next run is told that the crashed run is over
(what the Dagster layer asks its instance), it resumes the crashed run's records at once.

Run as `python -m so24_pipelines_tests.reliability.test_loader_crash CHILD ...` it is the child.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from so24_pipelines.sync import MappedRecord, failed_keys, load

pytestmark = pytest.mark.reliability

REPO_ROOT = Path(__file__).resolve().parents[2]
FLOW = "r1_products"
RECORDS = 30
BATCH = 10
KILL_AFTER_CREATES = 15


class SqliteTarget:
    """A target that persists every create at once and enforces nothing, so duplicates would show."""

    system = "rackbeat"
    entity = "products"

    def __init__(self, path: Path, *, kill_after_creates: int | None = None) -> None:
        self._path = path
        self._kill_after = kill_after_creates
        self._creates = 0
        self._lock = threading.Lock()
        with self._connect() as con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS products (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " business_key TEXT NOT NULL, payload TEXT NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._path, timeout=30)

    def create(self, record: MappedRecord) -> str:
        with self._lock, self._connect() as con:
            cursor = con.execute(
                "INSERT INTO products (business_key, payload) VALUES (?, ?)",
                (record.business_key, json.dumps(record.payload, sort_keys=True)),
            )
            key = str(cursor.lastrowid)
        with self._lock:
            self._creates += 1
            if self._creates == self._kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
        return key

    def update(self, target_key: str, record: MappedRecord) -> None:
        with self._lock, self._connect() as con:
            con.execute(
                "UPDATE products SET payload = ? WHERE id = ?",
                (json.dumps(record.payload, sort_keys=True), int(target_key)),
            )

    def find_by_business_key(self, business_key: str) -> str | None:
        with self._connect() as con:
            rows = con.execute(
                "SELECT id FROM products WHERE business_key = ? ORDER BY id", (business_key,)
            ).fetchall()
        return str(rows[0][0]) if rows else None


def records() -> list[MappedRecord]:
    return [
        MappedRecord(str(i), {"number": f"P{i}", "name": f"Product {i}"}, business_key=f"P{i}")
        for i in range(1, RECORDS + 1)
    ]


def child_main(
    db: str, target_db: str, run_id: str, kill_after: int, claim_ttl_seconds: float, over: str = ""
) -> None:
    target = SqliteTarget(Path(target_db), kill_after_creates=kill_after or None)
    ended = set(filter(None, over.split(",")))
    _, report = load(
        db,
        FLOW,
        records(),
        target,
        run_id=run_id,
        max_workers=4,
        batch_size=BATCH,
        claim_ttl=timedelta(seconds=claim_ttl_seconds),
        run_alive=(lambda claimed_by: claimed_by not in ended) if ended else None,
    )
    print(json.dumps(report.counts()))


def run_child(
    tmp_path: Path, run_id: str, *, kill_after: int = 0, claim_ttl_seconds: float = 1800, over: str = ""
) -> subprocess.CompletedProcess[str]:
    args = [
        str(tmp_path / "staging.duckdb"),
        str(tmp_path / "target.sqlite"),
        run_id,
        str(kill_after),
        str(claim_ttl_seconds),
        over,
    ]
    return subprocess.run(
        [sys.executable, "-m", "so24_pipelines_tests.reliability.test_loader_crash", "CHILD", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def target_rows(tmp_path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(tmp_path / "target.sqlite") as con:
        return con.execute(
            "SELECT business_key, count(*) FROM products GROUP BY business_key ORDER BY 1"
        ).fetchall()


def sync_rows(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "staging.duckdb")) as con:
        return con.execute(sql).fetchall()


def test_sigkill_between_create_and_record_never_duplicates(tmp_path: Path) -> None:
    crashed = run_child(tmp_path, "run-1", kill_after=KILL_AFTER_CREATES)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr

    landed = target_rows(tmp_path)
    assert len(landed) >= KILL_AFTER_CREATES and all(count == 1 for _, count in landed)
    synced = sync_rows(tmp_path, "SELECT count(*) FROM sync.id_map WHERE status = 'synced'")[0][0]
    pending = sync_rows(tmp_path, "SELECT count(*) FROM sync.id_map WHERE status = 'pending_create'")[0][0]
    assert synced == BATCH, "the first batch was recorded before the crash"
    assert len(landed) > synced and pending > 0, "some creates reached the target unrecorded"
    assert len(failed_keys(tmp_path / "staging.duckdb", FLOW)) == pending

    # A new run while run-1's claims are fresh must not touch them: run-1 could still be sending.
    overlapping = run_child(tmp_path, "run-2")
    assert overlapping.returncode == 0, overlapping.stderr
    counts = json.loads(overlapping.stdout)
    assert counts["skipped"] == pending and counts["resolved"] == 0
    assert all(count == 1 for _, count in target_rows(tmp_path))

    # Once the claims may be taken over (here: TTL 0, no other run alive), the rerun resolves them.
    recovered = run_child(tmp_path, "run-3", claim_ttl_seconds=0)
    assert recovered.returncode == 0, recovered.stderr
    counts = json.loads(recovered.stdout)
    assert counts["resolved"] == len(landed) - synced > 0
    assert counts["failed"] == 0 and counts["skipped"] == 0
    assert target_rows(tmp_path) == sorted((f"P{i}", 1) for i in range(1, RECORDS + 1))
    assert sync_rows(
        tmp_path, "SELECT count(*), count(DISTINCT target_key) FROM sync.id_map WHERE status = 'synced'"
    ) == [(RECORDS, RECORDS)]
    assert failed_keys(tmp_path / "staging.duckdb", FLOW) == []

    final = run_child(tmp_path, "run-4")
    assert final.returncode == 0, final.stderr
    assert json.loads(final.stdout)["unchanged"] == RECORDS
    assert len(target_rows(tmp_path)) == RECORDS


def test_sigkill_then_the_next_run_resumes_at_once_once_the_crashed_run_is_over(tmp_path: Path) -> None:
    crashed = run_child(tmp_path, "run-1", kill_after=KILL_AFTER_CREATES)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    landed = target_rows(tmp_path)
    synced = sync_rows(tmp_path, "SELECT count(*) FROM sync.id_map WHERE status = 'synced'")[0][0]
    assert len(landed) > synced

    # The claims are seconds old (TTL 30 minutes), but run-1 is over: the next tick takes them.
    resumed = run_child(tmp_path, "run-2", over="run-1")
    assert resumed.returncode == 0, resumed.stderr
    counts = json.loads(resumed.stdout)
    assert counts["resolved"] == len(landed) - synced > 0
    assert counts["skipped"] == 0 and counts["failed"] == 0
    assert target_rows(tmp_path) == sorted((f"P{i}", 1) for i in range(1, RECORDS + 1))
    assert failed_keys(tmp_path / "staging.duckdb", FLOW) == []
    reasons = sync_rows(tmp_path, "SELECT DISTINCT reason FROM sync.sync_log WHERE run_id = 'run-2' AND action = 'resolved'")
    assert reasons and all("unconfirmed create from run run-1 found by business key" in r for (r,) in reasons)


if __name__ == "__main__" and sys.argv[1:2] == ["CHILD"]:
    db_arg, target_arg, run_arg, kill_arg, ttl_arg, over_arg = sys.argv[2:8]
    child_main(db_arg, target_arg, run_arg, int(kill_arg), float(ttl_arg), over_arg)
