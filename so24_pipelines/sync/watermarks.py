"""High-water marks for incremental reads (24SO extraction, Rackbeat staging), kept in sync.state.

Moved here from staging/: a mark is flow state, and staging must not know about sync.*. Reads and
writes go through state.py, so a mark is stamped with the same clock as every other state row.

The mark is written in the same transaction as the rows it covers, so a crash can never leave a
mark that claims rows which were not stored. The mark is the latest DateChanged seen in the data
(the source's clock, not ours), and readers move it back by an overlap because 24SO's change
filters ignore seconds (and one client saw them round): re-reading a minute or two is cheap,
because the upsert is idempotent; missing a change is not.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from so24_pipelines.sync.state import get_state, set_state


def watermark_key(system: str, identity: str, entity: str) -> str:
    """sync.state key of one entity's mark, per source system and company."""
    return f"{system}/{identity}/{entity}/changed_after"


def read_watermark(con: duckdb.DuckDBPyConnection, key: str) -> datetime | None:
    """The stored mark, or None when there is none yet (first run: read everything)."""
    value = get_state(con, key)
    return datetime.fromisoformat(value) if value else None


def write_watermark(con: duckdb.DuckDBPyConnection, key: str, value: datetime | str | None) -> None:
    """Advance the mark (never move it back: a late, partial batch must not rewind it)."""
    if value is None:
        return
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = moment.replace(tzinfo=None)
    current = read_watermark(con, key)
    if current is not None and current >= moment:
        return
    set_state(con, key, moment.isoformat())


def with_overlap(mark: datetime | None, overlap_minutes: int) -> datetime | None:
    """The changed-after value to send: the mark moved back and cut to the minute."""
    if mark is None:
        return None
    return (mark - timedelta(minutes=overlap_minutes)).replace(second=0, microsecond=0)
