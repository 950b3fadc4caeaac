"""Which staged LNB orders L2 maps, and the spec that maps them (mapping/specs/lnb_orders_to_so24.yaml).

Mapped: the orders in an exported status (`flows.L2.statuses`) and every order L2 has in its id
map, whatever its status now; the latter so that an edit made in LNB after the export is seen
and reported (orders_exported.py), even once the acknowledgement has moved the order on.

The spec gives each order its 24SO customer (the retailer's reference) and each line its product
(by `product_key`); a retailer without a valid reference or a line without a known product
blocks the whole order with the reason. After the spec, the rows are checked (orders_rows.py) and
each order gets its business key, "<reference>@<CustomerId>", which the 24SO target looks up.

Every selected order is mapped on every tick (`map_records`); the loader then counts an order
whose payload is what 24SO was sent as unchanged, so a quiet tick writes nothing. The engine's
`map_changed` (skip mapping unchanged inputs) now takes specs with `else_skip` rules too; L2's
volumes have not needed it yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from so24_pipelines.flows.lnb.orders_rows import DiscountUnit, checked_rows
from so24_pipelines.flows.lnb.orders_target import business_key
from so24_pipelines.flows.lnb.tables import ORDERS
from so24_pipelines.mapping import load_spec, map_records
from so24_pipelines.staging.db import connect
from so24_pipelines.sync import MappedRecord
from so24_pipelines.sync.id_map import source_keys_of
from so24_pipelines.sync.schema import sync_schema_exists

SPEC = "lnb_orders_to_so24"


@dataclass(frozen=True)
class OrderOptions:
    """The L2 settings the mapping reads (flows.L2; `product_key` already resolved against L1's key)."""

    statuses: tuple[str, ...]
    so24_status: str
    product_key: str
    discount_unit: DiscountUnit


def mapped_keys(db_path: str | Path, identity: str, flow: str, statuses: Sequence[str]) -> list[str]:
    """References of the staged orders in an exported status, and of every order `flow` exported."""
    with connect(db_path) as con:
        staged = [
            row[0]
            for row in con.execute(
                f"SELECT order_reference FROM {ORDERS.qualified} WHERE identity = ? "  # noqa: S608 - declared name
                "AND list_contains(?::VARCHAR[], status)",
                [identity, list(statuses)],
            ).fetchall()
        ]
        exported = source_keys_of(con, flow) if sync_schema_exists(con) else []
    return sorted({*staged, *exported})


def order_records(db_path: str | Path, identity: str, flow: str, options: OrderOptions) -> list[MappedRecord]:
    """The orders to load, mapped, checked and keyed for the 24SO look-up."""
    keys = mapped_keys(db_path, identity, flow, options.statuses)
    if not keys:
        return []
    params = {"so24_status": options.so24_status, "product_key": options.product_key}
    records = [
        record
        if record.skip_reason
        else replace(record, business_key=business_key(record.source_key, record.payload["CustomerId"]))
        for record in map_records(db_path, load_spec(SPEC), identity, params, keys=keys)
    ]
    return checked_rows(db_path, identity, records, discount_unit=options.discount_unit)
