"""Splitting a period of days into the windows `GET /WorkHours` (v1) accepts.

v1 answers 400 when fromDate and toDate are more than 93 days apart, and it has no paging: one
answer holds the whole window. The connector therefore reads any longer period as consecutive
windows of whole days: a window covering days d .. d+n-1 is sent as fromDate = d 00:00:00 and
toDate = d+n-1 23:59:59, which is less than n days apart, so n = `max_days` (93) passes whether
Smartdok counts "apart" strictly or not. Windows never share a day, so an hour (dated by day)
falls in exactly one of them; the reader still de-duplicates by WorkHourID in case a server
compares times rather than days. `max_days` is a setting (`smartdok.max_window_days`) because the
exact counting is not documented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

MAX_WINDOW_DAYS = 93


@dataclass(frozen=True)
class Window:
    """Days `first` .. `last`, both included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def split(first: date, last: date, max_days: int = MAX_WINDOW_DAYS) -> list[Window]:
    """Consecutive windows of at most `max_days` days covering `first` .. `last` (inclusive)."""
    if max_days < 1:
        raise ValueError("max_days must be at least 1")
    if last < first:
        raise ValueError(f"the period ends ({last}) before it starts ({first})")
    windows = []
    start = first
    while start <= last:
        end = min(last, start + timedelta(days=max_days - 1))
        windows.append(Window(start, end))
        start = end + timedelta(days=1)
    return windows
