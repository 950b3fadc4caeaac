"""Query-string binding as Ongoing does it: arrays are repeated keys, times are ISO 8601.

`articleNumbers=A&articleNumbers=B` is the array form; a comma list is *not* split (it is one
value, which matches nothing, as integrators have found against the real API).
"""

from __future__ import annotations

from datetime import datetime

from starlette.datastructures import QueryParams

from so24_sandbox.ongoing.times import parse_time


class QueryError(Exception):
    """A parameter that cannot be bound; rendered as 400 with modelState[param]."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def optional_int(params: QueryParams, name: str, *, minimum: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(name, f"The value '{raw}' is not valid for {name}.") from None
    if minimum is not None and value < minimum:
        raise QueryError(name, f"{name} must be at least {minimum}.")
    return value


def required_int(params: QueryParams, name: str) -> int:
    value = optional_int(params, name)
    if value is None:
        raise QueryError(name, f"The {name} field is required.")
    return value


def optional_time(params: QueryParams, name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_time(raw)
    except ValueError:
        raise QueryError(name, f"The value '{raw}' is not valid for {name}.") from None


def optional_bool(params: QueryParams, name: str) -> bool:
    raw = (params.get(name) or "").lower()
    if raw in ("", "false"):
        return False
    if raw == "true":
        return True
    raise QueryError(name, f"The value '{raw}' is not valid for {name}.")


def string_list(params: QueryParams, plural: str, single: str | None = None) -> list[str] | None:
    """The array filter, plus its single-valued twin if it has one (either may be used)."""
    values = [v for v in params.getlist(plural) if v != ""]
    one = params.get(single) if single else None
    if one:
        values.append(one)
    return values or None
