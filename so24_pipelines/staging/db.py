"""Short-lived DuckDB connections with retry on the file lock.

DuckDB lets one process at a time open a database file for writing, and Dagster runs each step
(and each sensor tick) in a process of its own. So nobody keeps a connection open: every unit of
work opens the file, does one short transaction and closes it, and a process that finds the file
locked waits and tries again. Never hold a connection across a network call.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

LOCK_WAIT_SECONDS = 120.0
CATALOG = "hub"


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("could not set lock" in text or "conflicting lock" in text or "lock on file" in text)


@contextmanager
def connect(path: str | Path, *, wait_seconds: float = LOCK_WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the staging file, waiting (jittered backoff) while another process holds the lock."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    delay = 0.02
    while True:
        con = duckdb.connect()
        try:
            # Attached under a fixed name: DuckDB names a catalog after its file, and a file called
            # staging.duckdb would make every "staging.x" reference ambiguous.
            con.execute(f"ATTACH ? AS {CATALOG}", [str(path)])
            con.execute(f"USE {CATALOG}")
            break
        except duckdb.IOException as exc:
            con.close()
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(delay + random.uniform(0, delay))
            delay = min(delay * 2, 1.0)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(path: str | Path, *, wait_seconds: float = LOCK_WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
    """One atomic unit of work: commit on success, roll back on any error."""
    with connect(path, wait_seconds=wait_seconds) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
