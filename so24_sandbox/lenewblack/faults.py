"""How the emulated LNB front door fails, one rendering per fault kind.

- "5xx": 500 `{"message": "Internal Server Error"}`, no work done;
- "limit": 429 `{"message": "Too Many Requests"}` with `Retry-After: 1`, no work done (§3: LNB
  answers 429 with Retry-After; the wording is ours);
- "html": 502 with an HTML error page, as a load balancer answers when the application is down;
- "latency": the normal answer, late;
- "malformed": the request *is* processed, then the JSON body is cut in half;
- "drop": the request *is* processed, then the connection closes mid-body.

The last two do the work before failing on purpose: a client that repeats a stock batch or a
status change after them must be relying on those writes being absolute (they are), as it would
have to in production.
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

_ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>502 Bad Gateway</h1><p>The server is temporarily unavailable.</p></body></html>"
)


class DroppedResponse(Response):
    """Announces the full length, sends half, then returns: the server closes the socket."""

    def __init__(self, body: bytes, status_code: int, headers: dict[str, str]) -> None:
        super().__init__(content=body, status_code=status_code, headers=headers, media_type="application/json")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body[: len(self.body) // 2], "more_body": True})


def with_faults(faults: FaultInjector, handler: Handler) -> Handler:
    async def guarded(request: Request) -> Response:
        kind = faults.draw()
        if kind == "5xx":
            return JSONResponse({"message": "Internal Server Error"}, status_code=500)
        if kind == "limit":
            return JSONResponse(
                {"message": "Too Many Requests"}, status_code=429,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        if kind == "html":
            return HTMLResponse(_ERROR_PAGE, status_code=502)
        if kind == "latency":
            await asyncio.sleep(faults.latency_seconds)
        response = await handler(request)
        body = bytes(response.body)
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
        if kind == "malformed":
            return Response(body[: len(body) // 2], status_code=response.status_code, headers=headers,
                            media_type="application/json")
        if kind == "drop":
            return DroppedResponse(body, response.status_code, headers)
        return response

    return guarded
