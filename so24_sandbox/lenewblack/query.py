"""List queries as the emulated LNB reads them: the order filters and page-by-page answers.

Filters of `GET /orders` (PHP OrderResource, reference §4.2): `order_time_from`/`_to` (on
create_time), `confirmation_time_from`/`_to`, `update_time_from`/`_to` and `status`. `*_from` is
inclusive (>=), `*_to` inclusive (<=) (§6.6); an order without the time (never confirmed) matches
no window on it. `status` takes one value: a comma list is refused like any unknown status,
because whether the real API takes several is not known and a client must not rely on it.

Paging: `page` is 1-based, `behaviour.page_size` rows a page (500), the body a plain JSON array;
a page past the end is an empty array. The `X-Pagination-*` headers (§3) are sent unless
`behaviour.pagination_headers` is off; the current page's header name is `behaviour.page_header`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from starlette.datastructures import QueryParams

from so24_sandbox.lenewblack import statuses, times
from so24_sandbox.lenewblack.behaviour import Behaviour
from so24_sandbox.lenewblack.orders_model import Order
from so24_sandbox.lenewblack.refusals import invalid

T = TypeVar("T")
WINDOWS = {"order_time": "create_time", "confirmation_time": "confirmation_time", "update_time": "update_time"}


def _bound(params: QueryParams, name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return times.parse(raw)
    except ValueError:
        raise invalid({name: ["must be a date-time (Y-m-d H:i:s or ISO 8601)"]}) from None


def order_filter(params: QueryParams) -> Callable[[Order], bool]:
    tests: list[Callable[[Order], bool]] = []
    for prefix, attribute in WINDOWS.items():
        low, high = _bound(params, f"{prefix}_from"), _bound(params, f"{prefix}_to")
        if low is not None:
            tests.append(lambda o, a=attribute, b=low: getattr(o, a) is not None and getattr(o, a) >= b)
        if high is not None:
            tests.append(lambda o, a=attribute, b=high: getattr(o, a) is not None and getattr(o, a) <= b)
    status = params.get("status")
    if status not in (None, ""):
        if status not in statuses.ORDER_STATUSES:
            raise invalid({"status": [f"must be one of {', '.join(statuses.ORDER_STATUSES)}"]})
        tests.append(lambda o, s=status: o.status == s)
    return lambda order: all(test(order) for test in tests)


def page_number(params: QueryParams) -> int:
    raw = params.get("page") or "1"
    try:
        page = int(raw)
    except ValueError:
        page = 0
    if page < 1:
        raise invalid({"page": ["must be an integer of at least 1"]})
    return page


def one_page(rows: Sequence[T], page: int, behaviour: Behaviour) -> tuple[Sequence[T], dict[str, str]]:
    """The rows of `page` and the pagination headers to send with them (empty when switched off)."""
    size = int(behaviour["page_size"])
    total = len(rows)
    pages = max(1, math.ceil(total / size))
    chunk = rows[(page - 1) * size : page * size]
    if not behaviour["pagination_headers"]:
        return chunk, {}
    headers: dict[str, Any] = {
        behaviour["page_header"]: page,
        "X-Pagination-Page-Size": size,
        "X-Pagination-Has-More": "true" if page < pages else "false",
        "X-Pagination-Total-Pages": pages,
        "X-Pagination-Total-Items": total,
    }
    return chunk, {k: str(v) for k, v in headers.items()}
