"""How the emulated Netvisor front door fails, one rendering per fault kind.

- "5xx": HTTP 500 with IIS's plain error page, no work done;
- "limit": Netvisor publishes no rate limit; its refusal of traffic is the overlapping-call answer,
  so "limit" renders that (HTTP 200, FAILED, TECHNICAL_ERROR), no work done;
- "html": 502 with an HTML page, as a load balancer answers when the application is down;
- "latency": the normal answer, late;
- "malformed": the request *is* processed, then the XML is cut in half;
- "drop": the request *is* processed, then the connection closes mid-body.

The last two do the work before failing on purpose: a client that repeats `method=add` after them
creates the record twice, exactly as in production; it must look the record up before adding.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from so24_sandbox.faults import FaultInjector

Handler = Callable[[Request], Awaitable[Response]]
Overloaded = Callable[[Request], Response]

_PROXY_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response.</p></body></html>"
)


class DroppedResponse(Response):
    """Announces the full length, sends half, then returns: the server closes the socket."""

    def __init__(self, body: bytes, status_code: int, media_type: str | None) -> None:
        super().__init__(content=body, status_code=status_code, media_type=media_type)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send(
            {"type": "http.response.body", "body": self.body[: len(self.body) // 2], "more_body": True}
        )


def with_faults(faults: FaultInjector, handler: Handler, overloaded: Overloaded) -> Handler:
    """`overloaded` renders the overlapping-call refusal for the request (its language and encoding)."""

    async def guarded(request: Request) -> Response:
        kind = faults.draw()
        if kind == "5xx":
            return PlainTextResponse("500 - Internal server error.", status_code=500)
        if kind == "limit":
            return overloaded(request)
        if kind == "html":
            return HTMLResponse(_PROXY_PAGE, status_code=502)
        if kind == "latency":
            await asyncio.sleep(faults.latency_seconds)
        response = await handler(request)
        body = bytes(response.body)
        media = response.headers.get("content-type")
        if kind == "malformed":
            return Response(body[: len(body) // 2], status_code=response.status_code, media_type=media)
        if kind == "drop":
            return DroppedResponse(body, response.status_code, media)
        return response

    return guarded
