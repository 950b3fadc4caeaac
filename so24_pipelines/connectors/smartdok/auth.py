"""`Authorization: Bearer <session token>` on every call, with the token current at send time.

The token is read from the session cache while `requests` prepares each attempt, so a retry
after a long Retry-After pause carries the token valid *then*, not the one of the first try.
Each thread remembers the token it last sent, so a 401 drops exactly that token and not a fresh
one another thread bought meanwhile. Nothing here prints a token in repr().
"""

from __future__ import annotations

import requests

from so24_pipelines.connectors.session_tokens import SentToken


class BearerSession(SentToken):
    """`Authorization: Bearer <token>`; the per-thread memory and hidden repr are SentToken's."""

    def _attach(self, request: requests.PreparedRequest, value: str) -> None:
        request.headers["Authorization"] = f"Bearer {value}"
