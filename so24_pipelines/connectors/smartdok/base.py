"""The Smartdok client core: session handling, the one retry after a 401, envelopes, error bodies.

Quirks this layer absorbs (reference/smartdok/API.md §1):

- Base URL `https://api.smartdok.no` (no version segment). The API access token (env var
  SMARTDOK_API_TOKEN) buys a session token (tokens.py) sent as `Authorization: Bearer` (auth.py).
  The first call buys it, so a wrong API token fails the first call with an AuthError that names
  the env var, before any data moves; `authenticate()` does just that, for a check up front.
- Sessions expire after about an hour: the token is renewed before it expires, and a 401 on a
  call (Smartdok ended the session early, or the clocks disagree) drops the token and repeats the
  call once with a fresh one. The repeat is safe even for a create: a 401 means Smartdok refused
  before doing anything. A second 401 (or a 403: the API user lacks the right) is an AuthError.
- List envelopes differ per resource: `/Users`, `/Projects`, `/WorkHours`, `/WorkHours/v2` answer
  `{Count, Offset, TotalCount, Items}`; `/WorkDescriptions` and `/Wages` a bare array.
- Refusals: 400 `{Code, Error, Message}` or ProblemDetails -> SmartdokRefused (a RecordRejected
  carrying Smartdok's error name); 404 has no body.
- Creates answer 201 + Location per the prose, 200 per the spec's operation list: any 2xx is fine.
- No published rate limit: the client paces itself at `requests_per_minute` (a setting) and
  honours 429 + Retry-After through the shared client (connectors/http.py).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any, Self

import requests

from so24_pipelines.connectors.errors import AuthError, ConfigError, ConnectorError, RecordRejected
from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.session_tokens import TokenClient, error_detail, shared_transport
from so24_pipelines.connectors.smartdok import refusals
from so24_pipelines.connectors.smartdok.auth import BearerSession
from so24_pipelines.connectors.smartdok.times import DEFAULT_TIMEZONE, zone
from so24_pipelines.connectors.smartdok.tokens import (
    DEFAULT_LIFETIME,
    REFRESH_MARGIN,
    TOKEN_ENV,
    SessionCache,
    SessionEndpoint,
)
from so24_pipelines.connectors.smartdok.windows import MAX_WINDOW_DAYS

DEFAULT_BASE_URL = "https://api.smartdok.no"
BASE_URL_ENV = "SMARTDOK_BASE_URL"
DEFAULT_REQUESTS_PER_MINUTE = 300
MAX_PAGE_SIZE = 100  # `count` of GET /WorkHours/v2 is 1..100
DEFAULT_MARK_BATCH_SIZE = 500


class SmartdokBase(TokenClient):
    """Shared plumbing; use `SmartdokClient`, which adds the resource calls."""

    def __init__(
        self,
        base_url: str,
        api_token: str,
        *,
        session_lifetime_seconds: float = DEFAULT_LIFETIME,
        refresh_margin: float = REFRESH_MARGIN,
        requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
        burst: int = 10,
        page_size: int = MAX_PAGE_SIZE,
        max_window_days: int = MAX_WINDOW_DAYS,
        mark_batch_size: int = DEFAULT_MARK_BATCH_SIZE,
        timezone: str = DEFAULT_TIMEZONE,
        timeout: float | tuple[float, float] = (5.0, 60.0),
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        token_clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if not api_token or not api_token.strip():
            raise ConfigError(f"Smartdok API access token is required ({TOKEN_ENV})")
        if session_lifetime_seconds < 1:
            raise ConfigError("smartdok.session_lifetime_seconds must be at least 1")
        if requests_per_minute < 1:
            raise ConfigError("smartdok.requests_per_minute must be at least 1")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ConfigError(f"Smartdok page size must be 1..{MAX_PAGE_SIZE}")
        if not 1 <= max_window_days <= MAX_WINDOW_DAYS:
            raise ConfigError(f"smartdok.max_window_days must be 1..{MAX_WINDOW_DAYS}")
        if mark_batch_size < 1:
            raise ConfigError("smartdok.mark_batch_size must be at least 1")
        self.tz = zone(timezone)
        transport = shared_transport(
            requests_per_minute=requests_per_minute, burst=burst, timeout=timeout, retry=retry, session=session,
            sleep=sleep,
        )  # fmt: skip
        self._endpoint = SessionEndpoint(base_url, api_token.strip(), **transport)
        self.sessions = SessionCache(
            self._endpoint.fetch, assumed_lifetime=session_lifetime_seconds, margin=refresh_margin,
            clock=token_clock, wall=wall_clock,
        )  # fmt: skip
        self._bearer = BearerSession(self.sessions.current)
        auth = self._use_tokens(self._endpoint, self.sessions, self._bearer)
        super().__init__(base_url, name="smartdok", setting="smartdok.base_url", auth=auth, **transport)
        self.page_size = page_size
        self.max_window_days = max_window_days
        self.mark_batch_size = mark_batch_size

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, base_url: str | None = None, **kwargs: Any
    ) -> Self:
        """Build from SMARTDOK_API_TOKEN (required) and SMARTDOK_BASE_URL.

        An explicit `base_url` (from so24.yaml) wins over the environment; without either, the
        real API. A missing token is named; its value never appears in a message.
        """
        env = os.environ if environ is None else environ
        token = (env.get(TOKEN_ENV) or "").strip()
        if not token:
            raise ConfigError(f"missing environment variable: {TOKEN_ENV}")
        url = base_url or env.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        return cls(url, token, **kwargs)

    # ---- the one retry after a 401 (session_tokens.TokenClient), refusals -------------------

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return self._with_fresh_token(
                lambda: super(SmartdokBase, self).request(method, path, **kwargs),
                again=lambda first: AuthError(
                    f"{error_detail(first)}, again with a fresh session token; "
                    f"the API user behind {TOKEN_ENV} may lack API access or the right to this call",
                    call=first.call,
                ),
            )
        except RecordRejected as exc:
            if isinstance(exc, refusals.SmartdokRefused):
                raise
            raise refusals.refused(exc) from None

    def error_details(self, response: requests.Response) -> tuple[str, dict[str, list[str]]]:
        parsed = refusals.details(response.text or "")
        return parsed if parsed is not None else super().error_details(response)

    # ---- envelopes ---------------------------------------------------------------------------

    def items(self, path: str, params: Mapping[str, Any] | None = None) -> tuple[list[dict[str, Any]], int | None]:
        """GET a `{Count, Offset, TotalCount, Items}` answer: (Items, TotalCount or None)."""
        body = self.get(path, params=params)
        if not isinstance(body, dict) or not isinstance(body.get("Items"), list):
            raise ConnectorError("answer has no 'Items' list", call=self.call_name("GET", path))
        total = body.get("TotalCount")
        return body["Items"], total if isinstance(total, int) and not isinstance(total, bool) else None

    def array(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """GET a bare JSON array answer (activities, wages)."""
        body = self.get(path, params=params)
        if not isinstance(body, list):
            raise ConnectorError("expected a JSON array", call=self.call_name("GET", path))
        return body

    def one(self, path: str) -> dict[str, Any] | None:
        """GET one resource, or None when Smartdok answers 404."""
        body = self.get(path, not_found_ok=True)
        if body is not None and not isinstance(body, dict):
            raise ConnectorError("expected a JSON object", call=self.call_name("GET", path))
        return body

    def write(self, method: str, path: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST or PUT a resource and return the resource Smartdok answers with."""
        body = self.request(method, path, json_body=dict(payload))
        if not isinstance(body, dict):
            raise ConnectorError("expected the written resource", call=self.call_name(method, path))
        return body
