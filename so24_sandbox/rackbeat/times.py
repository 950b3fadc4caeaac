"""Time as the emulated Rackbeat writes and reads it.

Answers carry ISO 8601 with an offset (`2025-01-08T10:30:00+00:00`), the form Rackbeat's own PHP
client parses. Query filters (`updated_at_from`, ...) are documented as `YYYY-MM-DD HH:MM:SS`;
ISO 8601 and plain dates are accepted too. A time without an offset is read as UTC (assumption:
the account's time zone is not documented).
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    """Now in UTC, to whole seconds, so a time read back and sent as a filter matches exactly."""
    return datetime.now(UTC).replace(microsecond=0)


def stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def parse(text: str) -> datetime:
    """`YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD` or ISO 8601; raises ValueError otherwise."""
    value = text.strip()
    if len(value) == 10:
        day = date.fromisoformat(value)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
