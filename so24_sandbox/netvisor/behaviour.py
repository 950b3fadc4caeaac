"""The emulator's switches for what the Netvisor reference leaves open (POST /_sandbox/netvisor/behaviour).

Defaults follow reference §7 (the emulator notes); each switch exists because a source is unsure or
because a test must see both sides:

- `refuse_overlapping_calls` (true): a call that arrives while another call to the same company is
  in flight is refused with TECHNICAL_ERROR (§1 says overlapping calls "cause errors"; which code is
  an assumption, §7). Off, overlaps are still counted in /stats, only not refused.
- `call_duration_ms` (0): how long each call stays in flight; tests raise it so that overlapping
  calls really overlap.
- `http_status_codes` (true): mirror a failure in the HTTP status when the request sends
  `X-Netvisor-Authentication-UseHTTPResponseStatusCodes: 1` (codes assumed, see envelope.py).
- `response_encoding` ("utf-8"): answers in "utf-8" or "iso-8859-15".
- `default_request_encoding` ("iso-8859-15"): how a request body without a charset and without an
  XML declaration is read. The vendor says ISO-8859-15, one working client sends UTF-8 with a
  charset (§1, conflict).
- `timezone` ("Europe/Helsinki"): the zone of TimeStamp and changedsince (not documented).
- `accepted_algorithms` (["HMACSHA256", "SHA256"]): MAC schemes accepted; MD5 is deprecated (§3).
- `mac_text_encoding` ("iso-8859-15"): how the MAC's text is turned into bytes (the pinned client
  uses ISO-8859-1, a write-up citing the vendor says ISO-8859-15; they differ in 8 characters).
- `enforce_element_order` (true): request elements must follow the DTD order (§1); the order the
  sandbox knows is taken from the documentation and a client's fixtures, not from the DTD itself.
- `unique_customer_codes` (false): refuse `customer.nv?method=add` with a customer code that
  already exists (DUPLICATE_DATA). Whether Netvisor does is not documented; off is the worst case,
  where only the client's lookup-before-add prevents a duplicate.
- `extended_product_management` (false): the company uses extended product management, where
  `product.nv?method=edit` is not supported (§5.2).
- `vendor_page_size` (500): vendors per page of `getvendor.nv?changedsince=` (§5.3).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from so24_sandbox.system import Switchboard

DEFAULTS: dict[str, Any] = {
    "refuse_overlapping_calls": True,
    "call_duration_ms": 0,
    "http_status_codes": True,
    "response_encoding": "utf-8",
    "default_request_encoding": "iso-8859-15",
    "timezone": "Europe/Helsinki",
    "accepted_algorithms": ["HMACSHA256", "SHA256"],
    "mac_text_encoding": "iso-8859-15",
    "enforce_element_order": True,
    "unique_customer_codes": False,
    "extended_product_management": False,
    "vendor_page_size": 500,
}
CHOICES: dict[str, tuple[str, ...]] = {
    "response_encoding": ("utf-8", "iso-8859-15"),
    "default_request_encoding": ("iso-8859-15", "utf-8"),
    "mac_text_encoding": ("iso-8859-15", "iso-8859-1"),
}
ALGORITHMS = ("HMACSHA256", "SHA256", "MD5")
SWITCHES = (
    "refuse_overlapping_calls",
    "http_status_codes",
    "enforce_element_order",
    "unique_customer_codes",
    "extended_product_management",
)


def _check(name: str, value: Any) -> None:
    if name in SWITCHES and not isinstance(value, bool):
        raise ValueError(f"{name} is true or false")
    if name in CHOICES and value not in CHOICES[name]:
        raise ValueError(f"{name} must be one of {', '.join(CHOICES[name])}")
    if name in ("call_duration_ms", "vendor_page_size"):
        low = 0 if name == "call_duration_ms" else 1
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}")
    if name == "timezone":
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone {value!r} is not an IANA zone name") from None
    if name == "accepted_algorithms":
        if not isinstance(value, list) or not value or any(v not in ALGORITHMS for v in value):
            raise ValueError(f"accepted_algorithms is a non-empty list of {', '.join(ALGORITHMS)}")


class Behaviour(Switchboard):
    """This system's switches on the shared switchboard; `reset` restores §7."""

    def __init__(self) -> None:
        super().__init__(DEFAULTS, _check)
