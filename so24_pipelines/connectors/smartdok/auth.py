"""`Authorization: Bearer <session token>` on every call, with the token current at send time.

The token is read from the session cache while `requests` prepares each attempt, so a retry
after a long Retry-After pause carries the token valid *then*, not the one of the first try.
Each thread remembers the token it last sent, so a 401 drops exactly that token and not a fresh
one another thread bought meanwhile. Nothing here prints a token in repr().
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import requests


class BearerSession(requests.auth.AuthBase):
    def __init__(self, token: Callable[[], str]) -> None:
        self._token = token
        self._sent = threading.local()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        value = self._token()
        self._sent.value = value
        request.headers["Authorization"] = f"Bearer {value}"
        return request

    def last_sent(self) -> str | None:
        return getattr(self._sent, "value", None)

    def __repr__(self) -> str:
        return "BearerSession(<hidden>)"
