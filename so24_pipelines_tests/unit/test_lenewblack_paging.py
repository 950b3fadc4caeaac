"""Where the next LNB page is: headers first, a short page when there are none."""

from __future__ import annotations

import pytest
from requests.structures import CaseInsensitiveDict

from so24_pipelines.connectors.errors import ConnectorError
from so24_pipelines.connectors.lnb.paging import next_page


def _next(page: int, rows: int, headers: dict[str, str], size: int = 500) -> int | None:
    return next_page(page, rows, CaseInsensitiveDict(headers), size, call="lnb GET /orders")


@pytest.mark.parametrize(
    ("page", "rows", "headers", "expected"),
    [
        (1, 500, {"x-pagination-has-more": "true"}, 2),
        (2, 500, {"X-Pagination-Has-More": "false"}, None),  # a full page can be the last
        (1, 500, {"X-Pagination-Total-Pages": "3", "X-Pagination-Current-Page": "1"}, 2),
        (3, 500, {"X-Pagination-Total-Pages": "3", "X-Pagination-Current-Page": "3"}, None),
        (1, 500, {"X-Pagination-Total-Pages": "2", "X-Pagination-Page": "1"}, 2),  # Java's header name
        (1, 500, {}, 2),  # no headers: a full page may have a successor
        (1, 499, {}, None),  # ... a short one has none
        (1, 100, {"X-Pagination-Page-Size": "100"}, 2),  # the server's page size beats the setting
        (1, 0, {"X-Pagination-Has-More": "true"}, None),  # an empty page ends the list, whatever it says
        (1, 500, {"X-Pagination-Has-More": "maybe"}, 2),  # unreadable: fall through to the length
    ],
)
def test_next_page(page: int, rows: int, headers: dict[str, str], expected: int | None) -> None:
    assert _next(page, rows, headers) == expected


def test_a_server_that_ignores_the_page_parameter_is_caught_not_looped() -> None:
    with pytest.raises(ConnectorError, match="asked for page 2, got page 1"):
        _next(2, 500, {"X-Pagination-Current-Page": "1", "X-Pagination-Has-More": "true"})
