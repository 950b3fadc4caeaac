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

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from so24_sandbox import faults as shared
from so24_sandbox.faults import FaultInjector, Handler

__all__ = ["Handler", "with_faults"]

RETRY_AFTER_SECONDS = 1

_NGINX_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body>"
    "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)


def _refuse(kind: str, request: Request) -> Response:
    if kind == "5xx":
        return JSONResponse({"message": "Server Error"}, status_code=500)
    if kind == "limit":
        return JSONResponse(
            {"message": "Too Many Attempts."},
            status_code=429,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return HTMLResponse(_NGINX_PAGE, status_code=502)


def with_faults(faults: FaultInjector, handler: Handler) -> Handler:
    """The shared front-door middleware speaking Rackbeat's refusals; damaged answers keep their headers."""
    return shared.with_faults(faults, handler, _refuse)
