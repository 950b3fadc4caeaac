"""R4 records: staged 24SO orders through mapping/specs/rackbeat_orders.yaml, plus R4's own checks.

The field pairs live in the spec; this module only decides *which* orders are mapped and adds the
checks that are rules rather than field pairs:

- **Which orders.** "Orders that reached the configured status": the configured status or a later
  step of 24SO's order pipeline (Confirmed -> Production -> Pack), so an order that moved on
  between two 15-minute ticks is still sent, while orders already Sent or Invoiced (history) are
  not. Orders the loader still owes an outcome (failed, or a create never confirmed) are mapped
  whatever their status now, so a create that was started is always finished or resolved. R9 maps
  one order with no status filter at all.
- **Keys.** The engine keys a record by OrderId within one 24SO company; the loader's key is
  "<identity>:<OrderId>" so several companies can share one staging file (X9). The business key
  stays the OrderId: it is what Rackbeat stores (order number and "24so order id").
- **Checks.** A product number longer than 25 characters is not in Rackbeat (R1 skips it), so the
  order cannot go, and a booked status needs at least one product line; both become skip reasons.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import get_args

from so24_pipelines.connectors.rackbeat import PRODUCT_NUMBER_MAX
from so24_pipelines.mapping import Spec, load_spec, map_records
from so24_pipelines.settings import So24OrderState
from so24_pipelines.staging.db import connect
from so24_pipelines.sync.records import MappedRecord

FLOW = "R4"
SPEC_NAME = "rackbeat_orders"
PIPELINE = ("Confirmed", "Production", "Pack")
ANY_STATUS: tuple[str, ...] = ("None", *get_args(So24OrderState))
BOOKED = ("booked", "booked_ready_for_shipment")


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
    if record.skip_reason:
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


def map_orders(
    db_path: str | Path,
    *,
    so24_status: str,
    rackbeat_status: str,
    open_keys: Iterable[str] = (),
    only: Sequence[str] | None = None,
    spec: Spec | None = None,
) -> list[MappedRecord]:
    """The R4 records of every staged company.

    `open_keys`: loader keys ("identity:OrderId") to map whatever their status (failed_keys).
    `only`: map just these loader keys, with no status filter (R9).
    """
    spec = spec or load_spec(SPEC_NAME)
    wanted: dict[str, list[str]] = {}
    for key in only if only is not None else open_keys:
        identity, order_id = split_key(key)
        wanted.setdefault(identity, []).append(order_id)
    records: list[MappedRecord] = []
    for identity in staged_identities(db_path):
        mapped: list[MappedRecord] = []
        if only is None:
            mapped = map_records(db_path, spec, identity, {"so24_statuses": statuses_reached(so24_status)})
        seen = {r.source_key for r in mapped}
        extra = [k for k in wanted.get(identity, []) if k not in seen]
        if extra:
            mapped += map_records(db_path, spec, identity, {"so24_statuses": list(ANY_STATUS)}, keys=extra)
        records += [_checked(r, identity, rackbeat_status) for r in mapped]
    return records
