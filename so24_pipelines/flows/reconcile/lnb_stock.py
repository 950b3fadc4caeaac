"""The 24SO -> Le New Black pair (L1): LNB's stock lines against the figures L1 would send now.

L1 keys LNB's lines by EAN13 or SKU (flows.L1.key) and sends whole available units, Stock minus
open order quantities when flows.L1.available says so. The 24SO side is therefore mapped by L1's
spec and reshaped by L1's own `lnb_item` (with the open orders read fresh too when they count),
so the figure compared is exactly the one L1 would write. LNB's catalogue is LNB's: L1 never
creates a line, so a 24SO product LNB has no line for is counted with L1's skips (its preview
names them), and a line of LNB's own is counted, not listed.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from so24_pipelines.flows.lnb.stock import FLOWS, SPEC, StockOptions, lnb_item, open_order_quantities
from so24_pipelines.flows.reconcile.compare import Sides
from so24_pipelines.flows.reconcile.entities import EntityCheck
from so24_pipelines.sync import MappedRecord
from so24_pipelines.sync.store import IdMapRow


def check_for(options: StockOptions) -> EntityCheck:
    """L1's entity as X7 compares it, for the configured key and availability rule."""

    def reshape(db_path: str | Path, identity: str, records: list[MappedRecord]) -> list[MappedRecord]:
        reserved: dict[str, Decimal] = {}
        if options.available == "stock_minus_open_orders":
            reserved = open_order_quantities(db_path, identity, options.open_order_statuses)
        return [lnb_item(record, options.key, reserved) for record in records]

    return EntityCheck(
        "lnb", "stock_levels", "L1", FLOWS[options.key], SPEC, "products",
        params={"key": options.key}, reshape=reshape, compared=("in_stock",),
    )  # fmt: skip


def lnb_sides(
    key: str, so24: dict[str, MappedRecord], inventory: list[dict[str, Any]], links: dict[str, IdMapRow]
) -> Sides:
    return Sides(
        so24=so24,
        other={str(row[key]): row for row in inventory if isinstance(row, dict) and row.get(key)},
        linked={k: row.target_key for k, row in links.items() if row.target_key},
        holder=lambda row: None,
        business_key=lambda row: str(row.get(key) or "") or None,
    )
