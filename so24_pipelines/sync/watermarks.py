"""High-water marks for incremental reads (24SO extraction, Rackbeat staging), kept in sync.state.

Moved here from staging/: a mark is flow state, and staging must not know about sync.*. Reads and
writes go through state.py, so a mark is stamped with the same clock as every other state row.

The mark is written in the same transaction as the rows it covers, so a crash can never leave a
mark that claims rows which were not stored. The mark is the latest DateChanged seen in the data
(the source's clock, not ours), and readers move it back by an overlap because 24SO's change
filters ignore seconds (and one client saw them round): re-reading a minute or two is cheap,
because the upsert is idempotent; missing a change is not.

The mark never passes the moment the read started (`not_after`; by default the moment it is
written, UTC). One record dated in the future (9999-12-31, or a source clock three hours ahead)
would otherwise carry the mark there, and every real change after it would be missed. Such a
record is still staged (the `dates_not_in_future` staging check names it); it comes back on every
read while its date is ahead, which the idempotent upsert makes cheap. A mark already past that
moment (written before this rule) is brought back down by the next write and by `mark_for_read`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

from so24_pipelines.sync.schema import utcnow
from so24_pipelines.sync.state import get_state, set_state


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def watermark_key(system: str, identity: str, entity: str) -> str:
    """sync.state key of one entity's mark, per source system and company."""
    return f"{system}/{identity}/{entity}/changed_after"


def read_watermark(con: duckdb.DuckDBPyConnection, key: str) -> datetime | None:
    """The stored mark, or None when there is none yet (first run: read everything)."""
    value = get_state(con, key)
    return datetime.fromisoformat(value) if value else None


def write_watermark(
    con: duckdb.DuckDBPyConnection,
    key: str,
    value: datetime | str | None,
    *,
    not_after: datetime | None = None,
) -> None:
    """Advance the mark, to at most `not_after` (the read's start; default now, UTC).

    Never moves it back (a late, partial batch must not rewind it), except a mark past
    `not_after`, which only a future-dated record can have left there: it comes down to the value.
    """
    if value is None:
        return
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = moment.replace(tzinfo=None)
    cap = _naive_utc(not_after) if not_after is not None else utcnow()
    moment = min(moment, cap)
    current = read_watermark(con, key)
    if current is not None and moment <= current <= cap:
        return
    set_state(con, key, moment.isoformat())


def mark_for_read(mark: datetime | None, started: datetime) -> datetime | None:
    """The mark a read starting at `started` goes from: never later than that moment."""
    if mark is None:
        return None
    return min(mark, _naive_utc(started))


def with_overlap(mark: datetime | None, overlap_minutes: int) -> datetime | None:
    """The changed-after value to send: the mark moved back and cut to the minute."""
    if mark is None:
        return None
    return (mark - timedelta(minutes=overlap_minutes)).replace(second=0, microsecond=0)
