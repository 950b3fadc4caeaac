"""Ongoing's time conventions, on the client side.

Ongoing answers in UTC with a "Z" and a variable fraction (`2019-04-09T10:39:31.3Z`) and wants
request times in UTC *with an explicit offset*, URL-encoded (`+` must travel as %2B, which
`requests` does for query parameters). A naive datetime is refused here rather than guessed: the
24SO side works in Norwegian local time and a silent mix-up would shift watermarks by 1-2 hours.
"""

from __future__ import annotations

from datetime import UTC, datetime


def format_query_time(moment: datetime) -> str:
    """`2019-04-09T08:00:00.000+00:00` for a query parameter such as shippedTimeFrom."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Ongoing times must be timezone-aware (got a naive datetime)")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_time(text: str | None) -> datetime | None:
    """A time from an Ongoing answer as an aware UTC datetime (None stays None)."""
    if text is None or not str(text).strip():
        return None
    parsed = datetime.fromisoformat(str(text).strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
