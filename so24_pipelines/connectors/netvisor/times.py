"""Netvisor's times: the answers' `d.M.yyyy H:mm:ss` and the `changedsince` query value.

Neither carries a zone, and the reference names none. Netvisor is a Finnish service, so the
connector reads and writes them in Europe/Helsinki by default; `netvisor.timezone` changes that
(an assumption until confirmed against the test environment). A `changedsince` built in the wrong
zone would skip or repeat up to three hours of changes, so naive datetimes are refused rather than
guessed, and answers are parsed strictly: `1.10.2009 16:03:24` or with leading zeros, never a
reordered or partial form (NetvisorFormatError).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from so24_pipelines.connectors.netvisor.errors import NetvisorFormatError

DEFAULT_TIMEZONE = "Europe/Helsinki"
_STAMP = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2}):(\d{2})")


def parse_timestamp(
    text: str | None, zone: str = DEFAULT_TIMEZONE, *, field: str = "TimeStamp", call: str | None = None
) -> datetime | None:
    """`'1.10.2009 16:03:24'` -> an aware datetime in `zone`; empty -> None."""
    if text is None or not text.strip():
        return None
    match = _STAMP.fullmatch(text.strip())
    if match is None:
        raise NetvisorFormatError(f"{field} {text.strip()!r} is not d.M.yyyy H:mm:ss", call=call)
    day, month, year, hour, minute, second = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(zone))
    except ValueError:
        raise NetvisorFormatError(
            f"{field} {text.strip()!r} is not a real date and time", call=call
        ) from None


def format_changed_since(moment: datetime | date, zone: str = DEFAULT_TIMEZONE) -> str:
    """An aware datetime -> `YYYY-MM-DDThh:mm:ss` in `zone`; a date -> `YYYY-MM-DD` (vendors only).

    Seconds are truncated, never rounded up: a watermark must not skip the second it falls in.
    """
    if isinstance(moment, datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("changedsince needs a timezone-aware datetime (got a naive one)")
        return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M:%S")
    return moment.isoformat()
