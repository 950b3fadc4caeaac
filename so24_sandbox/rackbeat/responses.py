"""Request bodies and answer envelopes, shared by every route of the emulated API.

One record answers `{"<singular>": {...}}` (200, or 201 when a POST created it); a list answers
206 Partial Content with `{"<plural>": [...], "total", "pages", "limit", "page"}`, the status
Rackbeat documents for paginated endpoints (its own scripts test for 206, not 200).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse

from so24_sandbox.rackbeat import query
from so24_sandbox.rackbeat.query import Row
from so24_sandbox.rackbeat.validation import Refused, not_found

_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise Refused(400, "The request body is not valid JSON.") from None


def one(
    singular: str,
    record: dict[str, Any],
    status: int = 200,
    request: Request | None = None,
    field_values: Callable[[], list[dict]] | None = None,
) -> JSONResponse:
    if request is not None:
        record = query.shape(record, request.query_params, field_values)
    return JSONResponse({singular: record}, status_code=status)


def listing(
    request: Request,
    plural: str,
    rows: Iterable[Row],
    *,
    extra_filters: Iterable[str] = (),
    field_values: Callable[[dict[str, Any]], list[dict]] | None = None,
) -> JSONResponse:
    params = request.query_params
    page, limit = query.page_params(params)
    kept = query.sort_rows(query.filter_rows(rows, params, extra_filters), params)
    start = (page - 1) * limit
    items = [
        query.shape(row.rendered, params, (lambda r=row.raw: field_values(r)) if field_values else None)
        for row in kept[start : start + limit]
    ]
    return JSONResponse(query.page_of(plural, items, page, limit, len(kept)), status_code=206)


def path_keys(request: Request, collection: str) -> list[str]:
    """The path segments after `/<collection>/`, each percent-decoded once, read from the raw path.

    Product numbers may contain "/" and "#": clients encode them once (`ABC%2F123`), so the
    decoded path cannot tell the number from the sub-resource; the raw path can. Older kg-bot
    clients encoded twice; a segment that still holds escapes after one decoding is decoded again.
    """
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("latin-1").split("?", 1)[0]
    marker = f"/{collection}/"
    at = path.find(marker)
    if at < 0:
        raise not_found("Resource")
    parts = []
    for part in path[at + len(marker) :].split("/"):
        once = unquote(part)
        parts.append(unquote(once) if _ESCAPE.search(once) else once)
    return parts
