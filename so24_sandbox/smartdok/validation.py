"""Reading a write's JSON body field by field, refusing as Smartdok does (400 `{Code, Error, Message}`).

ASP.NET binds the body to the input model first: a property of the wrong JSON type fails the
request, a property the model does not know is ignored. Smartdok tells integrators to PUT back
everything a GET returned, "including fields that might be added in the future", so ignoring
unknown properties is what makes that advice work; the sandbox does the same. A property left
out binds to its default (null, false, 0), which on a PUT *replaces* the stored value: see the
resource modules for where that bites.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from uuid import UUID

from so24_sandbox.smartdok import times
from so24_sandbox.smartdok.answers import bad_request, invalid, required, too_long

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
INT32_MAX = 2_147_483_647


def parse_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw) if raw.strip() else None
    except ValueError:
        raise bad_request("InvalidJson", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("InvalidJson", "The request body must be a JSON object.")
    return body


def parse_id_list(raw: bytes) -> list[int]:
    """The body of the export-marking POSTs: a JSON array of int32 work-hour ids."""
    try:
        body = json.loads(raw) if raw.strip() else None
    except ValueError:
        raise bad_request("InvalidJson", "The request body is not valid JSON.") from None
    if not isinstance(body, list) or any(
        isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= INT32_MAX for v in body
    ):
        raise bad_request("InvalidJson", "The request body must be a JSON array of work hour ids.")
    return body


def text(body: dict[str, Any], name: str, limit: int, *, needed: bool = False, email: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if needed:
            raise required(name)
        return None
    if not isinstance(value, str):
        raise invalid(name, "must be a string")
    if needed and not value.strip():
        raise required(name)
    if len(value) > limit:
        raise too_long(name, limit)
    if email and value and not _EMAIL.match(value):
        raise invalid(name, "is not a valid e-mail address")
    return value


def flag(body: dict[str, Any], name: str, *, needed: bool = False) -> bool | None:
    value = body.get(name)
    if value is None:
        if needed:
            raise required(name)
        return None
    if not isinstance(value, bool):
        raise invalid(name, "must be true or false")
    return value


def integer(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > INT32_MAX:
        raise invalid(name, "must be a 32-bit integer")
    return value


def number(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(name, "must be a number")
    return float(value)


def moment(body: dict[str, Any], name: str) -> datetime | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(name, "must be a date-time string")
    try:
        return times.parse(value)
    except ValueError:
        raise invalid(name, "is not a valid date-time") from None


def int_list(body: dict[str, Any], name: str) -> list[int] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
        raise invalid(name, "must be a list of integers")
    return list(value)


def uuid_list(body: dict[str, Any], name: str) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list):
        raise invalid(name, "must be a list of ids")
    try:
        return [str(UUID(str(v))) for v in value]
    except ValueError:
        raise invalid(name, "must be a list of ids") from None


def uuid_value(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return str(UUID(str(value)))
    except ValueError:
        raise invalid(name, "must be an id (uuid)") from None


def choice(body: dict[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = body.get(name)
    if value is None:
        return default
    if value not in allowed:
        raise invalid(name, f"must be one of {', '.join(allowed)}")
    return str(value)
