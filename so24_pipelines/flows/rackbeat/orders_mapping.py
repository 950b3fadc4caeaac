"""R4 records: staged 24SO orders through mapping/specs/rackbeat_orders.yaml, plus R4's own checks.

The field pairs live in the spec; this module only decides *which* orders are mapped and adds the
checks that are rules rather than field pairs:

- **Which orders.** "Orders that reached the configured status": the configured status or a later
  step of 24SO's order pipeline (Confirmed -> Production -> Pack), so an order that moved on
  between two 15-minute ticks is still sent, while orders already Sent or Invoiced (history) are
  not. Orders the loader still owes an outcome (failed, or a create never confirmed) are mapped
  whatever their status now, so a create that was started is always finished or resolved. R9 maps
  one order with no status filter at all.
- **Only what changed.** After a good load R4 remembers, per company and status setting, how far
  it has read staging (sync.state); the next tick maps only orders whose staged content changed
  since, so a quiet tick costs a query, not a pass over every open order. Of those (and of every
  order on a full pass), an order whose mapped inputs (its row, its rows, their products) are what
  they were when R4 last planned it is not mapped again (the engine's `map_changed`): the loader
  counts it unchanged from the hash it sent last.
- **Keys.** The engine keys a record by OrderId within one 24SO company; the loader's key is
  "<identity>:<OrderId>" so several companies can share one staging file (X9). The business key
  stays the OrderId: it is what Rackbeat stores (order number and "24so order id").
- **Checks.** A product number longer than 25 characters is not in Rackbeat (R1 skips it), so the
  order cannot go, and a booked status needs at least one product line; both become skip reasons.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import get_args

from so24_pipelines.connectors.rackbeat import PRODUCT_NUMBER_MAX
from so24_pipelines.mapping import Spec, load_spec, map_records
from so24_pipelines.mapping.engine import map_changed, source_digest
from so24_pipelines.settings import So24OrderState
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync import flow_key
from so24_pipelines.sync.planner import SettledRecord
from so24_pipelines.sync.records import MappedRecord
from so24_pipelines.sync.state import get_state, set_state

FLOW = flow_key("R4")
SPEC_NAME = "rackbeat_orders"
PIPELINE = ("Confirmed", "Production", "Pack")
ANY_STATUS: tuple[str, ...] = ("None", *get_args(So24OrderState))
BOOKED = ("booked", "booked_ready_for_shipment")
# A staging write's time is its transaction's start; one still open when the mark was read can
# commit rows stamped a little before it (store_batch transactions last seconds). Re-reading this
# much is cheap (the loader finds them unchanged); missing them is not.
STAGING_OVERLAP = timedelta(minutes=2)


def statuses_reached(so24_status: str) -> list[str]:
    """The configured status and the pipeline steps after it."""
    if so24_status not in PIPELINE:
        raise ValueError(f"R4 transfers at {', '.join(PIPELINE)}, not {so24_status!r}")
    return list(PIPELINE[PIPELINE.index(so24_status) :])


def staged_identities(db_path: str | Path) -> list[str]:
    """The 24SO companies with orders in staging (empty before the first extraction)."""
    with connect(db_path) as con:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'staging' AND table_name = 'so24_orders'"
        ).fetchall()[0][0]
        if not exists:
            return []
        return [
            r[0]
            for r in con.execute("SELECT DISTINCT identity FROM staging.so24_orders ORDER BY 1").fetchall()
        ]


def split_key(source_key: str) -> tuple[str, str]:
    identity, _, order_id = source_key.rpartition(":")
    return identity, order_id


def _checked(record: MappedRecord, identity: str, rackbeat_status: str) -> MappedRecord:
    key = f"{identity}:{record.source_key}"
    if record.skip_reason or isinstance(record, SettledRecord):
        return replace(record, source_key=key)
    lines = record.payload.get("lines") or []
    problems = [
        f"row {line['so24_row_id']}: product number {line['item_id']!r} has {len(line['item_id'])} characters; "
        f"Rackbeat allows {PRODUCT_NUMBER_MAX}, so R1 does not sync it"
        for line in lines
        if len(line.get("item_id") or "") > PRODUCT_NUMBER_MAX
    ]
    if rackbeat_status in BOOKED and not any(line.get("item_id") for line in lines):
        problems.append(
            f"only text rows; Rackbeat cannot book an order without a product line ({rackbeat_status})"
        )
    if problems:
        return replace(
            record,
            source_key=key,
            payload={},
            skip_reason=f"order {record.source_key}: " + "; ".join(problems),
        )
    return replace(record, source_key=key, payload={**record.payload, "identity": identity})


@dataclass(frozen=True)
class MappedOrders:
    """The records, and per company the staging time they were read at (remembered after a good load)."""

    records: list[MappedRecord]
    marks: dict[str, datetime] = field(default_factory=dict)
    # loader key -> input digest of each order mapped afresh (planner.remember_inputs after a load)
    inputs: dict[str, str] = field(default_factory=dict)


def mark_key(identity: str, so24_status: str) -> str:
    """sync.state key of R4's staging mark; per status, so a new status setting reads everything."""
    return f"R4/{identity}/{so24_status}/staged_through"


def read_marks(db_path: str | Path, identities: Iterable[str], so24_status: str) -> dict[str, datetime]:
    with connect(db_path) as con:
        found = {i: get_state(con, mark_key(i, so24_status)) for i in identities}
    return {i: datetime.fromisoformat(v) for i, v in found.items() if v}


def write_marks(db_path: str | Path, marks: dict[str, datetime], so24_status: str) -> None:
    with transaction(db_path) as con:
        for identity, mark in marks.items():
            set_state(con, mark_key(identity, so24_status), mark.isoformat())


def _changed(
    db_path: str | Path, identity: str, statuses: list[str], since: datetime | None, overlap: timedelta
) -> tuple[list[str] | None, datetime]:
    """Keys of eligible orders staged after `since` minus the overlap (None: no mark, map all).

    Also returns the new mark: the staging clock now (DuckDB's `now()`, the clock staging writes
    stamp `_extracted_at` with), not the newest stamp seen, so a quiet tick after a bulk staging
    does not keep re-reading that bulk.
    """
    with connect(db_path) as con:
        now = con.execute("SELECT now()::TIMESTAMP").fetchall()[0][0]
        if since is None:
            return None, now
        keys = con.execute(
            "SELECT CAST(order_id AS VARCHAR) FROM staging.so24_orders WHERE identity = ? AND _extracted_at > ? "
            "AND list_contains(?::VARCHAR[], order_status) ORDER BY order_id",
            [identity, since - overlap, statuses],
        ).fetchall()
    return [k[0] for k in keys], now


def map_orders(
    db_path: str | Path,
    *,
    so24_status: str,
    rackbeat_status: str,
    open_keys: Iterable[str] = (),
    only: Sequence[str] | None = None,
    since: dict[str, datetime] | None = None,
    overlap: timedelta = STAGING_OVERLAP,
    spec: Spec | None = None,
    company: str | None = None,
) -> MappedOrders:
    """The R4 records of every staged company, or of `company` only (the paired company).

    `open_keys`: loader keys ("identity:OrderId") to map whatever their status (failed_keys).
    `only`: map just these loader keys, with no status filter (R9).
    `since`: per company, map only orders whose staged content changed after that mark (minus
    STAGING_OVERLAP); a company without a mark is mapped in full. Staging changes only when
    24SO changes an order (the upsert skips identical rows), so a tick with no change in 24SO
    maps nothing but the open keys.
    """
    spec = spec or load_spec(SPEC_NAME)
    statuses = statuses_reached(so24_status)
    wanted: dict[str, list[str]] = {}
    for key in only if only is not None else open_keys:
        identity, order_id = split_key(key)
        wanted.setdefault(identity, []).append(order_id)
    result = MappedOrders([])
    companies = [c for c in staged_identities(db_path) if company is None or c == company]
    for identity in companies:
        mapped: list[MappedRecord] = []
        if only is None:
            keys, result.marks[identity] = _changed(
                db_path, identity, statuses, (since or {}).get(identity), overlap
            )
            if keys is None or keys:
                batch = map_changed(
                    db_path, spec, identity, {"so24_statuses": statuses}, flow=FLOW, keys=keys,
                    key_prefix=f"{identity}:", context=f"{rackbeat_status} {source_digest(__name__)}",
                )  # fmt: skip
                mapped = batch.records
                result.inputs.update(batch.inputs)
        seen = {r.source_key for r in mapped}
        extra = [k for k in wanted.get(identity, []) if k not in seen]
        if extra:
            mapped += map_records(db_path, spec, identity, {"so24_statuses": list(ANY_STATUS)}, keys=extra)
        result.records.extend(_checked(r, identity, rackbeat_status) for r in mapped)
    return result
