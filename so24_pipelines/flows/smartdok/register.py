"""A Smartdok register (users or projects) as S1 and S2 match 24SO records against it.

Seed 004 matches by one key: a user's EmployeeNo ("Ansattnummer") is the 24SO contact id, a
project's ProjectNumber is the 24SO project id. Smartdok lists users without an EmployeeNo filter
and without paging, so matching is local: the register is read once per run, on first use (a tick
that has nothing to match reads it once, for the report), and what the run creates is added to it.

Three answers it gives a flow:
- `matches(key)`: the records carrying that key (ended users and inactive projects included: their
  numbers are still taken). Two or more is a conflict the flow holds, never picks from.
- `unclaimed(...)`: the records whose key is no 24SO id the flow staged (a typo, 24SO's employee
  number instead of the contact id, a subcontractor, an absence project, no key at all). S1/S2
  never write them; they are listed in the run's report with what to change in Smartdok (IDs
  cannot change in 24SO).
- `twins(...)`: unclaimed records that look like a 24SO record that found no match (the same
  e-mail, the same name). Creating would make the same person or project twice, so the flow holds
  the 24SO record instead and names the twin; `hint` keeps that pairing for the report.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable
from typing import Any

from so24_pipelines.mapping.engine import is_empty

Record = dict[str, Any]


def normalised(value: Any) -> str:
    """A key or name as compared: text, trimmed, case folded ("" for none)."""
    return "" if is_empty(value) else str(value).strip().casefold()


class Register:
    """One Smartdok register, read lazily once; thread-safe (the loader sends from a pool)."""

    def __init__(
        self, read: Callable[[], Iterable[Record]], *, key: str, label: str, noun: str, source_noun: str
    ) -> None:  # fmt: skip
        self._read = read
        self.key = key
        self.label = label
        self.noun = noun
        self.source_noun = source_noun
        self._records: list[Record] | None = None
        self._hints: dict[str, str] = {}
        self._lock = threading.Lock()

    def _loaded(self) -> list[Record]:
        """The records, read on first use; call with the lock held (other threads wait for the one read)."""
        if self._records is None:
            self._records = [dict(r) for r in self._read()]
        return self._records

    @property
    def records(self) -> list[Record]:
        with self._lock:
            return list(self._loaded())

    def add(self, record: Record) -> None:
        """A record the run made, so a later match in the same run finds it."""
        with self._lock:
            self._loaded().append(dict(record))

    def matches(self, key: str) -> list[Record]:
        wanted = normalised(key)
        return [r for r in self.records if wanted and normalised(r.get(self.key)) == wanted]

    def unclaimed(self, claimed: Collection[str]) -> list[Record]:
        keys = {normalised(k) for k in claimed}
        return [r for r in self.records if normalised(r.get(self.key)) not in keys]

    def twins(self, field: str, value: Any, claimed: Collection[str]) -> list[Record]:
        """Unclaimed records whose `field` equals `value` (trimmed, case folded); none for an empty value."""
        wanted = normalised(value)
        return [r for r in self.unclaimed(claimed) if wanted and normalised(r.get(field)) == wanted]

    def carried(self, keys: Collection[str]) -> int:
        """How many of `keys` a record already carries: read before a load, the number of creates
        that will link instead (a dry run's plan, made from the id map alone, cannot say so)."""
        present = {normalised(r.get(self.key)) for r in self.records}
        return sum(1 for key in keys if normalised(key) in present)

    def hint(self, record: Record, text: str) -> None:
        with self._lock:
            self._hints[str(record.get("Id"))] = text

    def describe(self, record: Record) -> str:
        key = record.get(self.key)
        number = f"{self.key} {str(key)!r}" if not is_empty(key) else f"no {self.key}"
        return f"Smartdok {self.noun} {record.get(self.label)!r} ({number})"

    def report(
        self, claimed: Collection[str], states: Callable[[Record], str] = lambda _r: ""
    ) -> dict[str, Any]:
        """Run notes: the records no 24SO record claims, each with what to do (`smartdok_only`,
        `smartdok_only_list`)."""
        rows = []
        with self._lock:
            hints = dict(self._hints)
        for record in self.unclaimed(claimed):
            key = record.get(self.key)
            shown = "(none)" if is_empty(key) else str(key)
            why = hints.get(str(record.get("Id"))) or (
                f"no 24SO id: left alone; if it is a 24SO {self.source_noun}, set its {self.key} to that id in Smartdok"
            )
            state = states(record)
            rows.append(f"| {record.get(self.label)} | {shown} | {state} | {why} |")
        table = [
            f"| {self.noun} | {self.key} | state | not written by the hub, because |",
            "|---|---|---|---|",
            *rows,
        ]
        return {
            "smartdok_only": len(rows),
            "smartdok_only_list": "\n".join(table) if rows else "none",
        }
