"""O5 stock balance: where the WMS's stock of an article differs from 24SO's, 24SO gets the WMS's.

The WMS's figures are read into staging.ongoing_articles (stockInfoChangedFrom cursor) and mapped
with mapping/specs/ongoing_stock.yaml; `stock_kind` (flows.O5) picks sellable (Ongoing's "can
still be sold", booked items deducted) or physical. Only articles whose figure differs from the
staged 24SO Stock are loaded; the payload keeps the 24SO figure it was compared with, so a later
drift in 24SO (the same WMS figure, a different 24SO one) is a change and is written again.

An article O1 has just created is in the WMS with no stock, and its 0 is not a count: written,
it would zero 24SO's stock of every product on the first O5 run after O1. Nor is its sellable
figure once O2's orders book it (0 minus the booked items, below zero), which would be written
over a 24SO figure of 0 or none. So an article the hub made (O1's id map) that the WMS has never
had in stock (physical 0 and no goods-in date, `inventoryInfo.lastInDate`) and that O5 has never
written is held whatever 24SO's figure: a skip "held: ..." in the preview and sync log (the run's
note `held` counts them), and 24SO keeps its figure. The WMS's first goods-in or count is
written. The WMS has no call to set stock (stock comes in through its own receiving), so 24SO's
figure cannot be sent there instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.ongoing.wms_reads import read_stock
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.flows.so24_targets import StockTarget
from so24_pipelines.mapping import load_spec, map_records
from so24_pipelines.staging.db import connect
from so24_pipelines.sync import MappedRecord, flow_key, sync_schema_exists
from so24_pipelines.sync.id_map import known_source_keys

FLOW = flow_key("O5")
SPEC = "ongoing_stock"
ARTICLES_FLOW = flow_key("O1")
HELD = (
    "held: the hub created this article in the WMS and the WMS has never had it in stock (0, no goods-in "
    "date), so its {wms} is not a count; 24SO keeps {so24}. The WMS's first goods-in or count is written"
)


def _differs(record: MappedRecord) -> bool:
    if record.skip_reason:
        return True
    seen = record.payload.get("so24Stock")
    return seen is None or Decimal(record.payload["stockQuantity"]) != Decimal(seen)


def _never_stocked(run: RunContext, wms: OngoingClient, identity: str, records: Sequence[MappedRecord]) -> set[str]:
    """Source keys of the records whose WMS figure is the empty stock of an article O1 just made.

    Candidates are cheap to find (staging and the id maps); only they cost a WMS read, in one
    query by article number, for the goods-in date.
    """
    wanted = {r.source_key: r for r in records if not r.skip_reason}
    if not wanted:
        return set()
    with connect(run.db_path) as con:
        empty = {
            str(row[0]) for row in con.execute(
                "SELECT so24_product_id FROM staging.ongoing_articles WHERE identity = ? "
                "AND coalesce(number_of_items, 0) = 0 AND list_contains(?::VARCHAR[], CAST(so24_product_id AS VARCHAR))",
                [identity, sorted(wanted)],
            ).fetchall()
        }  # fmt: skip
        if not empty or not sync_schema_exists(con):
            return set()
        made = known_source_keys(con, ARTICLES_FLOW, empty) - known_source_keys(con, FLOW, empty)
    numbers = {wanted[k].business_key: k for k in made if wanted[k].business_key}
    if not numbers:
        return set()
    received = {
        str(a.get("articleNumber")) for a in wms.iter_articles(article_numbers=sorted(numbers))
        if (a.get("inventoryInfo") or {}).get("lastInDate")
    }  # fmt: skip
    return {key for number, key in numbers.items() if number not in received}


def _hold(record: MappedRecord) -> MappedRecord:
    wms, so24 = Decimal(record.payload["stockQuantity"]), Decimal(record.payload.get("so24Stock") or 0)
    reason = HELD.format(wms=format(wms.normalize(), "f"), so24=format(so24.normalize(), "f"))
    return MappedRecord(record.source_key, business_key=record.business_key, skip_reason=f"article {record.source_key}: {reason}")


def sync_stock(run: RunContext, wms: OngoingClient, so24: So24Client, identity: str, *, stock_kind: str) -> FlowRun:
    read = read_stock(wms, run.db_path, identity)
    records = map_records(run.db_path, load_spec(SPEC), identity, {"stock_kind": stock_kind})
    due = [r for r in records if _differs(r)]
    held = _never_stocked(run, wms, identity, due)
    due = [_hold(r) if r.source_key in held else r for r in due]
    due = run.retire_failures(FLOW, due, "24SO's stock already equals the WMS's; nothing to set")
    done = run.load(FLOW, due, StockTarget(so24), source_system="ongoing", reads=[read])
    return done.noting(held=len(held)) if held else done
