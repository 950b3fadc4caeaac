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

import random
import threading
from dataclasses import dataclass, field

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
