"""Once exported, an LNB order is 24SO's: never sent again, and an LNB edit is reported, not applied.

Seed 002: "After the order has been exported from Le New Black, any further changes must be done
directly into 24SevenOffice." An order is exported when L2's id map holds its 24SO order (a
create or a look-up 24SO confirmed). From then on:

- the loader would plan an update when the LNB order's mapped payload differs from what was sent
  (a line edited, a comment changed, the retailer's reference moved): L2 turns that plan into a
  skip, "exported on <when> as 24SO order <id>; LNB edits are not applied", so it is listed in the
  run's metadata and sync.sync_log on every tick while LNB and 24SO differ, and nothing is sent;
- an order that no longer maps (its product gone from 24SO staging, its reference removed) is a
  skip with the same words, the mapping's reason after it;
- an unchanged one is `unchanged`, as for every flow: a second tick writes nothing.

"When" is the moment the hub first saw the export confirmed: a mark per order in sync.state
(`lnb/L2/exported/<reference>`), stamped right after each load (within seconds of the create; for
an order a crashed run created, when the next run found it). The id map stays the one record of
*whether* an order is exported; the mark only dates it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from so24_pipelines.flows.lnb.orders_target import NOT_APPLIED
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync import MappedRecord, Plan
from so24_pipelines.sync.id_map import confirmed_pairs
from so24_pipelines.sync.schema import sync_schema_exists, utcnow
from so24_pipelines.sync.state import set_states, states_with_prefix

MARK_PREFIX = "lnb/L2/exported/"


@dataclass(frozen=True)
class Export:
    """One exported order: its 24SO OrderId and when the hub saw it confirmed (None: not stamped yet)."""

    order_id: str
    at: str | None

    def words(self) -> str:
        when = f" on {self.at} UTC" if self.at else ""
        return f"exported{when} as 24SO order {self.order_id}"


def exports(db_path: str | Path, flow: str) -> dict[str, Export]:
    """Every LNB order `flow` has in 24SO, by reference, with its mark's date."""
    with connect(db_path) as con:
        if not sync_schema_exists(con):
            return {}
        pairs = confirmed_pairs(con, flow)
        marks = states_with_prefix(con, MARK_PREFIX)
    return {source: Export(target, marks.get(MARK_PREFIX + source)) for source, target in pairs}


def stamp_new_exports(db_path: str | Path, flow: str) -> int:
    """Date the exports confirmed since the last stamp (now, UTC, to the second); how many were new."""
    with transaction(db_path) as con:
        if not sync_schema_exists(con):
            return 0
        marks = states_with_prefix(con, MARK_PREFIX)
        now = utcnow().replace(microsecond=0).isoformat(sep=" ")
        new = {
            MARK_PREFIX + source: now
            for source, _ in confirmed_pairs(con, flow)
            if MARK_PREFIX + source not in marks
        }
        set_states(con, new)
    return len(new)


def not_applied(
    records: Sequence[MappedRecord], preview: Plan, exported: dict[str, Export]
) -> list[MappedRecord]:
    """`records`, with each exported order the loader would write again (or that no longer maps) a skip."""
    planned = {item.record.source_key: item.action for item in preview.items}
    out = []
    for record in records:
        export = exported.get(record.source_key)
        action = planned.get(record.source_key)
        if export is None or action in ("unchanged", "resolve"):
            out.append(record)
            continue
        if record.skip_reason:
            now = record.skip_reason.removeprefix(f"order {record.source_key}: ")
            reason = f"order {record.source_key}: {export.words()}; not sent again (in LNB now: {now})"
        elif action == "update":
            reason = f"order {record.source_key}: {export.words()}; {NOT_APPLIED}"
        else:
            out.append(record)
            continue
        out.append(replace(record, payload={}, skip_reason=reason))
    return out
