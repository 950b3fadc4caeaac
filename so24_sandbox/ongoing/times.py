"""Time handling as Ongoing does it: UTC everywhere, answers with a "Z" suffix.

Requests should carry an explicit offset; a time without one is read as UTC here (assumption: the
vendor only says to send UTC with an offset). `deliveryDate` may be a plain date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time or date; raises ValueError on anything else."""
    value = text.strip()
    if not value:
        raise ValueError("empty time")
    if len(value) == 10:
        day = date.fromisoformat(value)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_time(moment: datetime | None) -> str | None:
    """UTC with millisecond precision at most and a Z, e.g. 2019-04-09T10:39:31.3Z."""
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    millis = f"{utc.microsecond // 1000:03d}".rstrip("0")
    return f"{text}.{millis}Z" if millis else f"{text}Z"


def utc_now() -> datetime:
    """Now, cut to milliseconds, so a time read back and sent as a filter matches exactly."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
