"""Query parameters for Rackbeat list calls, spelled the way the API reads them.

- `field_eq[<field id>]=<value>` is an exact custom-field match, `field[<field id>]` a partial
  one: how a record holding a foreign id (a 24SO id) is found.
- Booleans go as `true` / `false`; `updated_at_from` is `YYYY-MM-DD HH:MM:SS`.
- `expand=field_values` loads custom-field values with each record (the only expand there is);
  `fields=a,b(c,d)` trims the answer to what a flow needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from so24_pipelines.connectors.rackbeat.times import format_filter_time


def list_params(
    *,
    search: str | None = None,
    updated_since: datetime | None = None,
    field_eq: Mapping[int, str] | None = None,
    with_field_values: bool = False,
    fields: str | None = None,
    order_by: str | None = None,
    descending: bool = False,
    **equals: Any,
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if search:
        params["search"] = search
    if updated_since is not None:
        params["updated_at_from"] = format_filter_time(updated_since)
    for field_id, value in (field_eq or {}).items():
        params[f"field_eq[{int(field_id)}]"] = str(value)
    if with_field_values:
        params["expand"] = "field_values"
    if fields:
        params["fields"] = fields
    if order_by:
        params["order_by"] = order_by
        params["order_direction"] = "DESC" if descending else "ASC"
    for name, value in equals.items():
        if value is None:
            continue
        params[name] = ("true" if value else "false") if isinstance(value, bool) else value
    return params
