"""Where the next page is, from LNB's pagination headers, or from the page's length without them.

List calls take `page` (1-based) and answer a plain JSON array, 500 rows a page; the metadata is
in headers (reference §3): `X-Pagination-Has-More`, `-Total-Pages`, `-Current-Page` (Java reads
`X-Pagination-Page`), `-Page-Size`, `-Total-Items`. The PHP SDK says the API does not yet send
them everywhere and stops at the first page shorter than the page size. The rule, most reliable
first: Has-More; else Total-Pages against the current page; else a short page ends the list
(the page size from the header, else `lnb.page_size`, so a wrong setting cannot cut the list short
where the header is sent). An empty page always ends it. A Current-Page header naming another page
than the one asked for means the server ignored `page`, and reading on would loop: it raises.
"""

from __future__ import annotations

from collections.abc import Mapping

from so24_pipelines.connectors.errors import ConnectorError

HAS_MORE = "X-Pagination-Has-More"
TOTAL_PAGES = "X-Pagination-Total-Pages"
CURRENT_PAGE = ("X-Pagination-Current-Page", "X-Pagination-Page")
PAGE_SIZE = "X-Pagination-Page-Size"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None and value.strip() else None
    except ValueError:
        return None


def next_page(page: int, rows: int, headers: Mapping[str, str], page_size: int, *, call: str) -> int | None:
    """The page to read after `page` (which held `rows` rows), or None when it was the last.

    `headers` must look names up case-insensitively (requests' CaseInsensitiveDict does).
    """
    current = next((_int(headers.get(name)) for name in CURRENT_PAGE if headers.get(name) is not None), None)
    if current is not None and current != page:
        raise ConnectorError(f"asked for page {page}, got page {current}; paging would not advance", call=call)
    if rows == 0:
        return None
    has_more = (headers.get(HAS_MORE) or "").strip().lower()
    if has_more in ("true", "1"):
        return page + 1
    if has_more in ("false", "0"):
        return None
    total_pages = _int(headers.get(TOTAL_PAGES))
    if total_pages is not None:
        return page + 1 if page < total_pages else None
    size = _int(headers.get(PAGE_SIZE)) or page_size
    return page + 1 if rows >= size else None
