"""Client-side rate limiting: one token bucket per API client, shared by every thread using it.

Why a bucket inside the connector when Dagster already has pools: pools bound how many *steps*
talk to a system at once; the vendors limit *requests per second* (Ongoing throttles concurrent
calls per goods owner, Rackbeat answers 429 past its quota). A step that pages through thousands of
articles with a thread pool must pace itself, and every thread must draw from the same bucket or
the limit multiplies by the thread count.

The bucket works on debt: `acquire` takes its tokens at once, even into the negative, and then
sleeps off its share outside the lock. Callers are thus served in arrival order, no thread can
starve, and a server-side "slow down" (`penalize`) simply becomes debt every later caller waits out.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """`rate_per_second` tokens refill continuously up to `burst`; `acquire()` blocks until paid.

    `clock` and `sleep` are injectable so tests can drive time without waiting on it.
    """

    def __init__(
        self,
        rate_per_second: float,
        burst: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = float(rate_per_second)
        self.burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)

    def reserve(self, tokens: float = 1.0) -> float:
        """Take `tokens` now and return how long the caller must wait before using them."""
        if tokens <= 0:
            raise ValueError("tokens must be positive")
        with self._lock:
            self._refill()
            self._tokens -= tokens
            return max(0.0, -self._tokens / self.rate)

    def acquire(self, tokens: float = 1.0) -> float:
        """Block until `tokens` are available; return the seconds waited (0.0 if none)."""
        wait = self.reserve(tokens)
        if wait > 0:
            self._sleep(wait)
        return wait

    def try_acquire(self, tokens: float = 1.0) -> bool:
        """Take `tokens` only if they are there right now; never waits, never goes into debt."""
        with self._lock:
            self._refill()
            if self._tokens >= tokens:
                self._tokens -= tokens
                return True
            return False

    def penalize(self, seconds: float) -> None:
        """Make every caller wait at least `seconds` from now (the server said Retry-After)."""
        if seconds <= 0:
            return
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, -seconds * self.rate)

    @property
    def available(self) -> float:
        """Tokens available now; negative while callers are still paying off debt."""
        with self._lock:
            self._refill()
            return self._tokens

    def __repr__(self) -> str:
        return f"TokenBucket(rate_per_second={self.rate:g}, burst={self.burst:g})"
