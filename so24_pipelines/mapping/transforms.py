"""The small, fixed set of named value transforms a spec may apply (`transform: str` or a list).

Fixed on purpose: a mapping file is data, so it may name a transform but never define one. A new
need becomes a new name here, with a test, rather than an expression language in YAML.

    str          text; integers as digits, decimals without exponent or trailing zeros
    int          whole number (refuses 2.5 rather than rounding a quantity away)
    decimal      decimal.Decimal (never float: 24SO refuses exponent notation, money must be exact)
    date         ISO date YYYY-MM-DD (from a date, datetime or ISO text)
    datetime     ISO date-time (naive stays naive; aware is kept with its offset)
    bool         true/false from a bool, 0/1, or the words true/false/yes/no
    upper, lower, strip
    truncate:N   at most N characters (N >= 1)

A value that cannot be transformed raises TransformError; the engine turns it into the record's
skip reason, naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any


class TransformError(ValueError):
    """A value the named transform cannot handle; the message says which and why."""


def as_text(value: Any) -> str:
    if type(value) is str:  # the usual case, first (a tick maps 100k records)
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return "0" if value == 0 else format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise TransformError(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise TransformError(f"{value!r} is not a whole number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise TransformError(f"{value!r} is not a whole number")
    return int(number)


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise TransformError(f"{value!r} is not a number")
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise TransformError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise TransformError(f"{value!r} is not a finite number")
    return number


def _date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return datetime.fromisoformat(str(value).strip()).date().isoformat()
    except ValueError:
        raise TransformError(f"{value!r} is not a date") from None


def _datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).isoformat()
    try:
        return datetime.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise TransformError(f"{value!r} is not a date-time") from None


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in ("true", "yes", "1"):
        return True
    if word in ("false", "no", "0"):
        return False
    raise TransformError(f"{value!r} is not true or false")


def _string_op(op: Callable[[str], str]) -> Callable[[Any], str]:
    def apply(value: Any) -> str:
        return op(as_text(value))

    return apply


SIMPLE: dict[str, Callable[[Any], Any]] = {
    "str": as_text,
    "int": _int,
    "decimal": _decimal,
    "date": _date,
    "datetime": _datetime,
    "bool": _bool,
    "upper": _string_op(str.upper),
    "lower": _string_op(str.lower),
    "strip": _string_op(str.strip),
}
NAMES = (*SIMPLE, "truncate:N")


@dataclass(frozen=True)
class Transform:
    """One named step; `arg` is N for truncate:N."""

    name: str
    arg: int | None = None

    def __call__(self, value: Any) -> Any:
        if self.name == "truncate":
            return as_text(value)[: self.arg]
        return SIMPLE[self.name](value)

    def __str__(self) -> str:
        return self.name if self.arg is None else f"{self.name}:{self.arg}"


def parse_transforms(raw: Any) -> tuple[Transform, ...]:
    """`None`, a name, or a list of names -> the steps, applied left to right."""
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    steps = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"transform {item!r} is not a name (known: {', '.join(NAMES)})")
        name, _, arg = item.strip().partition(":")
        if name == "truncate":
            if not arg.isdigit() or int(arg) < 1:
                raise ValueError(f"transform {item!r}: truncate needs a length, e.g. truncate:50")
            steps.append(Transform("truncate", int(arg)))
        elif name in SIMPLE and not arg:
            steps.append(Transform(name))
        else:
            raise ValueError(f"unknown transform {item!r} (known: {', '.join(NAMES)})")
    return tuple(steps)


def apply_all(steps: tuple[Transform, ...], value: Any) -> Any:
    """Apply the steps in order; a None value is passed through untouched."""
    for step in steps:
        if value is None:
            return None
        value = step(value)
    return value
