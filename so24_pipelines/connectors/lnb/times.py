"""Times to and from Le New Black, whose formats the reference could not pin down (§9.4).

Reading is lenient because the SDKs disagree on what LNB sends: ISO 8601 with or without an
offset, `Y-m-d H:i:s` (the PHP SDK's mock of `expire_on`), or Unix seconds (which Java accepts).
A time without an offset is read as UTC (assumption; LNB is French and might mean Paris time).

Writing the `*_from`/`*_to` filters is a setting (`lnb.filter_time_format`): "datetime"
(`Y-m-d H:i:s` in UTC, the default) or "iso" (ISO 8601 with `+00:00`). The default is the safe
guess for a watermark: should LNB read an offset-less time as Paris time, a `*_from` bound moves
one or two hours *earlier* and only re-reads orders the hub de-duplicates anyway, whereas an ISO
offset an API cannot parse would fail the call. A `*_to` bound is shifted the unsafe way, so
give it a margin.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

TimeFormat = Literal["datetime", "iso"]
TIME_FORMATS: tuple[str, ...] = ("datetime", "iso")


def parse_time(value: Any) -> datetime | None:
    """A time LNB sent, as an aware UTC datetime; None for null/empty. ValueError when unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a time")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_filter_time(moment: datetime, fmt: str = "datetime") -> str:
    """A filter bound in `fmt`; a naive `moment` is taken as UTC."""
    if fmt not in TIME_FORMATS:
        raise ValueError(f"filter time format must be one of {', '.join(TIME_FORMATS)}")
    utc = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).replace(microsecond=0)
    if fmt == "iso":
        return utc.isoformat()
    return utc.strftime("%Y-%m-%d %H:%M:%S")
