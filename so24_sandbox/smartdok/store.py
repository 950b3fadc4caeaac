"""The emulated company's state: one table per resource, one lock, id sequences and the clock.

Records are plain dicts keyed by the output model's PascalCase names; keys starting with "_" are
internal (a project's activity ids, a user's password) and never rendered. Work hours keep their
own internal shape (hours.py renders v1 and v2 from it). Every domain module reads and writes
these tables under `lock`, which is re-entrant so one operation may call another.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from so24_sandbox.smartdok import times

COMPANY_ID = 24004
COMPANY_NAME = "Nordlys Bygg AS"


class SmartdokStore:
    def __init__(self, clock: Callable[[], datetime] = times.now) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.users: dict[str, dict[str, Any]] = {}
            self.projects: dict[int, dict[str, Any]] = {}
            self.activities: dict[int, dict[str, Any]] = {}
            self.wages: dict[int, dict[str, Any]] = {}
            self.hours: dict[int, dict[str, Any]] = {}
            self.api_user_id = ""
            self.seed_workers: list[str] = []  # the seeded users whose hours match 24SO (seed.py)
            self._counters: dict[str, int] = {}

    def next_id(self, sequence: str, start: int) -> int:
        """A fresh int id; sequences start at `start` and never reuse an id."""
        with self.lock:
            value = max(self._counters.get(sequence, start - 1) + 1, start)
            self._counters[sequence] = value
            return value

    def now(self) -> datetime:
        return self.clock()

    def user_by_employee_no(self, employee_no: str) -> dict[str, Any] | None:
        return next(
            (u for u in self.users.values() if u.get("EmployeeNo") == employee_no and not u.get("IsDeleted")), None
        )

    def project_by_number(self, number: str) -> dict[str, Any] | None:
        return next((p for p in self.projects.values() if p.get("ProjectNumber") == number), None)

    def activity_by_number(self, number: str) -> dict[str, Any] | None:
        return next((a for a in self.activities.values() if a.get("Number") == number), None)

    def wage_by_number(self, number: str) -> dict[str, Any] | None:
        return next((w for w in self.wages.values() if w.get("Number") == number), None)


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A record without its internal keys."""
    return {k: v for k, v in record.items() if not k.startswith("_")}
