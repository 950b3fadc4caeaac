"""Time as the emulated LNB reads and writes it.

The real format of order times and of the `*_from`/`*_to` filters is a gap (reference §9.4), so
filters accept ISO 8601 (with or without offset), `Y-m-d H:i:s` and plain dates; a time without
an offset is read as UTC (assumption: LNB is a French company and might mean Paris time; the
connector sends UTC either way). Answers are written per `behaviour.time_format`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    """Now in UTC to whole seconds, so a time read back and sent as a filter matches exactly."""
    return datetime.now(UTC).replace(microsecond=0)


def parse(text: str) -> datetime:
    """ISO 8601, `Y-m-d H:i:s` or `Y-m-d`; raises ValueError on anything else."""
    value = text.strip()
    if not value:
        raise ValueError("empty time")
    if len(value) == 10:
        day = date.fromisoformat(value)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def write(moment: datetime | None, fmt: str) -> str | None:
    """`fmt` "iso" (2026-05-01T08:00:00+00:00) or "datetime" (2026-05-01 08:00:00, UTC)."""
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    if fmt == "datetime":
        return utc.strftime("%Y-%m-%d %H:%M:%S")
    return utc.isoformat(timespec="seconds")


def write_day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
