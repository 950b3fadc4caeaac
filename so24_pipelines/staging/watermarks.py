"""High-water marks for incremental extraction, stored in sync.state beside the data.

The mark is written in the same transaction as the rows it covers, so a crash can never leave a
mark that claims rows which were not stored. The mark is the latest DateChanged seen in the data
(24SO's clock, not ours), and readers move it back by an overlap because 24SO's change filters
ignore seconds (and one client saw them round): re-reading a minute or two is cheap, because the
upsert is idempotent; missing a change is not.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb


def watermark_key(system: str, identity: str, entity: str) -> str:
    return f"{system}/{identity}/{entity}/changed_after"


def read_watermark(con: duckdb.DuckDBPyConnection, key: str) -> datetime | None:
    rows = con.execute("SELECT value FROM sync.state WHERE key = ?", [key]).fetchall()
    return datetime.fromisoformat(rows[0][0]) if rows and rows[0][0] else None


def write_watermark(con: duckdb.DuckDBPyConnection, key: str, value: datetime | str | None) -> None:
    """Advance the mark (never move it back: a late, partial batch must not rewind it)."""
    if value is None:
        return
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = moment.replace(tzinfo=None)
    current = read_watermark(con, key)
    if current is not None and current >= moment:
        return
    con.execute(
        "INSERT INTO sync.state (key, value, updated_at) VALUES (?, ?, now()) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        [key, moment.isoformat()],
    )


def with_overlap(mark: datetime | None, overlap_minutes: int) -> datetime | None:
    """The changed-after value to send: the mark moved back and cut to the minute."""
    if mark is None:
        return None
    return (mark - timedelta(minutes=overlap_minutes)).replace(second=0, microsecond=0)
