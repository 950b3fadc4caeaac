"""Smartdok's offset-less local times: what the connector sends and how it reads them back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from so24_pipelines.connectors.errors import ConfigError
from so24_pipelines.connectors.smartdok.times import format_query_time, parse_time, parse_timespan, zone

OSLO = zone("Europe/Oslo")


def test_aware_times_are_sent_as_oslo_wall_time_across_daylight_saving() -> None:
    assert format_query_time(datetime(2026, 1, 15, 12, 0, 30, 999_999, tzinfo=UTC), OSLO) == "2026-01-15T13:00:30"
    assert format_query_time(datetime(2026, 7, 15, 12, 0, tzinfo=UTC), OSLO) == "2026-07-15T14:00:00"
    assert format_query_time(datetime(2026, 7, 15, 12, 0), OSLO) == "2026-07-15T12:00:00"  # naive = local already


def test_answers_are_read_as_aware_times() -> None:
    read = parse_time("2026-03-03T16:05:12.1234567", OSLO)
    assert read.utcoffset() is not None and read.astimezone(UTC) == datetime(2026, 3, 3, 15, 5, 12, 123456, tzinfo=UTC)
    assert parse_time("2026-03-03", OSLO) == datetime(2026, 3, 3, tzinfo=OSLO)
    assert parse_time("2026-03-03T10:00:00Z", OSLO).astimezone(UTC).hour == 10
    with pytest.raises(ValueError):
        parse_time("03.03.2026", OSLO)


def test_timespans_become_minutes() -> None:
    assert parse_timespan("07:30:00") == 450
    assert parse_timespan("1.02:00:00") == 1560
    with pytest.raises(ValueError):
        parse_timespan("7.5")


def test_an_unknown_zone_names_the_setting() -> None:
    with pytest.raises(ConfigError, match="smartdok.timezone"):
        zone("Mars/Olympus_Mons")
