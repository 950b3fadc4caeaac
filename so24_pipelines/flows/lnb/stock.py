"""L1 stock levels, 24SO -> Le New Black: each product's available-to-sell figure on its LNB line.

Seed 002: LNB's inventory "will reflect the available-to-sell quantities in 24SevenOffice", keyed
"on either EAN13s or SKUs", and "products without EAN13/SKU codes won't be exported". So:

1. Staged read: the 24SO products E1 staged for the paired company (staging.so24_products).
2. Spec mapping/specs/lnb_stock.yaml: the code (`flows.L1.key`: ean13 reads EAN1, sku the product
   number No) and 24SO's Stock. A product without the code is a skip with that reason: it is not
   exported, and the run's metadata names it (`not_exported`, `not_exported_products`).
3. Available to sell (`flows.L1.available`): `stock` sends 24SO's Stock as it is;
   `stock_minus_open_orders` first deducts the row quantities of the staged 24SO orders in
   `flows.L1.open_order_statuses` (goods promised to customers but still in Stock). LNB takes whole
   units >= 0, so a fraction is rounded down and a figure below 0 (24SO allows negative stock) is
   sent as 0: LNB should offer nothing then, and refuses a negative figure anyway.
4. The loader, with LnbStockTarget (one `/multi/inventory/...` call per lnb.stock_batch_size
   items). It sends only figures that differ from the one LNB last confirmed (the payload hash),
   so a tick where nothing changed sends nothing; a product whose staged inputs did not change is
   not even mapped again (map_changed). An item LNB refuses fails alone, with LNB's words, and is
   sent again on later ticks until LNB takes it or the product no longer qualifies.
5. Codes LNB does not carry: a code that is in 24SO but on no LNB line would be refused on every
   tick (`ean13: not found`), leaving the check red over something no retry can fix. So a tick
   with figures to send first reads LNB's lines once (`GET /inventory`: every catalogue SKU,
   coded or not) and skips the products whose code LNB has no line for, with that reason
   (`not_in_lnb`, `not_in_lnb_products`, the check's description). A skip is never sent and
   never hashed, so such a product is looked at again on each tick without being sent: it goes the
   tick LNB has a line for the code (the brand added the SKU or its code) or 24SO's code changes
   to one LNB carries. A tick with nothing to send (all settled) makes no read at all.

L1 writes only LNB stock figures; it reads staging and never writes 24SO.

Each key has its own loader flow key (`L1.ean13`, `L1.sku`), because LNB's lines by EAN13 and by
SKU are different records: switching flows.L1.key sends every figure once by the new code, and
the failures left under the old key are closed with a skip that says why (else the asset check
would stay red over figures that are no longer sent). A product whose code changes in 24SO sends
its figure to the new code; the old code's line keeps its last figure (L1 writes only codes that
24SO products carry now). Two products with the same code: the first keeps it, the second is
skipped by the loader naming the first (LNB holds one figure per code).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Literal

from so24_pipelines.connectors.errors import ConfigError
from so24_pipelines.connectors.lnb import LnbClient
from so24_pipelines.connectors.lnb.stock import StockKey
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.lnb.stock_target import KEY_NAMES, LnbStockTarget
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.mapping import load_spec
from so24_pipelines.mapping.engine import map_changed, source_digest
from so24_pipelines.staging.db import connect
from so24_pipelines.sync import MappedRecord, flow_key
from so24_pipelines.sync.log_reads import last_run_skips
from so24_pipelines.sync.planner import SettledRecord, remember_inputs

FLOWS: dict[str, str] = {"ean13": flow_key("L1", "ean13"), "sku": flow_key("L1", "sku")}
SPEC = "lnb_stock"
LISTED = 50
GONE = "the product is no longer in staging for the paired 24SO company; its figure is not sent"
LACKS = "LNB has no inventory line for"

Available = Literal["stock", "stock_minus_open_orders"]


@dataclass(frozen=True)
class StockOptions:
    """flows.L1 as the flow reads it: the code LNB keys lines by, and what "available" is."""

    key: StockKey = "ean13"
    available: Available = "stock"
    open_order_statuses: tuple[str, ...] = ("Confirmed", "Production", "Pack")


def available_units(stock: Decimal, reserved: Decimal = Decimal(0)) -> int:
    """The whole units LNB may sell: Stock minus what open orders hold, rounded down, never below 0."""
    return max(0, int((stock - reserved).to_integral_value(rounding=ROUND_FLOOR)))


_OPEN_ORDER_QUANTITIES = """
    SELECT CAST(r.product_id AS VARCHAR), sum(r.quantity)
    FROM staging.so24_order_rows AS r
    JOIN staging.so24_orders AS o ON o.identity = r.identity AND o.order_id = r.order_id
    WHERE r.identity = ? AND list_contains(?::VARCHAR[], o.order_status)
      AND r.product_id IS NOT NULL AND r.quantity > 0
    GROUP BY r.product_id
"""


def open_order_quantities(db_path: str | Path, identity: str, statuses: Sequence[str]) -> dict[str, Decimal]:
    """product id -> the quantity on rows of the company's staged orders in `statuses`.

    Only positive quantities count: a negative row (a return) is goods not yet back, which must not
    be offered. Without staged orders the deduction cannot be made, and sending Stock instead would
    offer goods already promised, so that is refused with what to run.
    """
    with connect(db_path) as con:
        present = {row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging'"
        ).fetchall()}  # fmt: skip
        if not {"so24_orders", "so24_order_rows"} <= present:
            raise ConfigError(
                "flows.L1.available is stock_minus_open_orders, but staging holds no 24SO orders yet: "
                "materialize so24_orders (E4) first, or set flows.L1.available: stock"
            )
        rows = con.execute(_OPEN_ORDER_QUANTITIES, [identity, list(statuses)]).fetchall()
    return {key: Decimal(quantity) for key, quantity in rows}


def _digest(reserved: dict[str, Decimal]) -> str:
    text = json.dumps(sorted((key, str(quantity)) for key, quantity in reserved.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def lnb_item(record: MappedRecord, key: StockKey, reserved: dict[str, Decimal]) -> MappedRecord:
    """The mapped product as LNB's bulk item {<key>: code, in_stock: units}, keyed by its code.

    A skip, or a record the engine settled (not mapped again), passes as it is.
    """
    if record.skip_reason or isinstance(record, SettledRecord):
        return record
    code = record.payload["code"]
    units = available_units(Decimal(record.payload["in_stock"]), reserved.get(record.source_key, Decimal(0)))
    return replace(record, payload={key: code, "in_stock": units}, business_key=code)


def skip_codes_lnb_lacks(
    client: LnbClient, key: StockKey, records: Sequence[MappedRecord]
) -> tuple[list[MappedRecord], list[MappedRecord]]:
    """(`records` with those whose code LNB has no line for turned into skips, those skips).

    LNB's lines are read once, and only when some record may be sent (not skipped, not settled).
    """
    sendable = [r for r in records if not r.skip_reason and not isinstance(r, SettledRecord)]
    if not sendable:
        return list(records), []
    carried = client.inventory_codes(key)
    out: list[MappedRecord] = []
    lacking: list[MappedRecord] = []
    for record in records:
        code = record.payload.get(key)
        if record.skip_reason or isinstance(record, SettledRecord) or code in carried:
            out.append(record)
            continue
        why = (
            f"{LACKS} {KEY_NAMES[key]} {code} (GET /inventory): not sent; it goes on the tick LNB "
            f"carries that {KEY_NAMES[key]} or 24SO's code changes to one LNB carries"
        )
        skipped = replace(record, skip_reason=why)
        out.append(skipped)
        lacking.append(skipped)
    return out, lacking


def codes_lnb_lacked(db_path: str | Path, flow: str) -> list[tuple[str, str]]:
    """(product, reason) of the products the last logged run of `flow` skipped for a code LNB lacks."""
    with connect(db_path) as con:
        return last_run_skips(con, flow, LACKS)


def _table(skips: Sequence[MappedRecord]) -> str:
    if not skips:
        return "none"
    lines = ["| product | reason |", "|---|---|"]
    lines += [
        f"| {r.source_key} | {' '.join((r.skip_reason or '').split()).replace('|', '/')} |"
        for r in skips[:LISTED]
    ]
    if len(skips) > LISTED:
        lines.append(f"| … | {len(skips) - LISTED} more in sync.sync_log |")
    return "\n".join(lines)


def _retire_other_key(run: RunContext, client: LnbClient, key: StockKey) -> FlowRun | None:
    """Close the failures of the key not in use (flows.L1.key changed): those figures are not sent."""
    other: StockKey = "sku" if key == "ean13" else "ean13"
    why = f"flows.L1.key is {key} now: figures are no longer sent by {KEY_NAMES[other]}"
    stale = run.retire_failures(FLOWS[other], [], why)
    if not stale:
        return None
    return run.load(FLOWS[other], stale, LnbStockTarget(client, other), source_system="so24")


def sync_stock(run: RunContext, client: LnbClient, identity: str, options: StockOptions) -> list[FlowRun]:
    """One L1 tick for the 24SO company `identity`: the figures that changed, to LNB."""
    flow = FLOWS[options.key]
    reserved: dict[str, Decimal] = {}
    if options.available == "stock_minus_open_orders":
        reserved = open_order_quantities(run.db_path, identity, options.open_order_statuses)
    # What else the figures depend on: a change maps every product again (the hashes still send
    # only the figures that changed).
    context = "|".join(
        (source_digest(__name__), options.available, ",".join(options.open_order_statuses), _digest(reserved))
    )
    batch = map_changed(
        run.db_path, load_spec(SPEC), identity, {"key": options.key}, flow=flow, context=context
    )
    mapped = [lnb_item(record, options.key, reserved) for record in batch.records]
    skipped = [record for record in mapped if record.skip_reason]
    mapped, lacking = skip_codes_lnb_lacks(client, options.key, mapped)
    records = run.retire_failures(flow, mapped, GONE)
    target = LnbStockTarget(client, options.key)
    done = run.load(
        flow, records, target, source_system="so24", batch_size=client.stock_batch_size, max_workers=1
    )
    if not run.dry_run:
        remember_inputs(run.db_path, flow, batch.inputs, done.plans)
    done = done.noting(
        stock_key=options.key, available_from=options.available, not_exported=len(skipped),
        not_exported_products=_table(skipped), not_in_lnb=len(lacking), not_in_lnb_products=_table(lacking),
        lnb_stock_requests=target.requests,
    )  # fmt: skip
    retired = _retire_other_key(run, client, options.key)
    return [done] if retired is None else [done, retired]
