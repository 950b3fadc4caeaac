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

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from so24_sandbox import faults as shared
from so24_sandbox.faults import FaultInjector, Handler

__all__ = ["Handler", "with_faults"]

RETRY_AFTER_SECONDS = 1
_EMPTY_BODY = b'{"Message": ""}'  # an empty 200 must break visibly too

_UNAVAILABLE_PAGE = (
    "<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
    "<body><h1>Service Unavailable</h1><p>The service is temporarily unavailable.</p></body></html>"
)


def _refuse(kind: str, request: Request) -> Response:
    if kind == "5xx":
        return JSONResponse(
            {"Type": "https://tools.ietf.org/html/rfc9110#section-15.6.1",
             "Title": "An error occurred while processing your request.", "Status": 500},
            status_code=500,
        )  # fmt: skip
    if kind == "limit":
        return Response(b"", status_code=429, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    return HTMLResponse(_UNAVAILABLE_PAGE, status_code=503)


def with_faults(faults: FaultInjector, handler: Handler) -> Handler:
    """The shared front-door middleware speaking Smartdok's refusals; an empty body is cut as `_EMPTY_BODY`."""
    return shared.with_faults(faults, handler, _refuse, empty_body=_EMPTY_BODY)
