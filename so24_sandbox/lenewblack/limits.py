"""An optional request budget for the emulated API: 429 with Retry-After past it.

LNB publishes no rate limit (reference §3, a gap); only that it answers 429 with `Retry-After`.
So the budget is off by default and tests switch it on through
POST /_sandbox/lnb/limits {"per_minute": n, "burst"?: b} (`{"per_minute": null}` switches it off).
It refills `per_minute / 60` requests a second up to `burst` (default: a minute's budget), and
`Retry-After` is the whole seconds until the next request is allowed. The token endpoint counts
too: a limit that spares it would hide a client that fetches a token per call.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any


class RequestBudget:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.configure(None)

    def configure(self, per_minute: int | None, burst: int | None = None) -> dict[str, Any]:
        if per_minute is not None and per_minute < 1:
            raise ValueError("per_minute must be at least 1 (or null for no limit)")
        if burst is not None and burst < 1:
            raise ValueError("burst must be at least 1")
        with self._lock:
            self.per_minute = per_minute
            self.burst = burst or per_minute or 0
            self._tokens = float(self.burst)
            self._stamp = self._clock()
            self.allowed = 0
            self.throttled = 0
            return self._describe()

    def take(self) -> int | None:
        """None when the request may go, else the Retry-After seconds."""
        with self._lock:
            if self.per_minute is None:
                self.allowed += 1
                return None
            rate = self.per_minute / 60.0
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                self.allowed += 1
                return None
            self.throttled += 1
            return max(1, math.ceil((1.0 - self._tokens) / rate))

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return self._describe()

    def _describe(self) -> dict[str, Any]:
        return {"per_minute": self.per_minute, "burst": self.burst, "allowed": self.allowed,
                "throttled": self.throttled}
