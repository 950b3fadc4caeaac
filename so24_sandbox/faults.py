"""Fault injection shared by every emulator, switchable at run time through /_sandbox/faults.

Each system renders a fault in its own dialect (a SOAP fault for 24SO, JSON + status for REST);
this module only decides *whether* and *which* fault hits a request. Two modes:

- rate: each request fails with probability `rate`, the kind drawn from `kinds` (seeded RNG, so a
  run is repeatable);
- next: the next `count` requests fail with exactly `kind` (for tests that want one known fault).

Kinds: "5xx" (server error), "limit" (rate-limit answer), "latency" (slow but correct),
"drop" (connection closed mid-response), "malformed" (truncated body), "html" (an HTML error page).
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

KINDS = ("5xx", "limit", "latency", "drop", "malformed", "html")


@dataclass
class FaultPlan:
    rate: float = 0.0
    kinds: tuple[str, ...] = ("5xx", "limit", "drop", "malformed", "html")
    latency_ms: int = 200
    next_kind: str | None = None
    next_count: int = 0
    seed: int = 1
    injected: dict[str, int] = field(default_factory=dict)


class FaultInjector:
    """Thread-safe per-system fault switch. `draw()` returns a kind or None for a healthy answer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plan = FaultPlan()
        self._rng = random.Random(self._plan.seed)

    def configure(self, spec: dict) -> dict:
        """Apply a control-API body: {"rate", "kinds", "latency_ms", "seed"} or {"next": kind, "count"}."""
        with self._lock:
            plan = FaultPlan(seed=int(spec.get("seed", 1)))
            if "next" in spec:
                kind = str(spec["next"])
                if kind not in KINDS:
                    raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(KINDS)}")
                plan.next_kind, plan.next_count = kind, int(spec.get("count", 1))
            rate = float(spec.get("rate", 0.0))
            if not 0.0 <= rate <= 1.0:
                raise ValueError("rate must be between 0 and 1")
            plan.rate = rate
            kinds = tuple(spec.get("kinds", plan.kinds))
            bad = [k for k in kinds if k not in KINDS]
            if bad:
                raise ValueError(f"unknown fault kinds {bad}; one of {', '.join(KINDS)}")
            plan.kinds = kinds
            plan.latency_ms = int(spec.get("latency_ms", plan.latency_ms))
            self._plan = plan
            self._rng = random.Random(plan.seed)
            return self._describe()

    def clear(self) -> None:
        self.configure({})

    def draw(self) -> str | None:
        with self._lock:
            plan = self._plan
            kind: str | None = None
            if plan.next_count > 0 and plan.next_kind:
                plan.next_count -= 1
                kind = plan.next_kind
            elif plan.rate > 0 and plan.kinds and self._rng.random() < plan.rate:
                kind = self._rng.choice(plan.kinds)
            if kind:
                plan.injected[kind] = plan.injected.get(kind, 0) + 1
            return kind

    @property
    def latency_seconds(self) -> float:
        return self._plan.latency_ms / 1000.0

    def describe(self) -> dict:
        with self._lock:
            return self._describe()

    def _describe(self) -> dict:
        p = self._plan
        return {
            "rate": p.rate,
            "kinds": list(p.kinds),
            "latency_ms": p.latency_ms,
            "next": p.next_kind,
            "count": p.next_count,
            "seed": p.seed,
            "injected": dict(p.injected),
        }


# ---- the front-door middleware -----------------------------------------------------------------
# Which answers a system gives for "5xx", "limit" and "html" is its own dialect (its faults.py);
# *when* they are given, and how "latency", "malformed" and "drop" bend a real answer, is the same
# for every REST emulator, so it lives here once and a fix reaches them all.

Handler = Callable[[Request], Awaitable[Response]]
Refusal = Callable[[str, Request], Response]
"""Renders a fault that hits before any work ("5xx", "limit" or "html") in the system's dialect."""

REFUSED_KINDS = ("5xx", "limit", "html")
JSON = "application/json"


class DroppedResponse(Response):
    """Announces the full length, sends half, then returns: the server closes the socket."""

    def __init__(
        self,
        body: bytes,
        status_code: int,
        headers: dict[str, str] | None = None,
        media_type: str | None = JSON,
    ) -> None:
        super().__init__(content=body, status_code=status_code, headers=headers, media_type=media_type)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send(
            {"type": "http.response.body", "body": self.body[: len(self.body) // 2], "more_body": True}
        )


def with_faults(
    faults: FaultInjector,
    handler: Handler,
    refuse: Refusal,
    *,
    keep_headers: bool = True,
    media_type: str | None = JSON,
    empty_body: bytes = b"",
) -> Handler:
    """Wrap `handler` so each request may meet the fault `faults` draws for it.

    "malformed" and "drop" run the handler first on purpose: the write is done, only the answer
    is lost, which is the case a client's retry logic has to survive. The knobs keep each system's
    wire habits: `keep_headers` carries the handler's own headers (not its length or type) onto the
    damaged answer, `media_type` is the damaged answer's type (None: the handler's own), and
    `empty_body` stands in for an empty body so that cutting it still visibly breaks something.
    """

    async def guarded(request: Request) -> Response:
        kind = faults.draw()
        if kind in REFUSED_KINDS:
            return refuse(kind, request)
        if kind == "latency":
            await asyncio.sleep(faults.latency_seconds)
        response = await handler(request)
        if kind not in ("malformed", "drop"):
            return response
        body = bytes(response.body) or empty_body
        headers = (
            {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
            if keep_headers
            else None
        )
        media = media_type if media_type is not None else response.headers.get("content-type")
        if kind == "malformed":
            return Response(
                body[: len(body) // 2], status_code=response.status_code, headers=headers, media_type=media
            )
        return DroppedResponse(body, response.status_code, headers, media)

    return guarded
