"""One call at a time per company (reference §1: "overlapping calls cause errors").

`enter` marks a company busy for the length of a call. A call arriving while another to the same
company is in flight is an overlap: always counted (GET /_sandbox/netvisor/stats, so a test can
prove a client never overlaps even with refusal off) and, when `behaviour.refuse_overlapping_calls`
is on, refused. Companies are independent: two companies may be called at the same time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class CompanyCalls:
    in_flight: int = 0
    calls: int = 0
    overlaps: int = 0
    refused: int = 0
    max_in_flight: int = 0


class CallGate:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._companies: dict[str, CompanyCalls] = {}

    def enter(self, organisation_id: str, *, refuse_overlap: bool) -> bool:
        """Mark a call in flight; False (nothing marked) when it overlaps and overlaps are refused."""
        with self._lock:
            state = self._companies.setdefault(organisation_id, CompanyCalls())
            if state.in_flight > 0:
                state.overlaps += 1
                if refuse_overlap:
                    state.refused += 1
                    return False
            state.in_flight += 1
            state.calls += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
            return True

    def leave(self, organisation_id: str) -> None:
        with self._lock:
            self._companies[organisation_id].in_flight -= 1

    def describe(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {org: dict(vars(state)) for org, state in self._companies.items()}

    def clear(self) -> None:
        """Forget the counters; calls in flight keep their marks so `leave` stays balanced."""
        with self._lock:
            for state in self._companies.values():
                state.calls = state.overlaps = state.refused = 0
                state.max_in_flight = state.in_flight
