"""Nested payloads as dotted paths: the specs' `to` paths (`customerbaseinformation.name`) are how
flows and X7 name a field of a payload the engine built nested."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def leaves(payload: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every value of a nested payload by its dotted path (an empty mapping has no leaf)."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(leaves(value, f"{path}."))
        else:
            out[path] = value
    return out
