"""N2's report applied to the records N1 maps: link, hold or let the loader create.

N1 carries a register's records from the source side to the other side, but a record N2 found on
both sides must never be made twice, and one N2 held must never be guessed. So before the loader
plans, each mapped record is looked up in the report (match_report.entries):

- linked: it stays a record to load, and the target's `create` returns the counterpart as `Found`
  (nothing written to it); the loader records the link in the id map and the rule in the sync log.
  Going to Rackbeat, its business key becomes the counterpart's number, which is what the target
  finds it by after a crash (a codeless Netvisor customer linked by its name has no code to use).
- held: skipped with the hold's reason (ambiguous, non-numeric code, conflict), before the loader;
- unmatched with a reason (a Netvisor code that is not digits cannot become a Rackbeat number):
  skipped with that reason;
- unmatched: created on the other side by the loader, which looks its code up first.
A record the report does not know (staged after N2 ran) is skipped: N1 creates only what N2 saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from so24_pipelines.flows.netvisor.match_report import Entry
from so24_pipelines.flows.netvisor.matching import Record, Side, describe
from so24_pipelines.sync.records import MappedRecord

NOT_MATCHED = (
    "not in N2's match report (staged after N2 ran): run the job netvisor_initial_sync, which matches first"
)


@dataclass(frozen=True)
class Link:
    """A linked record's counterpart on the other side, and the rule that linked them."""

    key: str
    rule: str
    what: str


def links_of(entries: Mapping[str, Entry], other: Side) -> dict[str, Link]:
    """source key -> its counterpart, for the linked entries (`other`: the target side's system)."""
    out = {}
    for key, entry in entries.items():
        if entry.counterpart is not None and entry.rule is not None:
            shown = Record(entry.counterpart, entry.counterpart_code, entry.counterpart_name or "")
            out[key] = Link(entry.counterpart, entry.rule, describe(entry.register, other, shown))
    return out


def apply_matches(
    records: Iterable[MappedRecord], entries: Mapping[str, Entry], *, counterpart_is_business_key: bool
) -> list[MappedRecord]:
    """The mapped records with N2's decisions applied (module doc)."""
    out = []
    for record in records:
        entry = entries.get(record.source_key)
        if record.skip_reason:
            out.append(record)
        elif entry is None:
            out.append(replace(record, payload={}, skip_reason=NOT_MATCHED))
        elif entry.outcome == "held":
            out.append(replace(record, payload={}, skip_reason=f"held by N2 ({entry.rule}): {entry.reason}"))
        elif entry.outcome == "linked" and entry.counterpart is not None:
            out.append(
                replace(record, business_key=entry.counterpart) if counterpart_is_business_key else record
            )
        elif entry.reason:
            out.append(replace(record, payload={}, skip_reason=entry.reason))
        else:
            out.append(record)
    return out
