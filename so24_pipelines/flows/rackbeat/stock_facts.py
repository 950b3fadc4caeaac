"""What the hub knows about one product's stock beside Rackbeat's figure: R8's and R3's rules read it.

24SO's stock has one master. With Rackbeat connected it is Rackbeat (R8 on), and Rackbeat's
figure is written to 24SO; but a new Rackbeat product starts with no stock at all, and that 0 is
not a count: when 24SO has a figure, it is the only one there is. That is the demo's hole: the
initial sync (R3) made every 24SO product in Rackbeat, the stock events about them came back,
and R8 wrote their 0 over 24SO's stock. So every staged stock row carries, beside Rackbeat's
`stock_quantity` (staging: tables.py, EVENT_PRODUCTS):

- `so24_stock`: 24SO's figure for the linked product. R8 reads it from 24SO in the same run
  (not from the extraction, which can be 15 minutes old: an event-driven flow that skipped on a
  stale figure would never be asked again); R3's opening stock takes the extraction it ran after.
- `made_by_hub`: the Rackbeat product is one R1/R3 created (or adopted) from 24SO (their id map).
- `counted`: Rackbeat's figure has been a real one at least once: Rackbeat adjusted it (a count,
  a receipt, a write-off: `inventory_adjustments`), or R8 has written it to 24SO before (the
  figure had moved then). NULL when not asked (only a product that could be unopened is asked:
  one call) or when the account cannot tell.
- `matches_so24`: Rackbeat's figure is 24SO's: nothing to write. This is how the hub recognises
  its own stock coming back (R3's opening stock, R8's last write) and any figure 24SO already has.
- `unopened`: Rackbeat has 0 and has never counted it, while 24SO has another figure. Rackbeat's
  0 is then the empty stock of a new record (the hub's, as after the initial sync, or anyone's):
  R8 holds it with the reason (the spec's rule), R3's opening stock sends 24SO's figure to
  Rackbeat for the products the hub made. A count in Rackbeat (to 0 too) or any movement ends it.

Every fact is a plain column, so the specs' `else_skip` rules quote them and a user can query
what a run saw (staging.rackbeat_event_products).
"""


from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.connectors.so24.session import current_identity
from so24_pipelines.staging.db import connect
from so24_pipelines.sync import flow_key, sync_schema_exists
from so24_pipelines.sync.id_map import known_source_keys

# The id map of the products R1 (and R3, under the same key) made in Rackbeat from 24SO products.
HUB_PRODUCTS = flow_key("R1", "products", "to_rackbeat")
# R8's own id map: "<identity>:<24SO product id>" of every product whose stock it has written.
STOCK_WRITES = flow_key("R8")
IDS_PER_READ = 500

Record = dict[str, Any]


class AdjustmentReader(Protocol):
    def inventory_adjustments(self, number: str, *, limit: int | None = None) -> list[dict[str, Any]] | None: ...


def decimal_or_none(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def so24_figures(so24: So24Client, wanted: Mapping[str, Iterable[int]]) -> dict[tuple[str, int], Decimal | None]:
    """24SO's stock now of the products wanted per company: (identity, product id) -> Stock.

    One GetProducts per company (and per 500 ids); a product 24SO does not return is left out.
    """
    figures: dict[tuple[str, int], Decimal | None] = {}
    for identity, product_ids in wanted.items():
        ids = sorted({int(i) for i in product_ids})
        if not ids:
            continue
        current_identity(so24, identity)
        for start in range(0, len(ids), IDS_PER_READ):
            found = so24.call(
                "ProductService", "GetProducts",
                searchParams={"ProductIds": {"int": ids[start : start + IDS_PER_READ]}},
                returnProperties={"string": ["Id", "Stock"]},
            ) or []  # fmt: skip
            for product in found:
                if product["Id"] is not None:
                    figures[(identity, int(product["Id"]))] = decimal_or_none(product["Stock"])
    return figures


def _known(db_path: str | Path, flow: str, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    with connect(db_path) as con:
        if not sync_schema_exists(con):
            return set()
        return known_source_keys(con, flow, keys)


def made_by_hub(db_path: str | Path, product_ids: Iterable[int]) -> set[int]:
    """The 24SO products whose Rackbeat product R1/R3 created or adopted (their id map)."""
    return {int(k) for k in _known(db_path, HUB_PRODUCTS, [str(int(i)) for i in product_ids])}


def with_facts(
    record: Record, *, so24_stock: Decimal | None, by_hub: bool, counted: bool | None
) -> Record:
    """The staged record with the facts of this module (the derived ones computed here)."""
    rackbeat = decimal_or_none(record.get("stock_quantity"))
    return {
        **record,
        "so24_stock": so24_stock,
        "made_by_hub": by_hub,
        "counted": counted,
        "matches_so24": rackbeat is not None and so24_stock is not None and rackbeat == so24_stock,
        "unopened": counted is not True and could_be_unopened(record, so24_stock=so24_stock),
    }


def could_be_unopened(record: Mapping[str, Any], *, so24_stock: Decimal | None) -> bool:
    """Rackbeat at 0 while 24SO has another figure: only then is "ever counted?" worth a call."""
    return decimal_or_none(record.get("stock_quantity")) == 0 and so24_stock is not None and so24_stock != 0


def counted_in_rackbeat(client: AdjustmentReader, number: str) -> bool | None:
    """Whether Rackbeat has adjusted this product's stock at least once; None when it cannot tell."""
    found = client.inventory_adjustments(number, limit=1)
    return None if found is None else bool(found)


def add_facts(
    db_path: str | Path,
    client: AdjustmentReader,
    records: Sequence[tuple[str, Record]],
    *,
    so24_stock: Mapping[tuple[str, int], Decimal | None] | None,
) -> list[tuple[str, Record]]:
    """(identity, record) pairs with their stock facts; `record["so24_product_id"]` is the link.

    `so24_stock` is 24SO's figures by (identity, product id), None when the caller has none to give.
    """
    linked = [(identity, int(r["so24_product_id"])) for identity, r in records if r.get("so24_product_id") is not None]
    ours = made_by_hub(db_path, [pid for _, pid in linked])
    written = _known(db_path, STOCK_WRITES, [f"{identity}:{pid}" for identity, pid in linked])
    out: list[tuple[str, Record]] = []
    for identity, record in records:
        product_id = record.get("so24_product_id")
        if product_id is None:
            out.append((identity, with_facts(record, so24_stock=None, by_hub=False, counted=None)))
            continue
        figure = (so24_stock or {}).get((identity, int(product_id)))
        counted = True if f"{identity}:{int(product_id)}" in written else None
        if counted is None and could_be_unopened(record, so24_stock=figure):
            counted = counted_in_rackbeat(client, str(record["number"]))
        by_hub = int(product_id) in ours
        out.append((identity, with_facts(record, so24_stock=figure, by_hub=by_hub, counted=counted)))
    return out
