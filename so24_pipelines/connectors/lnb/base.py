"""The Le New Black client core: token handling, the 401 retry, answers with headers, paging.

Quirks this layer absorbs (reference/lenewblack/API.md §2-§3):

- Base URL `https://www.lenewblack.com/apis/wholesale/v2`. Credentials are a client id and secret
  (env vars LNB_CLIENT_ID, LNB_CLIENT_SECRET) exchanged for an access token (tokens.py), which
  travels as the query parameter `access_token` on every call (auth.py; never logged: see
  redaction.py). The first call fetches the token, so bad credentials fail the first call with
  an AuthError that names the env vars; `authenticate()` does just that, for a check up front.
- The token is renewed 60 s before it expires; a 401 on a call (LNB ended the token early, or
  the clocks disagree) drops the token and repeats the call once with a fresh one. The repeat is
  safe even for a write: a 401 means LNB refused before doing anything. A second 401 is an
  AuthError; so is 403, which gets the same single retry since LNB documents only 401. If
  the renewal itself is refused (credentials revoked mid-run), that AuthError naming the env
  vars is what the caller gets.
- 429 with `Retry-After` and transient failures are the shared client's (connectors/http.py).
  LNB publishes no rate limit; the client paces itself at `requests_per_minute` (`lnb.*`).
- Errors: 401 auth, 404 not found, 422 validation with `message` and `errors` (RecordRejected
  carrying the field errors).
- Lists: see paging.py. Bodies are plain JSON arrays, so the answer's headers are kept with it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self

import requests

from so24_pipelines.connectors.errors import AuthError, ConfigError, ConnectorError
from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.lnb import redaction
from so24_pipelines.connectors.lnb.auth import AccessTokenParam
from so24_pipelines.connectors.lnb.paging import next_page
from so24_pipelines.connectors.lnb.times import TIME_FORMATS
from so24_pipelines.connectors.lnb.tokens import (
    CLIENT_ID_ENV,
    CLIENT_SECRET_ENV,
    REFRESH_MARGIN,
    TokenCache,
    TokenEndpoint,
)
from so24_pipelines.connectors.session_tokens import TokenClient, error_detail, shared_transport

DEFAULT_BASE_URL = "https://www.lenewblack.com/apis/wholesale/v2"
BASE_URL_ENV = "LNB_BASE_URL"
DEFAULT_PAGE_SIZE = 500
DEFAULT_REQUESTS_PER_MINUTE = 300


@dataclass(frozen=True)
class Answer:
    """A decoded 2xx body with the headers it came with (LNB puts list metadata in headers)."""

    body: Any
    headers: Mapping[str, str]


class LnbBase(TokenClient):
    """Shared plumbing; use `LnbClient`, which adds the resource calls."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        auth_path: str = "auth/token",
        filter_time_format: str = "datetime",
        page_size: int = DEFAULT_PAGE_SIZE,
        stock_batch_size: int = 500,
        retry_stock_writes: bool = True,
        requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
        burst: int = 10,
        refresh_margin: float = REFRESH_MARGIN,
        timeout: float | tuple[float, float] = (5.0, 60.0),
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        token_clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not client_id or not client_id.strip():
            raise ConfigError(f"Le New Black client id is required ({CLIENT_ID_ENV})")
        if not client_secret or not client_secret.strip():
            raise ConfigError(f"Le New Black client secret is required ({CLIENT_SECRET_ENV})")
        if filter_time_format not in TIME_FORMATS:
            raise ConfigError(f"lnb.filter_time_format must be one of {', '.join(TIME_FORMATS)}")
        if page_size < 1:
            raise ConfigError("lnb.page_size must be at least 1")
        if stock_batch_size < 1:
            raise ConfigError("lnb.stock_batch_size must be at least 1")
        if requests_per_minute < 1:
            raise ConfigError("lnb.requests_per_minute must be at least 1")
        redaction.install()
        transport = shared_transport(
            requests_per_minute=requests_per_minute, burst=burst, timeout=timeout, retry=retry, session=session,
            sleep=sleep,
        )  # fmt: skip
        self._endpoint = TokenEndpoint(
            base_url, client_id.strip(), client_secret.strip(), auth_path=auth_path, **transport
        )
        self.tokens = TokenCache(self._endpoint.fetch, margin=refresh_margin, clock=token_clock, now=wall_clock)
        self._token_param = AccessTokenParam(self.tokens.current)
        auth = self._use_tokens(self._endpoint, self.tokens, self._token_param)
        super().__init__(base_url, name="lnb", setting="lnb.base_url", auth=auth, **transport)
        self.filter_time_format = filter_time_format
        self.page_size = page_size
        self.stock_batch_size = stock_batch_size
        self.retry_stock_writes = retry_stock_writes

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, base_url: str | None = None, **kwargs: Any
    ) -> Self:
        """Build from LNB_CLIENT_ID and LNB_CLIENT_SECRET (required) and LNB_BASE_URL.

        An explicit `base_url` (from so24.yaml) wins over the environment; without either, the
        real API. Missing variables are named; their values never appear in a message.
        """
        env = os.environ if environ is None else environ
        missing = [key for key in (CLIENT_ID_ENV, CLIENT_SECRET_ENV) if not (env.get(key) or "").strip()]
        if missing:
            raise ConfigError(f"missing environment variable(s): {', '.join(missing)}")
        url = base_url or env.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        return cls(url, env[CLIENT_ID_ENV], env[CLIENT_SECRET_ENV], **kwargs)

    # ---- answers with headers, and the one retry after a 401 (session_tokens.TokenClient) ----

    def decode_body(self, content: bytes, response: requests.Response) -> Any:
        return Answer(super().decode_body(content, response), response.headers)

    def exchange(self, method: str, path: str, **kwargs: Any) -> Answer | None:
        """One call with its answer's headers; None only for a 404 with `not_found_ok`."""
        answer = self._with_fresh_token(
            lambda: super(LnbBase, self).request(method, path, **kwargs),
            again=lambda first: AuthError(
                f"{error_detail(first)}, again with a fresh access token; "
                f"the client ({CLIENT_ID_ENV}) may not be allowed this call",
                call=first.call,
            ),
            # the credentials themselves, refused on renewal
            passes=lambda exc: exc.call == self._endpoint.call,
        )
        if answer is not None and not isinstance(answer, Answer):
            raise ConnectorError("unexpected answer type", call=self.call_name(method, path))
        return answer

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.exchange(method, path, **kwargs)
        return None if answer is None else answer.body

    # ---- paging ------------------------------------------------------------------------------

    def iter_pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every row of a paginated list, page by page (lazy: stop iterating to stop calling)."""
        call = self.call_name("GET", path)

        def fetch(page: int | None) -> tuple[list[dict[str, Any]], int | None]:
            number = page or 1
            answer = self.exchange("GET", path, params={**(params or {}), "page": number})
            assert answer is not None
            if not isinstance(answer.body, list):
                raise ConnectorError("expected a JSON array", call=call)
            return answer.body, next_page(number, len(answer.body), answer.headers, self.page_size, call=call)

        return self.paginate(fetch)
