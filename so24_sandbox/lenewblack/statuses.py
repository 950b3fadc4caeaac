"""Order status values of the emulated API.

The API's values are not documented (reference §4.2); the UI lifecycle is Draft -> Open for buyer
-> Open for brand -> Confirmed -> Invoicing -> Closed, or Canceled. Assumption, shared with the
hub's settings (`flows.L2.statuses`): the API writes them as these lower-case identifiers. Any
value outside this list is refused with 422.
"""

from __future__ import annotations

DRAFT = "draft"
OPEN_FOR_BUYER = "open_for_buyer"
OPEN_FOR_BRAND = "open_for_brand"
CONFIRMED = "confirmed"
INVOICING = "invoicing"
CLOSED = "closed"
CANCELED = "canceled"

ORDER_STATUSES: tuple[str, ...] = (DRAFT, OPEN_FOR_BUYER, OPEN_FOR_BRAND, CONFIRMED, INVOICING, CLOSED, CANCELED)
# Statuses an order has been confirmed in (it carries a confirmation_time).
CONFIRMED_OR_LATER = frozenset({CONFIRMED, INVOICING, CLOSED})
