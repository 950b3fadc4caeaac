"""Order status numbers of the emulated warehouse.

Ongoing lets each warehouse configure its statuses; these are the ones the vendor's own example
list of GET /orders/statuses shows, which is what a fresh warehouse starts with. The hub must not
hard-code them (it reads them live), but the emulator needs one concrete set.
"""

from __future__ import annotations

ERROR = 150
OPEN = 200
RELEASED = 300
ALLOCATED = 320
PICKED = 400
SENT = 450
COLLECTED = 500
CANCELLED = 1000

ORDER_STATUSES: dict[int, str] = {
    ERROR: "Error",
    OPEN: "Open",
    RELEASED: "Released",
    ALLOCATED: "Allocated",
    PICKED: "Picked",
    SENT: "Sent",
    COLLECTED: "Collected",
    CANCELLED: "Cancelled",
}

# Ongoing refuses updates "once the warehouse has started working on the order". Where that line
# lies is not published; releasing an order to the floor is the earliest point work can start.
DEFAULT_LOCKED_FROM = RELEASED


def status_json(number: int) -> dict[str, object]:
    return {"number": number, "text": ORDER_STATUSES.get(number, str(number))}
