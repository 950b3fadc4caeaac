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

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from so24_sandbox import faults as shared
from so24_sandbox.faults import FaultInjector, Handler

__all__ = ["Handler", "with_faults"]

RETRY_AFTER_SECONDS = 1

_PROXY_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>"
)


def _refuse(kind: str, request: Request) -> Response:
    if kind == "5xx":
        return JSONResponse({"message": "An error has occurred."}, status_code=500)
    if kind == "limit":
        return JSONResponse(
            {"message": "Too many requests. Wait before calling again."},
            status_code=429,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return HTMLResponse(_PROXY_PAGE, status_code=502)


def with_faults(faults: FaultInjector, handler: Handler) -> Handler:
    """The shared front-door middleware speaking Ongoing's refusals; damaged answers are bare JSON."""
    return shared.with_faults(faults, handler, _refuse, keep_headers=False)
