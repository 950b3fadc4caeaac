"""The webhook inbox: one SQLite file that the receiver appends to and a sensor drains.

Why SQLite and not the DuckDB staging file: DuckDB lets one process at a time open its file for
writing, and Dagster steps hold it for whole transactions; a webhook that waits behind a load
would time out at the sender. SQLite in WAL mode lets readers run beside one writer, and
`busy_timeout` turns the short writer-writer overlaps (receiver workers, the sensor marking
events) into waits instead of "database is locked" errors.

Why these choices:

- Every call opens its own short-lived connection, so the inbox is safe from any thread or process
  and a crashed caller never leaves a lock behind.
- `synchronous=FULL`: a 202 tells the sender it may forget the event, so the row must survive a
  power cut, not only a process crash.
- `seq` is AUTOINCREMENT so a number is never reused even after old rows are purged; the sensor
  keeps `seq` as its cursor and must never skip or repeat.
- Duplicates are harmless: `ON CONFLICT(event_id) DO NOTHING` ignores a redelivery, and unlike
  `INSERT OR IGNORE` it does not also swallow NOT NULL violations as fake "duplicates".
- Times are stored as UTC ISO-8601 text with microseconds, so text comparison is time comparison.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from so24_pipelines.webhooks.envelope import normalize_time

INBOX_FILE_NAME = "so24_inbox.sqlite"


def _like_prefix(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


BUSY_TIMEOUT_SECONDS = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT NOT NULL UNIQUE,
    source       TEXT NOT NULL,
    event        TEXT NOT NULL,
    entity_key   TEXT,
    occurred_at  TEXT,
    received_at  TEXT NOT NULL,
    payload      TEXT NOT NULL,
    processed_at TEXT NULL
);
CREATE INDEX IF NOT EXISTS events_unprocessed ON events (event, source, entity_key, seq)
    WHERE processed_at IS NULL;
CREATE TABLE IF NOT EXISTS token_digests (
    source     TEXT NOT NULL,
    label      TEXT NOT NULL,
    digest     TEXT NOT NULL,
    stored_at  TEXT NOT NULL,
    PRIMARY KEY (source, label)
);
"""

_COLUMNS = "seq, event_id, source, event, entity_key, occurred_at, received_at, payload, processed_at"

_INSERT = """
INSERT INTO events (event_id, source, event, entity_key, occurred_at, received_at, payload)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (event_id) DO NOTHING
"""

_PENDING = f"""
SELECT {_COLUMNS} FROM events
WHERE (:include_processed OR processed_at IS NULL) AND seq > :after_seq
  AND (:event IS NULL OR event = :event)
  AND (:source IS NULL OR source = :source)
ORDER BY seq
LIMIT :limit
"""  # noqa: S608 - only the fixed column list is interpolated; every value is a bound parameter

# Group = (source, entity key); an event without a key cannot be collapsed, so it is its own group.
_LATEST_PER_KEY = f"""
SELECT {_COLUMNS} FROM events
WHERE processed_at IS NULL AND event = :event AND (:source IS NULL OR source = :source)
  AND (source, COALESCE(entity_key, event_id)) IN (
      SELECT source, COALESCE(entity_key, event_id) FROM events
      WHERE processed_at IS NULL AND event = :event AND (:source IS NULL OR source = :source)
      GROUP BY source, COALESCE(entity_key, event_id)
      HAVING MAX(received_at) < :cutoff
  )
ORDER BY source, COALESCE(entity_key, event_id), seq
"""  # noqa: S608 - only the fixed column list is interpolated; every value is a bound parameter

_MARK = "UPDATE events SET processed_at = ? WHERE event_id = ? AND processed_at IS NULL"
_COUNTS = "SELECT COUNT(*), COUNT(processed_at) FROM events"
_PURGE = "DELETE FROM events WHERE processed_at IS NOT NULL AND processed_at < ?"


class InboxError(RuntimeError):
    """The inbox file cannot be used as required (e.g. WAL mode refused on a network share)."""


@dataclass(frozen=True, slots=True)
class Event:
    """One stored delivery.

    `supersedes` is only filled by `latest_per_key`: the ids of the older unprocessed events of
    the same key that this one stands for. Mark `covered_ids` processed, or they come back.
    """

    seq: int
    event_id: str
    source: str
    event: str
    entity_key: str | None
    occurred_at: str | None
    received_at: str
    payload: dict[str, Any]
    processed_at: str | None
    supersedes: tuple[str, ...] = ()

    @property
    def covered_ids(self) -> tuple[str, ...]:
        return (self.event_id, *self.supersedes)


def default_inbox_path(env: Mapping[str, str] | None = None, company: str | None = None) -> Path:
    """$DAGSTER_HOME/so24_inbox.sqlite, else ./.dagster_home/so24_inbox.sqlite (like staging).

    With a `company` (a company's code location, docs/deploy.md) `so24_inbox_<company>.sqlite`:
    the companies' locations share one DAGSTER_HOME, and one inbox would hand one company's
    Rackbeat events to every company's sensors. The company's receiver writes the same file
    (`--company`).
    """
    env = os.environ if env is None else env
    home = env.get("DAGSTER_HOME")
    base = Path(home).expanduser() if home else Path.cwd() / ".dagster_home"
    return base / (f"so24_inbox_{company}.sqlite" if company else INBOX_FILE_NAME)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give the inbox timezone-aware times (e.g. datetime.now(UTC))")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _event(row: tuple[Any, ...], supersedes: tuple[str, ...] = ()) -> Event:
    seq, event_id, source, event, entity_key, occurred_at, received_at, payload, processed_at = row
    return Event(
        seq=seq,
        event_id=event_id,
        source=source,
        event=event,
        entity_key=entity_key,
        occurred_at=occurred_at,
        received_at=received_at,
        payload=json.loads(payload),
        processed_at=processed_at,
        supersedes=supersedes,
    )


class Inbox:
    """Append-only event store with processed marks; see the module docstring for the why."""

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.path = Path(path)
        self._busy_timeout = busy_timeout
        self._clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            mode = self._enable_wal(con)
            if mode.lower() != "wal":
                raise InboxError(f"SQLite refused WAL mode for {self.path} (got {mode!r}); use a local disk")
            con.executescript(_SCHEMA)

    def _enable_wal(self, con: sqlite3.Connection) -> str:
        """Switch the file to WAL, retrying while another process holds it.

        The switch needs an exclusive lock and SQLite reports a conflict at once instead of going
        through the busy handler, so processes that open a fresh file together (receiver workers,
        the sensor) would otherwise fail with "database is locked".
        """
        deadline = time.monotonic() + self._busy_timeout
        delay = 0.005
        while True:
            try:
                return str(con.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.2)

    def __repr__(self) -> str:
        return f"Inbox(path={str(self.path)!r})"

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # `timeout` is sqlite3_busy_timeout: a locked database is waited for, not an error.
        con = sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None)
        try:
            con.execute("PRAGMA synchronous = FULL")
            yield con
        finally:
            con.close()

    def add(
        self,
        source: str,
        event_id: str,
        event: str,
        entity_key: str | None,
        occurred_at: str | datetime | None,
        payload: Mapping[str, Any],
    ) -> bool:
        """Store one event; False when it is a redelivery of an event still waiting to be processed.

        An id the sender gave is final: seen once, always a duplicate. An id made from the body's
        hash ("<source>:sha256:...") only dedupes against unprocessed events: Rackbeat sends a
        byte-identical body when the same order is booked a second time, and dropping that would
        lose a real event. A redelivery after processing is stored again under a numbered id; the
        consumers re-read current state, so handling it twice changes nothing.
        """
        if isinstance(occurred_at, datetime):
            occurred_at = normalize_time(occurred_at)
        row = (
            event_id,
            source,
            event,
            entity_key,
            occurred_at,
            _utc_text(self._clock()),
            json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        )
        with self._connect() as con:
            if con.execute(_INSERT, row).rowcount == 1:
                return True
            if ":sha256:" not in event_id:
                return False
            con.execute("BEGIN IMMEDIATE")
            try:
                waiting = con.execute(
                    "SELECT count(*) FROM events WHERE (event_id = ? OR event_id LIKE ? ESCAPE '!') "
                    "AND processed_at IS NULL",
                    (event_id, _like_prefix(event_id) + "#%"),
                ).fetchone()[0]
                if waiting:
                    con.execute("ROLLBACK")
                    return False
                n = con.execute(
                    "SELECT count(*) FROM events WHERE event_id LIKE ? ESCAPE '!'", (_like_prefix(event_id) + "#%",)
                ).fetchone()[0]
                con.execute(_INSERT, (f"{event_id}#{n + 1}", *row[1:]))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return True

    def pending(
        self, after_seq: int = 0, limit: int = 500, event: str | None = None, source: str | None = None,
        *, include_processed: bool = False,
    ) -> list[Event]:
        """Unprocessed events with seq > after_seq, oldest arrival first.

        The processed mark belongs to the one flow that owns an event (R7 owns Rackbeat's
        `.created`). A second flow reading the same events (N3) keeps its own cursor and reads
        with `include_processed`, so it sees every arrival whichever flow's sensor ticked first.
        """
        params = {
            "after_seq": after_seq, "limit": limit, "event": event, "source": source,
            "include_processed": include_processed,
        }  # fmt: skip
        with self._connect() as con:
            return [_event(row) for row in con.execute(_PENDING, params)]

    def mark_processed(self, event_ids: Iterable[str]) -> int:
        """Mark events processed; returns how many changed. The first processing time is kept."""
        now = _utc_text(self._clock())
        rows = [(now, event_id) for event_id in dict.fromkeys(event_ids)]
        if not rows:
            return 0
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                changed = con.executemany(_MARK, rows).rowcount
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        return changed

    def latest_per_key(self, event: str, older_than: datetime, *, source: str | None = None) -> list[Event]:
        """Debounce: per (source, entity_key), the newest unprocessed event of this name.

        A key is only returned once its newest arrival is older than `older_than` (typically
        now - delay): while events keep arriving inside the window the key waits, and then all of
        them collapse into the latest, which lists the others in `supersedes`. Ordered by seq.
        """
        params = {"event": event, "source": source, "cutoff": _utc_text(older_than)}
        with self._connect() as con:
            rows = con.execute(_LATEST_PER_KEY, params).fetchall()
        groups: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        for row in rows:
            groups.setdefault((row[2], row[4] if row[4] is not None else row[1]), []).append(row)
        latest = [_event(members[-1], tuple(m[1] for m in members[:-1])) for members in groups.values()]
        return sorted(latest, key=lambda e: e.seq)

    def remember_token(self, source: str, label: str, token: str) -> None:
        """Keep the SHA-256 of a token the sender generated (Rackbeat shows a hook's token once).

        Only the digest is stored: the receiver can check a presented token against it, but the
        file never holds a secret that could be replayed.
        """
        with self._connect() as con:
            con.execute(
                "INSERT INTO token_digests (source, label, digest, stored_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source, label) DO UPDATE SET digest = excluded.digest, stored_at = excluded.stored_at",
                (source, label, token_digest(token), self._clock().isoformat()),
            )

    def token_digests(self, source: str) -> list[str]:
        with self._connect() as con:
            return [r[0] for r in con.execute("SELECT digest FROM token_digests WHERE source = ?", (source,))]

    def counts(self) -> dict[str, int]:
        """{"total", "pending", "processed"}: for health checks and sensor metadata."""
        with self._connect() as con:
            total, processed = con.execute(_COUNTS).fetchone()
        return {"total": total, "pending": total - processed, "processed": processed}

    def purge_processed(self, older_than: datetime) -> int:
        """Delete events processed before `older_than`; returns how many.

        The inbox grows with every delivery; keep processed rows at least as long as a sender
        may redeliver, because a purged id no longer counts as a duplicate.
        """
        with self._connect() as con:
            return con.execute(_PURGE, (_utc_text(older_than),)).rowcount
