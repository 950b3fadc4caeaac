"""List queries as Rackbeat reads them: paging, filters, sorting, field selection, expand.

- `page` is 1-based, `limit` defaults to 20 and must be 1..1000 (the kg-bot client notes
  "max 1000, min 1"). Lists answer 206 Partial Content with `{<plural>: [...], total, pages,
  limit, page}`; `pages` is at least 1, so an empty list is one empty page.
- Plain equality filters on boolean attributes (`is_booked=true`, `is_barred=0`), `search=`
  (substring of number and names, case-insensitive), date windows `<attr>_from` / `<attr>_to`
  on `updated_at`, `created_at` and the invoice date.
- Custom-field filters: `field_eq[<field id>]=<value>` matches exactly,
  `field[<field id>]=<value>` is a case-insensitive substring match.
- `order_by=<attr>&order_direction=ASC|DESC`; without it, lists come in key order (assumption:
  the vendor does not say; a stable order is what makes page-by-page reads safe).
A parameter that cannot be read answers 422 naming it, like any validation failure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams

from so24_sandbox.rackbeat import selection, times
from so24_sandbox.rackbeat.validation import rejected

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
_FIELD_FILTER = re.compile(r"^(field_eq|field)\[(\d+)\]$")
_BOOL_FILTERS = (
    "is_booked",
    "is_shipped",
    "is_partly_shipped",
    "is_paid",
    "is_barred",
    "is_invoiced",
    "is_active",
    "is_picked",
    "is_sellable",
    "has_inventory",
    "is_ready_for_shipping",
    "is_draft",
)
_DATE_WINDOWS = ("updated_at", "created_at", "invoice_date", "booked_at", "shipped_at")
_SEARCHED = ("number", "name", "company_name", "heading", "slug", "event")
_TRUE = ("1", "true")
_FALSE = ("0", "false")


@dataclass(frozen=True)
class Row:
    """One record as stored (for custom-field values) and as rendered (for everything else)."""

    raw: dict[str, Any]
    rendered: dict[str, Any]


def _int_param(params: QueryParams, name: str, default: int, lo: int, hi: int | None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise rejected(name, f"The {name} must be an integer.") from None
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise rejected(name, f"The {name} must be {bound}.")
    return value


def page_params(params: QueryParams) -> tuple[int, int]:
    return _int_param(params, "page", 1, 1, None), _int_param(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)


def _bool_value(name: str, raw: str) -> bool:
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise rejected(name, f"The {name} field must be true or false.")


def filter_rows(rows: Iterable[Row], params: QueryParams, extra: Iterable[str] = ()) -> list[Row]:
    """Apply search, boolean, date-window, custom-field and `extra` equality filters."""
    tests: list[Callable[[Row], bool]] = []
    search = (params.get("search") or "").strip().lower()
    if search:
        tests.append(lambda r: any(search in str(r.rendered.get(k) or "").lower() for k in _SEARCHED))
    for name in _BOOL_FILTERS:
        if params.get(name) not in (None, ""):
            wanted = _bool_value(name, params[name])
            tests.append(lambda r, n=name, w=wanted: bool(r.rendered.get(n)) is w)
    for name in _DATE_WINDOWS:
        for suffix, keep in (("_from", lambda v, b: v >= b), ("_to", lambda v, b: v <= b)):
            raw = params.get(name + suffix)
            if not raw:
                continue
            try:
                bound = times.parse(raw)
            except ValueError:
                raise rejected(name + suffix, f"The {name + suffix} is not a valid date.") from None
            tests.append(lambda r, n=name, b=bound, k=keep: _dated(r.rendered.get(n), b, k))
    for name in extra:
        if params.get(name) not in (None, ""):
            tests.append(lambda r, n=name, v=params[name]: str(r.rendered.get(n)) == v)
    for key, value in params.multi_items():
        match = _FIELD_FILTER.match(key)
        if not match:
            continue
        field_id, exact = int(match.group(2)), match.group(1) == "field_eq"
        tests.append(lambda r, f=field_id, v=value, e=exact: _field_matches(r.raw, f, v, e))
    return [row for row in rows if all(test(row) for test in tests)]


def _dated(value: Any, bound: Any, keep: Callable[[Any, Any], bool]) -> bool:
    if not value:
        return False
    try:
        return keep(times.parse(str(value)), bound)
    except ValueError:
        return False


def _field_matches(raw: dict[str, Any], field_id: int, value: str, exact: bool) -> bool:
    stored = (raw.get("_fields") or {}).get(field_id)
    if stored is None:
        return False
    text = str(stored)
    return text == value if exact else value.lower() in text.lower()


def sort_rows(rows: list[Row], params: QueryParams) -> list[Row]:
    order_by = params.get("order_by")
    if not order_by:
        return rows
    direction = (params.get("order_direction") or "ASC").upper()
    if direction not in ("ASC", "DESC"):
        raise rejected("order_direction", "The selected order direction is invalid.")

    def key(row: Row) -> tuple[int, str, float]:
        value = row.rendered.get(order_by)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return (0, "", float(value))
        return (1 if value is not None else 2, str(value or ""), 0.0)

    return sorted(rows, key=key, reverse=direction == "DESC")


def shape(record: dict[str, Any], params: QueryParams, field_values: Callable[[], list[dict]] | None) -> dict:
    """Apply `expand=field_values` and `fields=` to one rendered record."""
    expands = {e.strip() for e in (params.get("expand") or "").split(",") if e.strip()}
    out = dict(record)
    if "field_values" in expands and field_values is not None:
        out["field_values"] = field_values()
    spec = params.get("fields")
    if spec:
        try:
            out = selection.apply(out, selection.parse(spec))
        except ValueError as exc:
            raise rejected("fields", str(exc)) from None
    return out


def page_of(plural: str, items: list[Any], page: int, limit: int, total: int) -> dict[str, Any]:
    """The list envelope around one page of `items` out of `total` records."""
    pages = max(1, math.ceil(total / limit))
    return {plural: items, "total": total, "pages": pages, "limit": limit, "page": page}
