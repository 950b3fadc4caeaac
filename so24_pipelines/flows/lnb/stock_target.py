"""Le New Black's stock lines as a loader target (L1): one bulk call per batch, one answer per item.

LNB's `POST /multi/inventory/{ean|sku}` sets `in_stock` on the line named by the code in each item,
so a write is an upsert keyed by that code (`upserts_by_key`): sending a figure twice leaves one
figure, which is what lets the loader send a batch again after a lost answer. `write_many` is the
path the loader takes (records.bulk_writer): a batch of lnb.stock_batch_size items is one request,
however many products it carries. LNB answers item by item; an item it refuses (a code it does not
carry: `ean13: not found`) becomes that record's RecordRejected with LNB's own words, and the rest
of the batch is written. The target key kept in the id map is the code the figure went to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from so24_pipelines.connectors.errors import ConnectorError, RecordRejected
from so24_pipelines.connectors.lnb import LnbClient, StockOutcome
from so24_pipelines.connectors.lnb.stock import PATHS, StockKey
from so24_pipelines.sync.records import BulkUpsertTarget, MappedRecord

KEY_NAMES: dict[str, str] = {"ean13": "EAN13", "sku": "SKU"}


class LnbStockTarget(BulkUpsertTarget):
    """L1: LNB inventory lines by EAN13 or by SKU code; key = the code."""

    system = "lnb"
    entity = "stock"

    def __init__(self, client: LnbClient, key: StockKey) -> None:
        if key not in PATHS:
            raise ValueError("key must be 'ean13' or 'sku'")
        self.client = client
        self.key = key
        self.requests = 0  # bulk calls made, for the run's note (requests sent vs figures changed)

    def _item(self, record: MappedRecord) -> dict[str, Any]:
        return {self.key: record.payload[self.key], "in_stock": record.payload["in_stock"]}

    def _answer(self, outcome: StockOutcome) -> str | ConnectorError:
        if outcome.ok:
            return outcome.value
        # LNB's words (`ean13: not found`, or why it refused the whole batch) are the reason; they are
        # not passed again as field_errors, which the loader would append a second time.
        message = f"LNB refused in_stock {outcome.in_stock} for {KEY_NAMES[self.key]} {outcome.value}: {outcome.reason}"
        return RecordRejected(
            message, call=self.client.call_name("POST", f"multi/inventory/{PATHS[self.key]}")
        )

    def write_many(self, records: Sequence[MappedRecord]) -> list[str | ConnectorError]:
        """One `/multi/inventory/...` call for all `records` (the loader sizes the batch)."""
        if not records:
            return []
        self.requests += 1
        outcomes = self.client.write_stock(
            self.key, [self._item(r) for r in records], batch_size=len(records)
        )
        return [self._answer(outcome) for outcome in outcomes]

    def find_by_business_key(self, business_key: str) -> str | None:
        item = self.client.get_inventory_item(self.key, business_key)
        return None if item is None else business_key
