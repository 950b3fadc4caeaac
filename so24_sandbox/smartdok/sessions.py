"""The API access token, the session tokens it buys, and the bearer gate of the emulated API.

An administrator generates the API access token in Smartdok ("Company settings" -> "API
administration"; valid one year). The sandbox accepts exactly one published token (a test value
for a local emulator, returned by GET /_sandbox/smartdok/credentials):

    sandbox-smartdok-api-access-token-so24-hub

`POST /Authorize/ApiToken {"Token": ...}` answers 200 with the session token as a JSON string
(quoted). The session token is a JWT (the spec's security scheme says `bearerFormat: JWT`),
HS256-signed with a sandbox key, with `exp` set `session_ttl_seconds` ahead; every other call must
send it as `Authorization: Bearer <token>`. A missing, forged, unknown or expired token answers
401 without a body. A wrong API access token answers 401 too: the real status is undocumented.
Expiry is checked against the wall clock; `expire_all` ends every session at once so a test can
see the 401 a client gets when Smartdok drops its session early.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from so24_sandbox.smartdok.answers import unauthorized
from so24_sandbox.smartdok.behaviour import Behaviour

API_TOKEN = "sandbox-smartdok-api-access-token-so24-hub"  # noqa: S105 - published sandbox credential
_SIGNING_KEY = b"so24-sandbox-smartdok-jwt-signing-key"  # signs sandbox tokens only
ISSUER = "https://api.smartdok.no"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SessionStats:
    issued: int = 0
    refused_api_tokens: int = 0
    unauthorized_calls: int = 0


class SessionIssuer:
    """Issues and checks session tokens. `clock` is wall time in seconds (injectable for tests)."""

    def __init__(self, behaviour: Behaviour, subject: str, clock: Callable[[], float] = time.time) -> None:
        self._behaviour = behaviour
        self._subject = subject
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, float] = {}  # jti -> expiry (wall seconds)
        self.stats = SessionStats()

    def reset(self) -> None:
        with self._lock:
            self._sessions.clear()
            self.stats = SessionStats()

    def issue(self, api_token: Any) -> str:
        """A session token for the published API access token, else Refused 401."""
        given = api_token if isinstance(api_token, str) else ""
        if not given or not secrets.compare_digest(given.encode(), API_TOKEN.encode()):
            with self._lock:
                self.stats.refused_api_tokens += 1
            raise unauthorized("The API access token is not valid")
        issued_at = int(self._clock())
        expires_at = issued_at + int(self._behaviour["session_ttl_seconds"])
        jti = secrets.token_hex(12)
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        claims = {"sub": self._subject, "jti": jti, "iat": issued_at, "nbf": issued_at, "exp": expires_at, "iss": ISSUER}
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64(hmac.new(_SIGNING_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        with self._lock:
            self._sessions[jti] = float(expires_at)
            self.stats.issued += 1
        return f"{header}.{payload}.{signature}"

    def check(self, authorization: str | None) -> None:
        """Return when the header carries a live session token; else raise the 401 (counted)."""
        reason = self._reason(authorization or "")
        if reason is not None:
            with self._lock:
                self.stats.unauthorized_calls += 1
            raise unauthorized(reason)

    def _reason(self, authorization: str) -> str | None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return "No bearer token"
        parts = token.strip().split(".")
        if len(parts) != 3:
            return "The token is malformed"
        expected = _b64(hmac.new(_SIGNING_KEY, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
        if not secrets.compare_digest(expected.encode(), parts[2].encode()):
            return "The signature is invalid"
        try:
            claims = json.loads(_unb64(parts[1]))
        except ValueError:
            return "The token is malformed"
        with self._lock:
            expires_at = self._sessions.get(str(claims.get("jti")))
        if expires_at is None:
            return "The token is unknown"
        if self._clock() >= expires_at:
            return "The token expired"
        return None

    def expire_all(self) -> int:
        """End every session now (as if each lifetime ran out); returns how many were live."""
        now = self._clock()
        with self._lock:
            live = sum(1 for t in self._sessions.values() if t > now)
            for jti in self._sessions:
                self._sessions[jti] = min(self._sessions[jti], now)
            return live

    def describe(self) -> dict[str, Any]:
        with self._lock:
            now = self._clock()
            return {
                "issued": self.stats.issued,
                "live": sum(1 for t in self._sessions.values() if t > now),
                "refused_api_tokens": self.stats.refused_api_tokens,
                "unauthorized_calls": self.stats.unauthorized_calls,
                "ttl_seconds": self._behaviour["session_ttl_seconds"],
            }

