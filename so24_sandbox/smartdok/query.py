"""Query parameters as ASP.NET binds them: `true`/`false` in any case, int32, date-times.

A value that does not bind raises QueryError; each route renders it in its own dialect (v2 as
ProblemDetails, everything else as `{Code, Error, Message}`). A parameter given empty
(`?active=`) counts as not given, as ASP.NET does for nullable parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from so24_sandbox.smartdok import times
from so24_sandbox.smartdok.answers import Refused, invalid, problem, required

INT32_MAX = 2_147_483_647


class QueryError(Exception):
    def __init__(self, name: str, reason: str, *, missing: bool = False) -> None:
        self.name = name
        self.reason = reason
        self.missing = missing
        super().__init__(f"{name}: {reason}")

    def as_bad_request(self) -> Refused:
        return required(_pascal(self.name)) if self.missing else invalid(_pascal(self.name), self.reason)

    def as_problem(self, instance: str) -> Refused:
        return problem(instance, {self.name: [self.reason]})


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _raw(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    return value if value not in (None, "") else None


def boolean(params: Mapping[str, str], name: str, default: bool | None) -> bool | None:
    value = _raw(params, name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise QueryError(name, f"The value '{value}' is not valid.")
    return lowered == "true"


def integer(
    params: Mapping[str, str], name: str, default: int | None = None, *, low: int = -INT32_MAX, high: int = INT32_MAX
) -> int | None:
    value = _raw(params, name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise QueryError(name, f"The value '{value}' is not valid.") from None
    if not low <= number <= high:
        raise QueryError(name, f"The field {name} must be between {low} and {high}.")
    return number


def moment(params: Mapping[str, str], name: str, *, needed: bool = False) -> datetime | None:
    value = _raw(params, name)
    if value is None:
        if needed:
            raise QueryError(name, f"The {name} field is required.", missing=True)
        return None
    try:
        return times.parse(value)
    except ValueError:
        raise QueryError(name, f"The value '{value}' is not valid.") from None


def text(params: Mapping[str, str], name: str) -> str | None:
    return _raw(params, name)
