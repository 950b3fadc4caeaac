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

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from so24_sandbox import faults as shared
from so24_sandbox.faults import FaultInjector, Handler

__all__ = ["Handler", "with_faults"]

Overloaded = Callable[[Request], Response]

_PROXY_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response.</p></body></html>"
)


def with_faults(faults: FaultInjector, handler: Handler, overloaded: Overloaded) -> Handler:
    """`overloaded` renders the overlapping-call refusal for the request (its language and encoding).

    Damaged answers keep the handler's content type (XML in the request's encoding), not JSON.
    """

    def refuse(kind: str, request: Request) -> Response:
        if kind == "5xx":
            return PlainTextResponse("500 - Internal server error.", status_code=500)
        if kind == "limit":
            return overloaded(request)
        return HTMLResponse(_PROXY_PAGE, status_code=502)

    return shared.with_faults(faults, handler, refuse, keep_headers=False, media_type=None)
