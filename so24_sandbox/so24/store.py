"""The emulator's state: one data set per identity, plus sessions, the rate limiter and call counts.

Handlers run under `Store.lock` so a save and a read never interleave half-way.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from so24_sandbox.so24.credentials import IDENTITIES
from so24_sandbox.so24.data import seed_dataset
from so24_sandbox.so24.dataset import DataSet
from so24_sandbox.so24.limits import DEFAULT_PER_HOUR, RateLimiter
from so24_sandbox.so24.sessions import SessionTable


@dataclass
class Stats:
    requests: Counter = field(default_factory=Counter)
    logins: int = 0

    def as_json(self) -> dict:
        return {"requests": dict(self.requests), "logins": self.logins}


class Store:
    """All state of the 24SO emulator; `reset()` reseeds it from (scale, seed)."""

    def __init__(self, scale: int, seed: int) -> None:
        self.scale = scale
        self.seed = seed
        self.lock = threading.RLock()
        self.datasets: dict[str, DataSet] = {}
        self.sessions = SessionTable()
        self.limits = RateLimiter(DEFAULT_PER_HOUR)
        self.stats = Stats()
        self.reset()

    def reset(self) -> None:
        """Reseed in place; the old data is dropped first so a 100k reset never holds two copies."""
        with self.lock:
            self.datasets = {}
            self.datasets = {ident.id: seed_dataset(ident, self.scale, self.seed) for ident in IDENTITIES}
            self.sessions = SessionTable()
            self.limits = RateLimiter(DEFAULT_PER_HOUR)
            self.stats = Stats()

    def dataset(self, identity_id: str) -> DataSet:
        return self.datasets[identity_id]
