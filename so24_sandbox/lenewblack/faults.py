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

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from so24_sandbox import faults as shared
from so24_sandbox.faults import FaultInjector, Handler

__all__ = ["Handler", "with_faults"]

RETRY_AFTER_SECONDS = 1

_ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>502 Bad Gateway</h1><p>The server is temporarily unavailable.</p></body></html>"
)


def _refuse(kind: str, request: Request) -> Response:
    if kind == "5xx":
        return JSONResponse({"message": "Internal Server Error"}, status_code=500)
    if kind == "limit":
        return JSONResponse(
            {"message": "Too Many Requests"},
            status_code=429,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return HTMLResponse(_ERROR_PAGE, status_code=502)


def with_faults(faults: FaultInjector, handler: Handler) -> Handler:
    """The shared front-door middleware speaking LNB's refusals; damaged answers keep their headers."""
    return shared.with_faults(faults, handler, _refuse)
