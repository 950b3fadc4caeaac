"""A short-lived token bought with a long-lived secret: cached, shared by threads, renewed in time.

Le New Black (client credentials -> access token) and Smartdok (API access token -> session
token) work the same way once the token is in hand, so the caching lives here once:

- one live token per client, behind a lock, so threads that find it stale wait for one purchase
  instead of each buying their own;
- renewed `margin` seconds before it is due; how long it lives and how early to renew are each
  vendor's rule (`TokenSource._buy`, `TokenSource._reuse_for`), because LNB states the lifetime
  in its answer and Smartdok may only imply it in a JWT;
- a token the vendor refuses anyway is dropped (`invalidate`) by exactly the value a thread sent
  (`SentToken.last_sent`), so a fresh token another thread bought meanwhile is kept;
- no token in any repr(): reprs end up in logs and tracebacks.

What stays in each vendor's package: the token endpoint's shape, where the token travels (query
parameter, header), the env var names errors point at, and log redaction.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests

from so24_pipelines.connectors.errors import AuthError
from so24_pipelines.connectors.http import RestClient, RetryPolicy
from so24_pipelines.connectors.ratelimit import TokenBucket

T = TypeVar("T")

REFRESH_MARGIN = 60.0
MIN_REUSE_SECONDS = 1.0


@dataclass(frozen=True)
class CachedToken:
    value: str = field(repr=False)
    refresh_at: float  # on the cache's monotonic clock
    lifetime: float


def error_detail(exc: Exception) -> str:
    """`exc`'s text without the "<call>: " prefix, so a rewrapped error names its call once."""
    call = getattr(exc, "call", None)
    text = str(exc)
    return text.removeprefix(f"{call}: ") if call else text


class TokenSource(ABC):
    """One live token for a client's threads; subclasses say how to buy one and how long to use it.

    `clock` is monotonic seconds: renewal must not jump with the wall clock.
    """

    def __init__(self, *, margin: float = REFRESH_MARGIN, clock: Callable[[], float] = time.monotonic) -> None:
        self._margin = margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: CachedToken | None = None
        self.fetched = 0

    @abstractmethod
    def _buy(self) -> tuple[str, float]:
        """A new token and the seconds it is said to live (called under the lock)."""

    @abstractmethod
    def _reuse_for(self, lifetime: float) -> float:
        """Seconds to use a token said to live `lifetime` before buying the next."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(fetched={self.fetched})"

    @property
    def lifetime(self) -> float | None:
        """Seconds the cached token was said to live when fetched (None before the first fetch)."""
        token = self._token
        return None if token is None else token.lifetime

    def current(self) -> str:
        """A token to send now, buying one when there is none or it is due for renewal."""
        with self._lock:
            token = self._token
            if token is None or self._clock() >= token.refresh_at:
                value, lifetime = self._buy()
                token = CachedToken(value, self._clock() + self._reuse_for(lifetime), lifetime)
                self._token = token
                self.fetched += 1
            return token.value

    def invalidate(self, value: str | None) -> None:
        """Forget `value` if it is still the cached token (the vendor refused it); a newer one is kept."""
        with self._lock:
            if self._token is not None and value is not None and self._token.value == value:
                self._token = None


class SentToken(requests.auth.AuthBase, ABC):
    """Puts the current token on each prepared request and remembers, per thread, what it sent.

    The token is read while `requests` prepares each attempt, so a retry after a long Retry-After
    pause carries the token valid *then*. Subclasses say where the token goes (`_attach`).
    """

    def __init__(self, token: Callable[[], str]) -> None:
        self._token = token
        self._sent = threading.local()

    @abstractmethod
    def _attach(self, request: requests.PreparedRequest, value: str) -> None:
        """Put `value` on `request` the way the vendor wants it (LNB: a query parameter; Smartdok: Bearer)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        value = self._token()
        self._sent.value = value
        self._attach(request, value)
        return request

    def last_sent(self) -> str | None:
        """The token this thread's latest request carried (to drop exactly that one after a 401)."""
        return getattr(self._sent, "value", None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<hidden>)"


def shared_transport(
    *,
    requests_per_minute: int,
    burst: int,
    timeout: float | tuple[float, float],
    retry: RetryPolicy | None,
    session: requests.Session | None,
    sleep: Callable[[float], None],
) -> dict[str, Any]:
    """RestClient keywords for the token endpoint and the client alike: one HTTP session and one
    pace, because the vendor counts the token calls against the same budget as the others."""
    return {
        "timeout": timeout,
        "retry": retry,
        "rate_limiter": TokenBucket(requests_per_minute / 60.0, burst, sleep=sleep),
        "session": session or requests.Session(),
        "sleep": sleep,
    }


class TokenClient(RestClient):
    """A RestClient whose calls carry a token bought from a separate endpoint (`_use_tokens`).

    Adds the shared parts: closing the endpoint with the client, `authenticate()` for a credential
    check up front, and `_with_fresh_token`, the one repeat of a call after a 401.
    """

    _token_endpoint: RestClient
    _token_source: TokenSource
    _sent_token: SentToken

    def _use_tokens(self, endpoint: RestClient, tokens: TokenSource, sent: SentToken) -> SentToken:
        """Remember the token plumbing (before `RestClient.__init__`); returns `sent`, the auth to pass."""
        self._token_endpoint = endpoint
        self._token_source = tokens
        self._sent_token = sent
        return sent

    def close(self) -> None:
        self._token_endpoint.close()
        super().close()

    def authenticate(self) -> None:
        """Buy a token now if none is live: a bad credential fails here, naming the env var(s)."""
        self._token_source.current()

    def _with_fresh_token(
        self,
        call: Callable[[], T],
        *,
        again: Callable[[AuthError], AuthError],
        passes: Callable[[AuthError], bool] = lambda exc: False,
    ) -> T:
        """`call()`, repeated once with a fresh token after an AuthError (the vendor ended the token
        early, or the clocks disagree); a second refusal becomes `again(first)`.

        The repeat is safe even for a write: a 401 means the vendor refused before doing anything.
        An error `passes` says is not about the token (the credentials refused on renewal) is
        raised as it is. A credential problem surfaces as itself, not as a failed call, because
        the token is bought before the call.
        """
        self._token_source.current()
        try:
            return call()
        except AuthError as first:
            if passes(first):
                raise
            self._token_source.invalidate(self._sent_token.last_sent())
            try:
                return call()
            except AuthError as second:
                if passes(second):
                    raise
                raise again(first) from None
