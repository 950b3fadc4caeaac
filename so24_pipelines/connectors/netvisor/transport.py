"""The HTTP session under the Netvisor client: XML bodies out, Netvisor's XML status authoritative in.

Two adaptations of the shared RestClient (connectors/http.py), which sends JSON bodies and maps
HTTP statuses to errors:

- Outgoing: a write's XML message and its Content-Type are handed to the session for the current
  thread (`sending`), and `request()` attaches them to every attempt RestClient makes. (RestClient
  takes no raw body; see the note in base.py.)
- Incoming: with `UseHTTPResponseStatusCodes: 1` Netvisor also signals a failure in the HTTP status,
  with codes the reference does not know (§8.2). When such an answer carries a Netvisor envelope,
  its HTTP status is set back to 200 (the original kept in `netvisor_http_status`) so the XML
  status decides and the error is the named one for Netvisor's code, not a guess from 400 or 503.
  Answers without an envelope (a proxy's 502 page, IIS's 500) keep their status and their retries.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import requests

from so24_pipelines.connectors.errors import ConnectorError
from so24_pipelines.connectors.netvisor.envelope import parse


def _is_envelope(response: requests.Response) -> bool:
    body = response.content or b""
    if b"<ResponseStatus" not in body[:4096]:
        return False
    try:
        return parse(body).find("ResponseStatus/Status") is not None
    except (ValueError, ConnectorError):  # unreadable is simply not an envelope here
        return False


def _xml_status_decides(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    if response.status_code >= 400 and _is_envelope(response):
        response.netvisor_http_status = response.status_code  # type: ignore[attr-defined]
        response.status_code = 200
    return response


class NetvisorSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self._outgoing = threading.local()
        self.hooks["response"].append(_xml_status_decides)

    @contextlib.contextmanager
    def sending(self, body: bytes, content_type: str) -> Iterator[None]:
        """Attach `body` to the requests this thread makes inside the block (every retry too)."""
        self._outgoing.message = (body, content_type)
        try:
            yield
        finally:
            self._outgoing.message = None

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        message = getattr(self._outgoing, "message", None)
        if message is not None:
            kwargs["data"] = message[0]
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "Content-Type": message[1]}
        return super().request(method, url, *args, **kwargs)
