"""Canonical JSON and the payload hash the loader diffs on.

"A tick with no changes writes nothing" rests on this hash being a pure function of the payload's
meaning: the same mapped record must hash the same on every run, on every machine, whatever the
dict order, whatever the Decimal's trailing zeros, whatever the time zone a datetime came in. If
it drifted, every tick would update every record. So serialisation is spelled out here rather
than left to `json.dumps(default=str)`:

- dict keys sorted, no whitespace, UTF-8 kept as is;
- Decimal as its exact fixed-point string without trailing zeros ("1.50" and "1.5" are equal);
- aware datetimes converted to UTC, then ISO 8601; naive datetimes, dates and times ISO 8601;
- tuples like lists, sets sorted, UUIDs as strings, numpy-style integers as ints;
- NaN/Infinity (float or Decimal) refused: no target can take them, so the loader skips the record
  with the reason instead of sending or hashing garbage.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any


class UnhashablePayload(ValueError):
    """The payload holds a value with no canonical JSON form; the message says which and where."""


def canonical_json(payload: Any) -> str:
    """Deterministic JSON text of a payload (see the module docstring for the rules)."""
    return json.dumps(
        _normalise(payload, "$"),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def payload_hash(payload: Any) -> str:
    """sha256 hex digest of `canonical_json(payload)`."""
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def _normalise(value: Any, path: str) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnhashablePayload(f"{path}: {value!r} is not a finite number")
        return value
    if isinstance(value, Decimal):
        return _decimal_text(value, path)
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise UnhashablePayload(f"{path}: key {key!r} is not a string")
            out[key] = _normalise(item, f"{path}.{key}")
        return out
    if isinstance(value, list | tuple):
        return [_normalise(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, set | frozenset):
        items = [_normalise(item, f"{path}{{}}") for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return _normalise(float(value), path)
    raise UnhashablePayload(f"{path}: {type(value).__name__} has no canonical JSON form")


def _decimal_text(value: Decimal, path: str) -> str:
    if not value.is_finite():
        raise UnhashablePayload(f"{path}: {value!r} is not a finite number")
    if value == 0:
        return "0"
    return format(value.normalize(), "f")
