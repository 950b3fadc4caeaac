"""How each N1 create ended, for the run's notes and the sync log: linked, found, or made.

The loader logs a create that found its record as `resolved` with the `how` of the `Found` the
target returned; this log keeps the same facts per rule, so the asset's metadata can say how many
records N2's rules linked, how many were found by their code before adding (made by an earlier
attempt whose answer was lost, or by a user since N2 read), and how many were made. Thread-safe:
the loader sends from a pool.
"""

from __future__ import annotations

import threading
from collections import Counter

from so24_pipelines.flows.netvisor.matching import RULE_WORDS
from so24_pipelines.sync.records import Found


class LinkLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.linked: Counter[str] = Counter()
        self.found = 0
        self.made = 0
        self.written = 0

    def link(self, key: str, rule: str, what: str) -> Found:
        """A create of a record N2 linked by `rule` to `what` (e.g. "Rackbeat customer 10003")."""
        with self._lock:
            self.linked[rule] += 1
        return Found(key, f"linked to {what} by its {RULE_WORDS.get(rule, rule)} (N2); nothing written to it")

    def found_before(self, key: str, what: str, code: str) -> Found:
        """A create that found the record under its code before adding it."""
        with self._lock:
            self.found += 1
        return Found(key, f"found {what} with the code {code!r} before adding; linked, nothing written to it")

    def adopted(self, found: Found) -> Found:
        """A linked or found record whose owned fields were then written (N3: a change made in
        Rackbeat after going live, which must reach Netvisor)."""
        with self._lock:
            self.written += 1
        return Found(found.target_key, found.how.replace("nothing written to it", "adopted, the owned fields written"))

    def made_one(self) -> None:
        with self._lock:
            self.made += 1

    def notes(self) -> dict[str, int]:
        out = {f"linked_by_{rule}": self.linked.get(rule, 0) for rule in RULE_WORDS}
        return out | {"found_before_adding": self.found, "made": self.made, "adopted": self.written}
