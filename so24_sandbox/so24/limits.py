"""The hourly request cap per 24SO user (7,200 by default) and its answer headers.

24SO blocks a user who goes over the cap until the hour is over, answering every call with the
fault "Limit exceeded by N. Request is blocked. Quarantine ends at <time>", and reports the budget
in the APILimitRemaining / APILimitReset headers. The window here opens at a user's first request
and lasts one hour, so a test that lowers the cap sees the same answers whatever the wall clock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_PER_HOUR = 7200
WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class LimitCheck:
    allowed: bool
    remaining: int
    reset_at: datetime
    exceeded_by: int

    def headers(self) -> dict[str, str]:
        return {"APILimitRemaining": str(self.remaining), "APILimitReset": f"{self.reset_at.isoformat()}Z"}

    def message(self) -> str:
        return (
            f"Limit exceeded by {self.exceeded_by}. Request is blocked. "
            f"Quarantine ends at {self.reset_at.isoformat()}Z"
        )


class RateLimiter:
    def __init__(self, per_hour: int = DEFAULT_PER_HOUR) -> None:
        self._lock = threading.Lock()
        self.per_hour = per_hour
        self._windows: dict[str, tuple[datetime, int]] = {}

    def configure(self, per_hour: int) -> None:
        """A new cap starts every user's window afresh."""
        if per_hour < 1:
            raise ValueError("per_hour must be a positive integer")
        with self._lock:
            self.per_hour = per_hour
            self._windows.clear()

    def hit(self, user: str, now: datetime) -> LimitCheck:
        """Count one request of `user` and say whether it may run."""
        key = user.lower()
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now >= start + WINDOW:
                start, count = now, 0
            count += 1
            self._windows[key] = (start, count)
            reset_at = (start + WINDOW).replace(microsecond=0)
            over = count - self.per_hour
            return LimitCheck(over <= 0, max(0, self.per_hour - count), reset_at, max(0, over))

    def describe(self) -> dict:
        with self._lock:
            return {"per_hour": self.per_hour, "used": {u: c for u, (_s, c) in self._windows.items()}}
