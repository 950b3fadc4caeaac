"""Netvisor's decimal comma, read and written exactly.

Answers write `42,5`, `1,960000000000`, `-3,00` (reference §1); requests take the same form. Reading
is strict: optional minus, digits, optionally a comma and digits. Anything else (a dot, a thousands
separator, a space, an exponent) raises NetvisorFormatError naming the field, because each has a
plausible wrong reading (`1.500` is 1.5 or 1500) and a silently wrong price is worse than a stopped
record. Values become `Decimal`, never float.
"""

from __future__ import annotations

import re
from decimal import Decimal

from so24_pipelines.connectors.netvisor.errors import NetvisorFormatError

_NUMBER = re.compile(r"-?\d+(?:,\d+)?")


def parse_decimal(text: str | None, *, field: str = "value", call: str | None = None) -> Decimal | None:
    """`'42,5'` -> Decimal('42.5'); empty or None -> None; any other form -> NetvisorFormatError."""
    if text is None or not text.strip():
        return None
    cleaned = text.strip()
    if not _NUMBER.fullmatch(cleaned):
        hint = " (a dot where Netvisor writes a decimal comma)" if "." in cleaned else ""
        raise NetvisorFormatError(f"{field} {cleaned!r} is not a Netvisor decimal{hint}", call=call)
    return Decimal(cleaned.replace(",", "."))


def format_decimal(value: Decimal | int | float) -> str:
    """Decimal('42.50') -> '42,50'; an int as is; a float by its shortest repr (1490.0 -> '1490,0').

    Booleans, NaN and infinities are refused (TypeError / ValueError): none is a Netvisor number.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        raise TypeError(f"a Netvisor number must be a Decimal, int or float, not {type(value).__name__}")
    number = (
        value
        if isinstance(value, Decimal)
        else Decimal(repr(value))
        if isinstance(value, float)
        else Decimal(value)
    )
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return format(number, "f").replace(".", ",")
