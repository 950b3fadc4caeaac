"""O5 stock balance: where the WMS's stock of an article differs from 24SO's, 24SO gets the WMS's.

The WMS's figures are read into staging.ongoing_articles (stockInfoChangedFrom cursor) and mapped
with mapping/specs/ongoing_stock.yaml; `stock_kind` (flows.O5) picks sellable (Ongoing's "can
still be sold", booked items deducted) or physical. Only articles whose figure differs from the
staged 24SO Stock are loaded; the payload keeps the 24SO figure it was compared with, so a later
drift in 24SO (the same WMS figure, a different 24SO one) is a change and is written again.
"""

from __future__ import annotations

from decimal import Decimal

from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.ongoing.wms_reads import read_stock
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.flows.so24_targets import StockTarget
from so24_pipelines.mapping import load_spec, map_records
from so24_pipelines.sync import MappedRecord, flow_key

FLOW = flow_key("O5")
SPEC = "ongoing_stock"


def _differs(record: MappedRecord) -> bool:
    if record.skip_reason:
        return True
    seen = record.payload.get("so24Stock")
    return seen is None or Decimal(record.payload["stockQuantity"]) != Decimal(seen)


def sync_stock(run: RunContext, wms: OngoingClient, so24: So24Client, identity: str, *, stock_kind: str) -> FlowRun:
    read = read_stock(wms, run.db_path, identity)
    records = map_records(run.db_path, load_spec(SPEC), identity, {"stock_kind": stock_kind})
    due = [r for r in records if _differs(r)]
    due = run.retire_failures(FLOW, due, "24SO's stock already equals the WMS's; nothing to set")
    return run.load(FLOW, due, StockTarget(so24), source_system="ongoing", reads=[read])
