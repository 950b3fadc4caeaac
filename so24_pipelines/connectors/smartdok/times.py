"""Smartdok's times: local wall time without an offset, in both directions.

Smartdok writes DateTime values without an offset (`2026-03-02T00:00:00`, `2026-03-03T16:05:12.25`)
and reads query times the same way. Which zone they are in is not documented (reference §8.3);
a Norwegian service's users see Norwegian time, so the zone is a setting (`smartdok.timezone`,
default Europe/Oslo). This module turns aware datetimes into that local form for queries and
reads answers back as aware datetimes, so watermarks kept by the hub stay unambiguous. A naive
datetime handed in is taken to be local already.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from so24_pipelines.connectors.errors import ConfigError

DEFAULT_TIMEZONE = "Europe/Oslo"


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or ConfigError naming the setting."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"smartdok.timezone: unknown time zone {name!r} (an IANA name such as Europe/Oslo)") from None


def format_query_time(moment: datetime, tz: ZoneInfo) -> str:
    """`YYYY-MM-DDTHH:MM:SS` in Smartdok's local time (seconds; a fraction would be cut anyway)."""
    local = moment.astimezone(tz) if moment.tzinfo is not None else moment
    return local.replace(tzinfo=None, microsecond=0).isoformat()


def day_start(day: date) -> str:
    return datetime.combine(day, time()).isoformat()


def day_end(day: date) -> str:
    return datetime.combine(day, time(23, 59, 59)).isoformat()


def parse_time(text: str, tz: ZoneInfo) -> datetime:
    """A time from an answer as an aware datetime (an offset, if ever sent, is honoured)."""
    value = text.strip()
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=tz)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def parse_timespan(text: str) -> int:
    """A .NET TimeSpan from v2 (`07:30:00`, `1.02:00:00`) as whole minutes."""
    value = text.strip()
    days = 0
    if "." in value.split(":")[0]:
        head, _, value = value.partition(".")
        days = int(head)
    parts = value.split(":")
    if len(parts) != 3:
        raise ValueError(f"not a TimeSpan: {text!r}")
    hours, minutes = int(parts[0]), int(parts[1])
    return days * 1440 + hours * 60 + minutes
