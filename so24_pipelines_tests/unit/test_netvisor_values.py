"""Netvisor's decimal comma and times, read exactly and never coerced."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from so24_pipelines.connectors.netvisor import (
    format_changed_since,
    format_decimal,
    parse_decimal,
    parse_timestamp,
)
from so24_pipelines.connectors.netvisor.errors import NetvisorFormatError

HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.mark.parametrize(("text", "value"), [("42,5", Decimal("42.5")), ("1,960000000000", Decimal("1.96")),
                                             ("-3,00", Decimal("-3")), ("7", Decimal(7)), (" 0,1 ", Decimal("0.1"))])  # fmt: skip
def test_decimal_comma_is_read_exactly(text: str, value: Decimal) -> None:
    parsed = parse_decimal(text)
    assert parsed == value and isinstance(parsed, Decimal)


def test_empty_is_no_value() -> None:
    assert parse_decimal("") is None and parse_decimal(None) is None and parse_decimal("  ") is None


@pytest.mark.parametrize(
    "text", ["1.500", "1 500,00", "1.500,00", "4,2e3", "12,", ",5", "+1,0", "NaN", "1,5 €"]
)
def test_any_other_number_form_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(NetvisorFormatError, match="UnitPrice") as info:
        parse_decimal(text, field="UnitPrice", call="netvisor GET /productlist.nv")
    assert info.value.call == "netvisor GET /productlist.nv"


def test_a_dot_gets_a_hint() -> None:
    with pytest.raises(NetvisorFormatError, match="decimal comma"):
        parse_decimal("1.5")


@pytest.mark.parametrize(("value", "text"), [(Decimal("42.50"), "42,50"), (7, "7"), (1490.0, "1490,0"),
                                             (0.1, "0,1"), (Decimal("-0.005"), "-0,005"), (Decimal("1E+3"), "1000")])  # fmt: skip
def test_numbers_are_written_with_a_comma(value: object, text: str) -> None:
    assert format_decimal(value) == text  # type: ignore[arg-type]


def test_booleans_and_non_finite_numbers_are_not_numbers() -> None:
    with pytest.raises(TypeError):
        format_decimal(True)
    with pytest.raises(ValueError):
        format_decimal(Decimal("NaN"))
    with pytest.raises(TypeError):
        format_decimal("42,5")  # type: ignore[arg-type]


def test_response_timestamp_reads_d_m_yyyy_h_mm_ss_in_helsinki() -> None:
    parsed = parse_timestamp("1.10.2009 16:03:24")
    assert parsed == datetime(2009, 10, 1, 16, 3, 24, tzinfo=HELSINKI)
    assert parsed.astimezone(UTC) == datetime(2009, 10, 1, 13, 3, 24, tzinfo=UTC)
    assert parse_timestamp("07.04.2009 09:46:07") == datetime(2009, 4, 7, 9, 46, 7, tzinfo=HELSINKI)
    assert parse_timestamp("7.1.2009 3:46:07", "UTC") == datetime(
        2009, 1, 7, 3, 46, 7, tzinfo=ZoneInfo("UTC")
    )
    assert parse_timestamp("") is None


@pytest.mark.parametrize("text", ["2009-10-01 16:03:24", "1.10.2009", "1.10.2009 16:03", "31.2.2009 1:00:00",
                                  "1/10/2009 16:03:24", "1.10.2009 16:3:24", "1.10.09 16:03:24"])  # fmt: skip
def test_other_time_forms_are_refused(text: str) -> None:
    with pytest.raises(NetvisorFormatError):
        parse_timestamp(text)


def test_changedsince_is_written_in_netvisors_zone_and_never_from_a_naive_time() -> None:
    summer = datetime(2025, 6, 30, 21, 30, 59, 999_000, tzinfo=UTC)
    assert format_changed_since(summer) == "2025-07-01T00:30:59"
    winter = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
    assert format_changed_since(winter) == "2025-01-06T10:00:00"
    assert format_changed_since(winter, "UTC") == "2025-01-06T08:00:00"
    assert format_changed_since(date(1970, 1, 1)) == "1970-01-01"
    with pytest.raises(ValueError, match="naive"):
        format_changed_since(datetime(2025, 1, 6, 8, 0))


def test_a_timestamp_read_back_is_the_same_watermark() -> None:
    read = parse_timestamp("30.3.2025 4:15:00")
    assert read is not None and format_changed_since(read) == "2025-03-30T04:15:00"
