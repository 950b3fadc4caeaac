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

from typing import Any

from so24_sandbox.system import Switchboard, table_check

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


class Behaviour(Switchboard):
    """This system's switches on the shared switchboard; `reset` restores §6."""

    def __init__(self) -> None:
        super().__init__(DEFAULTS, table_check(CHOICES, POSITIVE, SWITCHES))
