"""The session token: bought with the API access token, shared by every thread, renewed in time.

`POST /Authorize/ApiToken {"Token": <API access token>}` answers the session token as a JSON
string (quoted; a plain-text answer is accepted too). The API access token is the secret: an
administrator generates it under "Company settings" -> "API administration", it lives a year and
reaches the hub only through the env var SMARTDOK_API_TOKEN.

How long a session lives is not vendor-stated ("about an hour" per one client's changelog). The
spec calls the token a JWT; when it is one with an `exp` claim, that claim (read, not verified:
the server verifies) gives the lifetime, else the setting `smartdok.session_lifetime_seconds`
(3600) does; with both, the shorter wins, so a guess can never keep a dead token. The cache
renews `margin` (60 s) before that, and reuses a token for at least a second whatever it says,
so a clock that disagrees with Smartdok's cannot turn every call into a token request. A token
Smartdok refuses anyway is dropped (`invalidate`) and the caller asks again: base.py repeats a
call once after a 401.

The cache itself (one lock, one purchase for waiting threads, `invalidate`) is
connectors/session_tokens.py's, shared with LNB; this module holds what is Smartdok's. Buying a token twice is harmless, so the call is retried like
a GET after 5xx and dropped answers.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import requests

from so24_pipelines.connectors.errors import AuthError, ConfigError, ConnectorError, RecordRejected
from so24_pipelines.connectors.http import NotFound, RestClient
from so24_pipelines.connectors.session_tokens import MIN_REUSE_SECONDS, REFRESH_MARGIN, TokenSource
from so24_pipelines.connectors.session_tokens import error_detail as _detail

TOKEN_ENV = "SMARTDOK_API_TOKEN"  # noqa: S105 - the name of an env var, not a secret
SESSION_PATH = "Authorize/ApiToken"
DEFAULT_LIFETIME = 3600.0


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim (Unix seconds) of a JWT, or None when `token` is not one or has none."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, int | float) and not isinstance(exp, bool):
        return float(exp)
    return None


def lifetime_of(token: str, *, assumed: float, now: float) -> float:
    """Seconds `token` lives from `now` (wall seconds): its `exp` if readable, capped by `assumed`."""
    exp = jwt_expiry(token)
    return assumed if exp is None else min(assumed, exp - now)


def reuse_for(lifetime: float, margin: float = REFRESH_MARGIN) -> float:
    """How long to use a token before buying the next: `margin` early, never under a second."""
    return max(lifetime - margin, min(lifetime / 2, lifetime - 1.0), MIN_REUSE_SECONDS)


class SessionEndpoint(RestClient):
    """The token call on its own small client: no bearer of course, same session and pacing."""

    def __init__(self, base_url: str, api_token: str, **kwargs: Any) -> None:
        super().__init__(base_url, name="smartdok", setting="smartdok.base_url", **kwargs)
        self._api_token = api_token

    def __repr__(self) -> str:
        return f"SessionEndpoint(base_url={self.base_url!r})"

    def decode_body(self, content: bytes, response: requests.Response) -> Any:
        """The quoted JSON string; a bare text token is taken as it is."""
        text = content.decode("utf-8", errors="replace").strip()
        try:
            value = json.loads(text)
        except ValueError:
            value = text.strip('"')
        if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value.strip()):
            raise ValueError("the session token answer is no token")
        return value.strip()

    def fetch(self) -> str:
        """A new session token; AuthError naming the env var when Smartdok refuses the API token."""
        call = self.call_name("POST", SESSION_PATH)
        try:
            token = self.request("POST", SESSION_PATH, json_body={"Token": self._api_token}, idempotent=True)
        except (AuthError, RecordRejected) as exc:
            raise AuthError(
                f"{_detail(exc)}: Smartdok refused the API access token; check {TOKEN_ENV} (an administrator "
                "generates it in Smartdok under Company settings -> API administration; it is valid for a year)",
                call=call,
            ) from None
        except NotFound:
            raise ConfigError("no session endpoint there (HTTP 404); check smartdok.base_url", call=call) from None
        if not isinstance(token, str):
            raise ConnectorError("the session answer holds no token", call=call)
        return token


class SessionCache(TokenSource):
    """One live session token for a client's threads. `clock` monotonic, `wall` Unix seconds.

    The caching is session_tokens.py's; what is Smartdok's is the lifetime: a JWT `exp`, capped
    by the assumed (configured) lifetime.
    """

    def __init__(
        self,
        fetch: Callable[[], str],
        *,
        assumed_lifetime: float = DEFAULT_LIFETIME,
        margin: float = REFRESH_MARGIN,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(margin=margin, clock=clock)
        self._fetch = fetch
        self._assumed = assumed_lifetime
        self._wall = wall

    def _buy(self) -> tuple[str, float]:
        value = self._fetch()
        return value, lifetime_of(value, assumed=self._assumed, now=self._wall())

    def _reuse_for(self, lifetime: float) -> float:
        return reuse_for(lifetime, self._margin)
