"""The access token: fetched with the client credentials, shared by every thread, renewed in time.

LNB is OAuth2-style client credentials (reference §2). The three SDKs disagree on the token call,
so the path is a setting (`lnb.auth_path`): "auth/token" takes a JSON body (PHP and Python SDKs,
the default), "oauth/token" a form body (Java SDK). The answer's lifetime is read leniently:
`expire_on` (the field the reference believes real; ISO 8601, `Y-m-d H:i:s` or Unix seconds) and
`expires_in` (seconds); with both, the shorter wins, so a misread time zone on `expire_on` cannot
keep a dead token; with neither, 3600 s (Java's default). Like the SDKs the cache renews 60 s
before expiry; a token is reused for at least a second whatever the answer said, so a clock that
disagrees with LNB's cannot turn every call into a token request. A token LNB refuses anyway is
dropped (`invalidate`) and the caller asks again: that is the only recovery a skewed clock needs.

The cache itself (one lock, one fetch for waiting threads, `invalidate`) is
connectors/session_tokens.py's, shared with Smartdok; this module holds what is LNB's. The token call is safe to repeat (another token is harmless),
so it is retried like a GET after 5xx and dropped answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from so24_pipelines.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    RecordRejected,
)
from so24_pipelines.connectors.http import NotFound, RestClient
from so24_pipelines.connectors.lnb.auth import FormBody
from so24_pipelines.connectors.lnb.times import parse_time
from so24_pipelines.connectors.session_tokens import MIN_REUSE_SECONDS, REFRESH_MARGIN, TokenSource
from so24_pipelines.connectors.session_tokens import error_detail as _detail

CLIENT_ID_ENV = "LNB_CLIENT_ID"
CLIENT_SECRET_ENV = "LNB_CLIENT_SECRET"  # noqa: S105 - the name of an env var, not a secret
AUTH_PATHS = ("auth/token", "oauth/token")
DEFAULT_LIFETIME = 3600.0


def lifetime_of(answer: dict[str, Any], now: datetime) -> float:
    """Seconds the token answer says the token lives, measured from `now` (may be <= 0)."""
    candidates: list[float] = []
    try:
        expire_on = parse_time(answer.get("expire_on"))
    except (ValueError, OverflowError, OSError):
        expire_on = None
    if expire_on is not None:
        candidates.append((expire_on - now).total_seconds())
    expires_in = answer.get("expires_in")
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
        candidates.append(float(expires_in))
    return min(candidates) if candidates else DEFAULT_LIFETIME


def reuse_for(lifetime: float, margin: float = REFRESH_MARGIN) -> float:
    """How long to use a token before fetching the next: `margin` early, never under a second."""
    return max(lifetime - margin, lifetime / 2, MIN_REUSE_SECONDS)


class TokenEndpoint(RestClient):
    """The token call on its own small client: no access token of course, same session and pacing."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, *, auth_path: str, **kwargs: Any) -> None:
        if auth_path not in AUTH_PATHS:
            raise ConfigError(f"lnb.auth_path must be one of {', '.join(AUTH_PATHS)}")
        form = auth_path == "oauth/token"
        super().__init__(base_url, name="lnb", setting="lnb.base_url", auth=FormBody() if form else None, **kwargs)
        self.auth_path = auth_path
        self._client_id = client_id
        self._client_secret = client_secret

    def __repr__(self) -> str:
        return f"TokenEndpoint(base_url={self.base_url!r}, auth_path={self.auth_path!r})"

    @property
    def call(self) -> str:
        """How errors of the token call name it ("lnb POST /auth/token")."""
        return self.call_name("POST", self.auth_path)

    def fetch(self) -> dict[str, Any]:
        """The token answer; AuthError naming the env vars when LNB refuses the credentials."""
        body = {"grant_type": "client_credentials", "client_id": self._client_id, "client_secret": self._client_secret}
        call = self.call
        try:
            answer = self.request("POST", self.auth_path, json_body=body, idempotent=True)
        except AuthError as exc:
            raise AuthError(
                f"{_detail(exc)}: Le New Black refused the client credentials; check the env vars "
                f"{CLIENT_ID_ENV} and {CLIENT_SECRET_ENV}",
                call=call,
            ) from None
        except NotFound:
            raise ConfigError(
                "no token endpoint there (HTTP 404); check lnb.base_url and lnb.auth_path", call=call
            ) from None
        except RecordRejected as exc:
            raise ConfigError(
                f"{_detail(exc)}: the token request was refused; check lnb.auth_path "
                "(auth/token takes JSON, oauth/token a form)",
                call=call,
            ) from None
        if not isinstance(answer, dict) or not isinstance(answer.get("access_token"), str) or not answer["access_token"]:
            raise ConnectorError("the token answer has no access_token", call=call)
        return answer


class TokenCache(TokenSource):
    """One live token for a client's threads. `clock` is monotonic seconds, `now` wall-clock UTC.

    The caching is session_tokens.py's; what is LNB's is reading the lifetime from the answer.
    """

    def __init__(
        self,
        fetch: Callable[[], dict[str, Any]],
        *,
        margin: float = REFRESH_MARGIN,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(margin=margin, clock=clock)
        self._fetch = fetch
        self._now = now

    def _buy(self) -> tuple[str, float]:
        answer = self._fetch()
        return answer["access_token"], lifetime_of(answer, self._now())

    def _reuse_for(self, lifetime: float) -> float:
        return reuse_for(lifetime, self._margin)
