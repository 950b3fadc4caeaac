"""The TransactionIds Netvisor has seen: a repeated one is refused with REQUEST_NOT_UNIQUE.

Every request must carry a new `X-Netvisor-Authentication-TransactionId` (reference §3); a replay of
a captured request (same id, same MAC) is thereby useless. Ids are remembered per integration user
and only once the MAC has been verified, so a forged request cannot burn a real client's id. The
memory is bounded (the oldest ids are forgotten first); how long Netvisor remembers is not
documented.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

REMEMBERED_PER_USER = 200_000


class TransactionLog:
    def __init__(self, limit: int = REMEMBERED_PER_USER) -> None:
        self._lock = threading.Lock()
        self._limit = limit
        self._seen: dict[str, OrderedDict[str, None]] = {}

    def first_use(self, customer_id: str, transaction_id: str) -> bool:
        """Record the id; False when this user has used it before."""
        with self._lock:
            seen = self._seen.setdefault(customer_id, OrderedDict())
            if transaction_id in seen:
                return False
            seen[transaction_id] = None
            if len(seen) > self._limit:
                seen.popitem(last=False)
            return True

    def count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._seen.values())

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
