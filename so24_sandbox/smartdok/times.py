"""Time as the emulated Smartdok writes and reads it.

Smartdok is an ASP.NET service whose DateTime values carry no offset (`2026-03-02T00:00:00`,
`2026-03-03T16:05:12.25`): Norwegian local time, by the look of its users (the reference lists
the time zone as a gap, §8.3). The sandbox keeps every time as a naive Europe/Oslo wall time and
writes it the way System.Text.Json does: whole seconds without a fraction, else the fraction with
trailing zeros trimmed. Query filters accept that form, a plain date, or ISO 8601 with an offset
(converted to Oslo time). Durations in the v2 rendering are .NET TimeSpans (`07:30:00`).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Oslo")


def now() -> datetime:
    """The current Oslo wall time, naive, to the microsecond (LastUpdated stamps)."""
    return datetime.now(ZONE).replace(tzinfo=None)


def write(moment: datetime | None) -> str | None:
    """`YYYY-MM-DDTHH:MM:SS[.fffffff]` without offset, as .NET writes an unspecified DateTime."""
    if moment is None:
        return None
    text = moment.replace(tzinfo=None).isoformat(timespec="microseconds")
    head, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    return f"{head}.{fraction}" if fraction else head


def write_day(day: date) -> str:
    """A day as a midnight DateTime (v1 `Date`, project start and end)."""
    return write(datetime.combine(day, time())) or ""


def parse(text: str) -> datetime:
    """A query or body time as naive Oslo wall time; ValueError when it is none of the forms."""
    value = text.strip()
    if not value:
        raise ValueError("empty time")
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), time())
    parsed = datetime.fromisoformat(value.replace(" ", "T", 1).replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(ZONE).replace(tzinfo=None)
    return parsed


def span(minutes: int | None) -> str | None:
    """Minutes as a .NET TimeSpan `hh:mm:ss` (the v2 `date-span` format)."""
    if minutes is None:
        return None
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def parse_span(text: str) -> int:
    """`hh:mm[:ss]` as whole minutes since midnight (0..1440); ValueError otherwise."""
    parts = text.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a time span: {text!r}")
    hours, minutes = int(parts[0]), int(parts[1])
    if minutes > 59 or hours * 60 + minutes > 24 * 60:
        raise ValueError(f"not a time of day: {text!r}")
    return hours * 60 + minutes


def hours_of(minutes: int) -> float:
    """Minutes as decimal hours, as the v1 rendering writes OrdinaryHours (7.5 for 07:30)."""
    return round(minutes / 60.0, 4)
