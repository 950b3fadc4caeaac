"""Short-lived DuckDB connections with retry on the file lock.

DuckDB lets one process at a time open a database file for writing, and Dagster runs each step
(and each sensor tick) in a process of its own. So nobody keeps a connection open: every unit of
work opens the file, does one short transaction and closes it, and a process that finds the file
locked waits and tries again. Never hold a connection across a network call.

Opening is on every path (a tick opens the file ten times or so), so it is kept cheap: a new
DuckDB instance costs ~12 ms before it has read a byte, while attaching the file to one that
exists costs ~2. Each thread keeps one in-memory instance (made in this process: none survives a
fork), attaches the file for the unit of work on a connection of its own, and detaches it after,
which releases the file lock exactly as closing a connection did. An instance whose detach
failed is thrown away, so no unit of work ever inherits another's attachment.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

LOCK_WAIT_SECONDS = 120.0
CATALOG = "hub"

_local = threading.local()


def _instance() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB instance (the file is attached to it per unit of work)."""
    base = getattr(_local, "base", None)
    if base is None or getattr(_local, "pid", None) != os.getpid():
        base = duckdb.connect()
        _local.base, _local.pid = base, os.getpid()
    return base


def _drop_instance() -> None:
    base = getattr(_local, "base", None)
    _local.base = None
    if base is not None:
        try:
            base.close()
        except duckdb.Error:
            pass


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
    base = _instance()
    while True:
        try:
            # Attached under a fixed name: DuckDB names a catalog after its file, and a file called
            # staging.duckdb would make every "staging.x" reference ambiguous.
            base.execute(f"ATTACH ? AS {CATALOG}", [str(path)])
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(delay + random.uniform(0, delay))
            delay = min(delay * 2, 1.0)
    con = base.cursor()
    try:
        con.execute(f"USE {CATALOG}")
        yield con
    finally:
        con.close()
        try:
            base.execute(f"DETACH {CATALOG}")
        except duckdb.Error:
            _drop_instance()


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
