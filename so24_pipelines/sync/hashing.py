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

Speed matters as much as the rules: a tick hashes every record of a flow (100k products), and
the pair memory of the Rackbeat entity flows hashes each attribute of each record again. So the
text is made by json's C encoder in one pass, with only the values JSON has no form for (Decimal,
dates, sets, ...) handed to `_normalise` one by one; the pure-Python walk (`_normalise` of the
whole payload) runs only when that fast pass refuses the payload, and is then the one that
decides: it returns the same text, or raises with the value's path. Both passes give the same
text for every payload (tests/unit/test_loader_hashing.py holds them to it).
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import math
import numbers
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any


class UnhashablePayload(ValueError):
    """The payload holds a value with no canonical JSON form; the message says which and where."""


def canonical_json(payload: Any) -> str:
    """Deterministic JSON text of a payload (see the module docstring for the rules)."""
    if _FAST is not None and _plain_keys(payload):
        try:
            return "".join(_FAST(payload, 0))
        except Exception:  # noqa: BLE001, S110 - the careful walk below decides, and names the path
            pass
    return _slow_json(payload)


def payload_hash(payload: Any) -> str:
    """sha256 hex digest of `canonical_json(payload)`."""
    return _sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def _slow_json(payload: Any) -> str:
    return json.dumps(
        _normalise(payload, "$"),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def _default(value: Any) -> Any:
    """A value the C encoder has no form for: the canonical form `_normalise` gives it."""
    if type(value) is Decimal:
        return _decimal_form(value)
    return _normalise(value, "$")


@lru_cache(maxsize=1 << 16)
def _decimal_form(value: Decimal) -> str:
    """`_decimal_text`, remembered: prices and quantities repeat across records. Equal decimals
    ("1.50", "1.5") share a cache entry and have the same text, so the cache cannot mix them up."""
    return _decimal_text(value, "$")


def _plain_keys(value: Any) -> bool:
    """Every dict key in the payload is a str (the C encoder would quietly turn 1 into "1")."""
    kind = type(value)
    if kind is dict:
        try:
            "".join(value)  # a C loop that refuses any key that is not a str
        except TypeError:
            return False
        items: Any = value.values()
    elif kind is list or kind is tuple:
        items = value
    elif isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            return False
        items = value.values()
    elif isinstance(value, list | tuple):
        items = value
    else:
        return True
    for item in items:
        if type(item) not in _SCALARS and isinstance(item, _CONTAINERS) and not _plain_keys(item):
            return False
    return True


_CONTAINERS = (dict, list, tuple)
_SCALARS = frozenset({str, int, float, bool, type(None), Decimal})
_sha256 = hashlib.sha256
# json's own C encoder, configured as `_slow_json` configures json.dumps (sort_keys, compact
# separators, UTF-8 kept, NaN refused); no cycle check: a cyclic payload fails either way.
_FAST = (
    json.encoder.c_make_encoder(
        None, _default, json.encoder.encode_basestring, None, ":", ",", True, False, False
    )
    if json.encoder.c_make_encoder is not None
    else None
)


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
