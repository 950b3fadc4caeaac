"""Splitting a period into GET /WorkHours windows: whole days, at most 93, no gaps, no overlaps."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from so24_pipelines.connectors.smartdok.times import day_end, day_start
from so24_pipelines.connectors.smartdok.windows import MAX_WINDOW_DAYS, Window, split


def _covered(windows: list[Window]) -> list[date]:
    days = []
    for w in windows:
        days += [w.first + timedelta(days=i) for i in range(w.days)]
    return days


@pytest.mark.parametrize("length", [1, 92, 93, 94, 186, 187, 366, 1000])
def test_windows_cover_every_day_once(length: int) -> None:
    first = date(2025, 1, 1)
    last = first + timedelta(days=length - 1)
    windows = split(first, last)
    assert _covered(windows) == [first + timedelta(days=i) for i in range(length)]
    assert len(windows) == -(-length // MAX_WINDOW_DAYS)
    assert all(w.days <= MAX_WINDOW_DAYS for w in windows)


def test_93_days_is_one_window_and_94_two() -> None:
    first = date(2026, 1, 1)
    assert split(first, first + timedelta(days=92)) == [Window(first, first + timedelta(days=92))]
    assert len(split(first, first + timedelta(days=93))) == 2


def test_a_full_window_is_sent_less_than_93_days_apart() -> None:
    """fromDate 00:00:00 and toDate 23:59:59 of a 93-day window are < 93 days apart: Smartdok's
    limit holds whether it counts strictly or not."""
    (window,) = split(date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=92))
    apart = datetime.fromisoformat(day_end(window.last)) - datetime.fromisoformat(day_start(window.first))
    assert timedelta(days=92) < apart < timedelta(days=93)


def test_smaller_windows_when_set_lower() -> None:
    windows = split(date(2026, 1, 1), date(2026, 1, 31), max_days=7)
    assert [w.days for w in windows] == [7, 7, 7, 7, 3]


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="ends"):
        split(date(2026, 2, 1), date(2026, 1, 31))
    with pytest.raises(ValueError):
        split(date(2026, 1, 1), date(2026, 1, 2), max_days=0)
