"""The Rackbeat client core: auth, envelopes, paging and pacing. Resource calls live beside it.

Quirks this layer absorbs (reference/rackbeat/API.md sections 1 to 4):

- Base URL `https://app.rackbeat.com/api`; every call sends `Authorization: Bearer <API key>`.
  Rackbeat asks integrators to identify themselves (a client without contact details "long
  term" may have its IP restricted), hence `Consumer-Name` / `Consumer-Contact` headers.
- One record comes wrapped in its snake_case singular name (`{"product": {...}}`); a list in the
  plural plus `total`, `pages`, `limit`, `page`. Lists answer **206 Partial Content**: any 2xx
  is success. Paging is `page` (1-based) and `limit` (1..1000, default 20); read until
  `page == pages`, never stop on a short page.
- Offset paging over a changing table can skip or repeat a record. Pass `order_by` (e.g.
  `updated_at`) where it matters and de-duplicate by key downstream.
- Refusals are 422 `{"errors": {"<field.path>": ["message"]}}` -> RecordRejected with
  `field_errors`; 401 -> AuthError; 404 -> None from the `get_*` calls.
- No documented quota; Rackbeat's own clients pace to 480 requests a minute per key and the API
  answers 429 past its budget. The client keeps a token bucket at `requests_per_minute`, honours
  `Retry-After` (RestClient pauses every thread of the client), and when a 2xx says
  `X-RateLimit-Remaining: 0` it waits out one request's share of the minute before the next.
- Product numbers go into paths percent-encoded once (`ABC/123` -> `ABC%2F123`); older
  community clients double-encoded, which Rackbeat stopped needing in 2021.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Self
from urllib.parse import quote

import requests

from so24_pipelines.connectors.errors import ConfigError, ConnectorError
from so24_pipelines.connectors.http import RestClient, RetryPolicy
from so24_pipelines.connectors.rackbeat.auth import BearerAuth
from so24_pipelines.connectors.ratelimit import TokenBucket

DEFAULT_BASE_URL = "https://app.rackbeat.com/api"
DEFAULT_REQUESTS_PER_MINUTE = 480
MAX_PAGE_SIZE = 1000
TOKEN_ENV = "RACKBEAT_API_TOKEN"
BASE_URL_ENV = "RACKBEAT_BASE_URL"
CONTACT_ENV = "RACKBEAT_CONSUMER_CONTACT"


def path_key(value: str | int) -> str:
    """A record key as one path segment, percent-encoded once (slashes and '#' included)."""
    return quote(str(value), safe="")


class RackbeatBase(RestClient):
    """Shared plumbing; use `RackbeatClient`, which adds the resource calls."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
        burst: int = 8,
        page_size: int = 200,
        consumer_contact: str | None = None,
        timeout: float | tuple[float, float] = (5.0, 90.0),
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token or not token.strip():
            raise ConfigError(f"Rackbeat API key is required ({TOKEN_ENV})")
        if requests_per_minute < 1:
            raise ConfigError("Rackbeat requests_per_minute must be at least 1")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ConfigError(f"Rackbeat page size must be 1..{MAX_PAGE_SIZE}")
        headers = {"Consumer-Name": "so24-pipelines"}
        if consumer_contact:
            headers["Consumer-Contact"] = consumer_contact
        self.requests_per_minute = requests_per_minute
        super().__init__(
            base_url,
            name="rackbeat",
            auth=BearerAuth(token.strip()),
            headers=headers,
            timeout=timeout,
            retry=retry,
            rate_limiter=TokenBucket(requests_per_minute / 60.0, burst, sleep=sleep),
            session=session,
            sleep=sleep,
        )
        self.page_size = page_size

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, base_url: str | None = None, **kwargs: Any
    ) -> Self:
        """Build from RACKBEAT_API_TOKEN (required), RACKBEAT_BASE_URL and RACKBEAT_CONSUMER_CONTACT.

        An explicit `base_url` (from so24.yaml) wins over the environment; without either the
        real API is used.
        """
        env = os.environ if environ is None else environ
        token = env.get(TOKEN_ENV, "")
        if not token.strip():
            raise ConfigError(f"missing environment variable: {TOKEN_ENV}")
        url = base_url or env.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        kwargs.setdefault("consumer_contact", env.get(CONTACT_ENV) or None)
        return cls(url, token, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    # ---- hooks -------------------------------------------------------------------------------

    def decode_body(self, content: bytes, response: requests.Response) -> Any:
        if response.headers.get("X-RateLimit-Remaining") == "0" and self.rate_limiter is not None:
            try:
                limit = int(response.headers.get("X-RateLimit-Limit") or self.requests_per_minute)
            except ValueError:
                limit = self.requests_per_minute
            self.rate_limiter.penalize(60.0 / max(1, limit))
        return super().decode_body(content, response)

    # ---- envelopes and paging ----------------------------------------------------------------

    def _unwrap(self, body: Any, key: str, method: str, path: str) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get(key), dict):
            raise ConnectorError(f"answer has no {key!r} object", call=self.call_name(method, path))
        return body[key]

    def show(self, path: str, key: str, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """One record, or None when Rackbeat answers 404."""
        body = self.get(path, params=params, not_found_ok=True)
        return None if body is None else self._unwrap(body, key, "GET", path)

    def write(
        self,
        method: str,
        path: str,
        key: str,
        payload: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """POST/PUT/DELETE answering one wrapped record."""
        body = self.request(method, path, params=params, json_body=payload, idempotent=idempotent)
        return self._unwrap(body, key, method, path)

    def iter_list(
        self, path: str, plural: str, params: Mapping[str, Any] | None = None, *, page_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every record of a list endpoint, page by page (lazy: stop iterating to stop calling)."""
        size = page_size or self.page_size
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")

        def fetch(page: int | None) -> tuple[list[dict[str, Any]], int | None]:
            number = page or 1
            body = self.get(path, params={**(params or {}), "page": number, "limit": size})
            if not isinstance(body, dict) or not isinstance(body.get(plural), list):
                raise ConnectorError(f"answer has no {plural!r} list", call=self.call_name("GET", path))
            try:
                pages = int(body.get("pages") or 1)
            except (TypeError, ValueError):
                raise ConnectorError(
                    "answer has an unreadable 'pages'", call=self.call_name("GET", path)
                ) from None
            return body[plural], (number + 1 if number < pages else None)

        return self.paginate(fetch)

    def whoami(self) -> dict[str, Any]:
        """`GET self`: the account the key belongs to. A cheap check that the key still works."""
        body = self.get("self")
        if not isinstance(body, dict) or not isinstance(body.get("user_account"), dict):
            raise ConnectorError("answer has no 'user_account'", call=self.call_name("GET", "self"))
        return body
