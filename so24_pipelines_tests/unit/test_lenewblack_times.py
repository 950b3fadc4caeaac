"""Reading LNB's times leniently and writing filter bounds in the configured format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from so24_pipelines.connectors.lnb.times import format_filter_time, parse_time

AT = datetime(2026, 5, 1, 8, 30, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    ["2026-05-01T08:30:15+00:00", "2026-05-01T08:30:15Z", "2026-05-01 08:30:15", "2026-05-01T10:30:15+02:00",
     int(AT.timestamp()), str(int(AT.timestamp()))],
)
def test_every_form_lnb_may_send_reads_as_the_same_moment(value: object) -> None:
    assert parse_time(value) == AT


def test_empty_and_plain_dates() -> None:
    assert parse_time(None) is None and parse_time("") is None
    assert parse_time("2026-05-01") == datetime(2026, 5, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_time("yesterday")
    with pytest.raises(ValueError):
        parse_time(True)


def test_filter_bounds_are_utc_in_either_format() -> None:
    oslo = AT.astimezone(timezone(timedelta(hours=2)))
    assert format_filter_time(oslo) == "2026-05-01 08:30:15"
    assert format_filter_time(oslo, "iso") == "2026-05-01T08:30:15+00:00"
    assert format_filter_time(datetime(2026, 5, 1, 8, 30, 15, 999)) == "2026-05-01 08:30:15"  # naive = UTC
    with pytest.raises(ValueError, match="datetime, iso"):
        format_filter_time(AT, "unix")
