"""How the emulated Rackbeat front door fails, one rendering per fault kind.

- "5xx": 500 with Laravel's `{"message": "Server Error"}`, no work done;
- "limit": 429 `Too Many Attempts.` with `Retry-After: 1`, no work done (the throttle answer);
- "html": 502 with an nginx error page, as the load balancer answers when PHP-FPM is down;
- "latency": the normal answer, late;
- "malformed": the request *is* processed, then the JSON body is cut in half;
- "drop": the request *is* processed, then the connection closes mid-body.

The last two do the work before failing on purpose: a client that blindly repeats a POST after
them creates the record twice (or meets "has already been taken"), exactly as in production.
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

_NGINX_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body>"
    "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)


class DroppedResponse(Response):
    """Announces the full length, sends half, then returns: the server closes the socket."""

    def __init__(self, body: bytes, status_code: int, headers: dict[str, str]) -> None:
        super().__init__(
            content=body, status_code=status_code, headers=headers, media_type="application/json"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send(
            {"type": "http.response.body", "body": self.body[: len(self.body) // 2], "more_body": True}
        )


def with_faults(faults: FaultInjector, handler: Handler) -> Handler:
    async def guarded(request: Request) -> Response:
        kind = faults.draw()
        if kind == "5xx":
            return JSONResponse({"message": "Server Error"}, status_code=500)
        if kind == "limit":
            return JSONResponse(
                {"message": "Too Many Attempts."},
                status_code=429,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        if kind == "html":
            return HTMLResponse(_NGINX_PAGE, status_code=502)
        if kind == "latency":
            await asyncio.sleep(faults.latency_seconds)
        response = await handler(request)
        body = bytes(response.body)
        headers = {
            k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")
        }
        if kind == "malformed":
            return Response(
                body[: len(body) // 2],
                status_code=response.status_code,
                headers=headers,
                media_type="application/json",
            )
        if kind == "drop":
            return DroppedResponse(body, response.status_code, headers)
        return response

    return guarded
