"""Scalar values on the 24SO wire: how .NET writes them, and how the emulator reads what clients send.

- Decimals are plain digit strings. .NET's XmlConvert.ToDecimal refuses exponents ("1e-05"), which
  is exactly what a client produces when it passes a Python float through zeep; refusing them here
  makes that bug visible in the sandbox instead of in production.
- Date-times are UTC and written without an offset (`2024-05-01T12:00:00`). Clients may send `Z`,
  an offset or up to 7 fractional digits; all are folded into naive UTC.
- "Changed after" filters ignore seconds: both sides are compared at minute granularity.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

_DECIMAL = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$")
_INT_RANGES = {
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "long": (-(2**63), 2**63 - 1),
}
_DATETIME = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:\d{2})?\s*$"
)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class ValueFormatError(ValueError):
    """A scalar did not parse; the message says what was expected."""


def utc_now() -> datetime:
    """Now in naive UTC, whole seconds (what the emulator stores as DateChanged)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def to_minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def changed_since(after: datetime | None):
    """A predicate for "changed after" with 24SO's minute granularity (equal minute counts)."""
    if after is None:
        return lambda _value: True
    cutoff = to_minute(after)
    return lambda value: value is not None and value >= cutoff


def parse_decimal(text: str) -> Decimal:
    if not _DECIMAL.match(text):
        raise ValueFormatError(f"{text!r} is not a plain decimal (no exponent, no thousands separator)")
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise ValueFormatError(f"{text!r} is not a decimal") from None


def parse_int(text: str, xsd_type: str = "int") -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueFormatError(f"{text!r} is not an integer") from None
    low, high = _INT_RANGES[xsd_type]
    if not low <= value <= high:
        raise ValueFormatError(f"{value} is out of range for xs:{xsd_type}")
    return value


def parse_bool(text: str) -> bool:
    lowered = text.strip()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueFormatError(f"{text!r} is not a boolean (true/false)")


def parse_datetime(text: str) -> datetime:
    """xs:dateTime (or a bare date) to naive UTC; an offset is applied, fractions are dropped."""
    match = _DATETIME.match(text)
    if not match:
        raise ValueFormatError(f"{text!r} is not an ISO date-time (YYYY-MM-DDTHH:MM:SS)")
    y, mo, d, h, mi, s, _frac, tz = match.groups()
    try:
        value = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError as exc:
        raise ValueFormatError(f"{text!r}: {exc}") from None
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        offset = timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
        value = value - sign * offset
    return value


def parse_guid(text: str) -> str:
    text = text.strip()
    if not _GUID.match(text):
        raise ValueFormatError(f"{text!r} is not a GUID")
    return text.lower()


def parse_double(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise ValueFormatError(f"{text!r} is not a number") from None


def parse_scalar(xsd_type: str, text: str):
    """Text of an element of builtin type `xsd_type` to its Python value."""
    if xsd_type == "string" or xsd_type == "any":
        return text
    if xsd_type in _INT_RANGES:
        return parse_int(text, xsd_type)
    if xsd_type == "decimal":
        return parse_decimal(text)
    if xsd_type == "boolean":
        return parse_bool(text)
    if xsd_type == "dateTime":
        return parse_datetime(text)
    if xsd_type == "guid":
        return parse_guid(text)
    if xsd_type == "double":
        return parse_double(text)
    raise ValueFormatError(f"unknown xsd type {xsd_type}")


def format_decimal(value: Decimal) -> str:
    return format(value, "f")


def format_datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds")


def format_double(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
