"""How the emulated Ongoing front door fails, one rendering per fault kind.

- "5xx": 500 with a JSON message and no work done;
- "limit": 429 with `Retry-After: 1` and no work done (Ongoing throttles concurrent calls per goods
  owner; the status and header are an assumption, the vendor documents neither);
- "html": 502 with an HTML page, as a reverse proxy answers when the application pool is down;
- "latency": the normal answer, late;
- "malformed": the request *is* processed, then the JSON body is cut in half;
- "drop": the request *is* processed, then the connection closes mid-body.

The last two deliberately do the work before failing: a client that retries a write after them
must rely on the upsert (PUT by business key) to avoid duplicates, exactly as in production.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send

from so24_sandbox.faults import FaultInjector

RETRY_AFTER_SECONDS = 1
Handler = Callable[[Request], Awaitable[Response]]

_PROXY_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>"
)


class DroppedResponse(Response):
    """Announces the full length, sends half, then returns: the server closes the socket."""

    def __init__(self, body: bytes, status_code: int) -> None:
        super().__init__(content=body, status_code=status_code, media_type="application/json")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body[: len(self.body) // 2], "more_body": True})


def with_faults(faults: FaultInjector, handler: Handler) -> Handler:
    async def guarded(request: Request) -> Response:
        kind = faults.draw()
        if kind == "5xx":
            return JSONResponse({"message": "An error has occurred."}, status_code=500)
        if kind == "limit":
            return JSONResponse(
                {"message": "Too many requests. Wait before calling again."},
                status_code=429,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        if kind == "html":
            return HTMLResponse(_PROXY_PAGE, status_code=502)
        if kind == "latency":
            await asyncio.sleep(faults.latency_seconds)
        response = await handler(request)
        body = bytes(response.body)
        if kind == "malformed":
            return Response(body[: len(body) // 2], status_code=response.status_code, media_type="application/json")
        if kind == "drop":
            return DroppedResponse(body, response.status_code)
        return response

    return guarded
