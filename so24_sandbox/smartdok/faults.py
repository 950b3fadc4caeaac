"""How the emulated Smartdok front door fails, one rendering per fault kind.

- "5xx": 500 with an ASP.NET-style ProblemDetails body, no work done;
- "limit": 429 with `Retry-After: 1`, no work done. Smartdok publishes no rate limit (reference
  §8.2); the answer is what its Azure front end would send, an assumption;
- "html": 503 with an HTML page, as the hosting front end answers while the app restarts;
- "latency": the normal answer, late;
- "malformed": the request *is* processed, then the JSON body is cut in half;
- "drop": the request *is* processed, then the connection closes mid-body.

The last two do the work before failing on purpose: a client that repeats a create after them
makes a second user or project unless it looks the first one up, exactly as in production. The
export-marking POSTs set a state, so repeating them is harmless, which the connector relies on.
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

_UNAVAILABLE_PAGE = (
    "<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
    "<body><h1>Service Unavailable</h1><p>The service is temporarily unavailable.</p></body></html>"
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
            return JSONResponse(
                {"Type": "https://tools.ietf.org/html/rfc9110#section-15.6.1",
                 "Title": "An error occurred while processing your request.", "Status": 500},
                status_code=500,
            )  # fmt: skip
        if kind == "limit":
            return Response(b"", status_code=429, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        if kind == "html":
            return HTMLResponse(_UNAVAILABLE_PAGE, status_code=503)
        if kind == "latency":
            await asyncio.sleep(faults.latency_seconds)
        response = await handler(request)
        if kind not in ("malformed", "drop"):
            return response
        body = bytes(response.body) or b'{"Message": ""}'  # an empty 200 must break visibly too
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
        if kind == "malformed":
            return Response(body[: len(body) // 2], status_code=response.status_code, headers=headers,
                            media_type="application/json")  # fmt: skip
        return DroppedResponse(body, response.status_code, headers)

    return guarded
