"""HTTP answers in the shapes 24SO (and the proxies in front of it) produce, healthy or broken.

ASMX answers faults with HTTP 500 and a soap:Fault; an overloaded front end answers an HTML page
(503); a dropped connection and a truncated body are produced for the fault injector so clients
prove they retry. `dropped` promises a Content-Length, sends part of it and stops: the ASGI server
then closes the connection and the client sees it broken mid-body.
"""

from __future__ import annotations

from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send

from so24_sandbox.so24.serialize import fault_envelope

XML = "text/xml; charset=utf-8"


def soap(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=XML, headers=headers)


def fault(code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return soap(fault_envelope(code, message), 500, headers)


def html_error() -> Response:
    page = (
        "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
        "<body><h1>Service Unavailable</h1><p>The service is temporarily overloaded. "
        "Please try again later.</p></body></html>"
    )
    return HTMLResponse(page, status_code=503)


def truncated(body: bytes) -> Response:
    """A 200 whose envelope stops half-way (as when a proxy cuts a long answer)."""
    return soap(body[: max(1, len(body) // 2)])


class DroppedResponse(Response):
    def __init__(self, body: bytes) -> None:
        super().__init__(body, media_type=XML)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = bytes(self.body)
        headers = [(k, v) for k, v in self.raw_headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body) + 4096).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})


def dropped(body: bytes) -> Response:
    return DroppedResponse(body)
