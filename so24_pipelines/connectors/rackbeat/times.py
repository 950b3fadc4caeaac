"""Rackbeat's two time spellings, and the one its filters want.

Resources carry ISO 8601 with an offset (`2018-01-01T18:30:00+01:00`) or a plain date; webhook
examples show `2025-01-08 10:30:00` without one. Filters (`updated_at_from`, ...) are documented
as `YYYY-MM-DD HH:MM:SS`. Rackbeat does not say which time zone an offset-less time is in; this
module reads and writes such times as UTC, so keep watermarks as aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def parse_time(text: str) -> datetime:
    """Either form (or a plain date) as an aware UTC datetime; ValueError on anything else."""
    value = text.strip()
    if len(value) == 10:
        day = date.fromisoformat(value)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_filter_time(moment: datetime) -> str:
    """`YYYY-MM-DD HH:MM:SS` in UTC for `*_from` / `*_to` filters (naive input is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
