"""The emulator's switches for what the LNB reference is unsure of (POST /_sandbox/lnb/behaviour).

The reference is built from three SDKs that disagree (reference/lenewblack/API.md §8) and from no
official spec, so where it says "uncertain" the sandbox can play every plausible variant and the
connector is tested against each. Defaults follow §6 (the proposed emulator contract):

- `token_lifetime_seconds` (3600): how long an access token lives; tests shorten it to see a
  real expiry answered 401.
- `expire_on_format` ("iso"): how the token answer writes `expire_on`: "iso" (ISO 8601 UTC, §6),
  "datetime" (`Y-m-d H:i:s`, the PHP SDK's test mock) or "unix" (seconds, which Java accepts).
- `send_expires_in` (true): whether the token answer also carries `expires_in` (Python and Java
  fall back to it; PHP ignores it).
- `time_format` ("iso"): how order and inventory times are written: "iso" or "datetime"
  (`Y-m-d H:i:s`, UTC). The real format is a gap (§9.4).
- `page_size` (500): rows per page of list calls (the PHP SDK's constant).
- `pagination_headers` (true): whether lists send `X-Pagination-*`; the PHP paginator notes the
  API "does not yet" send them everywhere and stops on a short page instead.
- `page_header` ("X-Pagination-Current-Page"): the current-page header's name; Java reads
  "X-Pagination-Page".
- `order_list_rows` ("full"): whether `GET /orders` rows are whole orders (PHP maps them to
  `Order`) or "slim" list items without `items` and addresses (Python's `OrderListItem`).
- `max_batch_items` (1000): the most items one `/multi/...` call may carry (not documented;
  an assumption so a client that sends unbounded batches is caught).
"""

from __future__ import annotations

import threading
from typing import Any

DEFAULTS: dict[str, Any] = {
    "token_lifetime_seconds": 3600,
    "expire_on_format": "iso",
    "send_expires_in": True,
    "time_format": "iso",
    "page_size": 500,
    "pagination_headers": True,
    "page_header": "X-Pagination-Current-Page",
    "order_list_rows": "full",
    "max_batch_items": 1000,
}
CHOICES: dict[str, tuple[str, ...]] = {
    "expire_on_format": ("iso", "datetime", "unix"),
    "time_format": ("iso", "datetime"),
    "page_header": ("X-Pagination-Current-Page", "X-Pagination-Page"),
    "order_list_rows": ("full", "slim"),
}
POSITIVE = ("token_lifetime_seconds", "page_size", "max_batch_items")
SWITCHES = ("send_expires_in", "pagination_headers")


class Behaviour:
    """Thread-safe current switches; `configure` validates a partial update, `reset` restores §6."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values = dict(DEFAULTS)

    def __getitem__(self, name: str) -> Any:
        with self._lock:
            return self._values[name]

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._values)

    def reset(self) -> None:
        with self._lock:
            self._values = dict(DEFAULTS)

    def configure(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Apply `spec`; ValueError (nothing applied) on an unknown key or a value out of range."""
        unknown = sorted(set(spec) - set(DEFAULTS))
        if unknown:
            raise ValueError(f"unknown switch(es) {unknown}; known: {sorted(DEFAULTS)}")
        for name, value in spec.items():
            if name in CHOICES and value not in CHOICES[name]:
                raise ValueError(f"{name} must be one of {', '.join(CHOICES[name])}")
            if name in POSITIVE and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValueError(f"{name} must be a positive integer")
            if name in SWITCHES and not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false")
        with self._lock:
            self._values.update(spec)
            return dict(self._values)
