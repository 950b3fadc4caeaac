"""Client credentials, the token endpoint and the access-token gate of the emulated LNB.

LNB hands each integration a `client_id` / `client_secret` pair ("contact us to get your API
client credentials"). The sandbox accepts exactly one published pair (test values for a local
emulator, returned by GET /_sandbox/lnb/credentials):

    client_id      so24-hub-sandbox
    client_secret  sandbox-lnb-client-secret

`POST /auth/token` (PHP and Python SDKs, JSON body) and `POST /oauth/token` (Java SDK, form body)
both answer `{access_token, token_type, expire_on[, expires_in]}` (§6.1); either path takes either
body, since the reference cannot tell which the real API wants. Every other call must carry the
token as the query parameter `access_token` (all three SDKs do; no header is accepted here, so a
client that sends one is caught). A missing, unknown or expired token answers 401.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from so24_sandbox.lenewblack import times
from so24_sandbox.lenewblack.behaviour import Behaviour
from so24_sandbox.lenewblack.refusals import Refused

CLIENT_ID = "so24-hub-sandbox"
CLIENT_SECRET = "sandbox-lnb-client-secret"  # noqa: S105 - published sandbox credential
GRANT_TYPE = "client_credentials"


@dataclass
class TokenStats:
    issued: int = 0
    refused_credentials: int = 0
    unauthorized_calls: int = 0


class TokenIssuer:
    """Issues opaque tokens and checks them. `clock` is wall time in seconds (injectable for tests)."""

    def __init__(self, behaviour: Behaviour, clock: Callable[[], float] = time.time) -> None:
        self._behaviour = behaviour
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}
        self.stats = TokenStats()

    def reset(self) -> None:
        with self._lock:
            self._tokens.clear()
            self.stats = TokenStats()

    def issue(self, body: dict[str, Any]) -> dict[str, Any]:
        """The token answer for a token request body, or Refused (401 bad client, 400 bad grant)."""
        grant = body.get("grant_type")
        if grant != GRANT_TYPE:
            raise Refused(400, f"Unsupported grant type; use {GRANT_TYPE}.", {"grant_type": ["invalid"]})
        client_id = str(body.get("client_id") or "")
        secret = str(body.get("client_secret") or "")
        id_ok = secrets.compare_digest(client_id.encode(), CLIENT_ID.encode())
        secret_ok = secrets.compare_digest(secret.encode(), CLIENT_SECRET.encode())
        if not (id_ok and secret_ok):
            with self._lock:
                self.stats.refused_credentials += 1
            raise Refused(401, "Invalid client credentials.")
        lifetime = int(self._behaviour["token_lifetime_seconds"])
        token = secrets.token_urlsafe(32)
        issued_at = self._clock()
        expires_at = issued_at + lifetime
        with self._lock:
            self._tokens[token] = expires_at
            self.stats.issued += 1
        answer: dict[str, Any] = {
            "access_token": token,
            "token_type": "Bearer",
            "expire_on": self._expire_on(expires_at),
        }
        if self._behaviour["send_expires_in"]:
            answer["expires_in"] = lifetime
        return answer

    def _expire_on(self, expires_at: float) -> str | int:
        fmt = self._behaviour["expire_on_format"]
        if fmt == "unix":
            return int(expires_at)
        moment = datetime.fromtimestamp(int(expires_at), UTC)
        return times.write(moment, "datetime" if fmt == "datetime" else "iso") or ""

    def refusal(self, token: str | None) -> Refused | None:
        """None when `token` is live, else the 401 to answer (counted in stats)."""
        if not token:
            reason = "Missing access_token."
        else:
            with self._lock:
                expires_at = self._tokens.get(token)
            if expires_at is None:
                reason = "Invalid access token."
            elif self._clock() >= expires_at:
                reason = "The access token has expired."
            else:
                return None
        with self._lock:
            self.stats.unauthorized_calls += 1
        return Refused(401, reason)

    def expire_all(self) -> int:
        """End every issued token now (as if their lifetime ran out); returns how many."""
        now = self._clock()
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = min(self._tokens[token], now)
            return len(self._tokens)

    def describe(self) -> dict[str, Any]:
        with self._lock:
            now = self._clock()
            return {
                "issued": self.stats.issued,
                "live": sum(1 for t in self._tokens.values() if t > now),
                "refused_credentials": self.stats.refused_credentials,
                "unauthorized_calls": self.stats.unauthorized_calls,
            }
