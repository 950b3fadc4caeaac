"""What each pair compares: per entity, the owning flow, its mapping spec, its id map, its direction.

The entities are the flows' own: R1 products and R2 customers/suppliers for 24SO <-> Rackbeat
(entities_specs), O1 articles for 24SO -> Ongoing. Their owned fields are the specs' (never a list
kept here), so a field a flow starts owning is compared from that night on. Stock is compared
where a stock master writes it (R8: Rackbeat's figure is 24SO's; O5: the WMS's figure), on the
products both sides have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from so24_pipelines.flows.rackbeat import entities_specs as rb
from so24_pipelines.flows.rackbeat.entities_flow import map_side
from so24_pipelines.flows.rackbeat.readiness import HUB_FIELDS
from so24_pipelines.flows.reconcile.compare import Sides
from so24_pipelines.mapping import load_spec
from so24_pipelines.mapping.engine import map_records
from so24_pipelines.staging.db import connect
from so24_pipelines.sync import MappedRecord, flow_key, source_keys_of, sync_schema_exists
from so24_pipelines.sync.log_reads import skipped_now
from so24_pipelines.sync.store import IdMapRow, read_id_map


@dataclass(frozen=True)
class EntityCheck:
    """One entity of one pair: `flow_id` owns it (its switch), `flow` is the loader key of the 24SO ->
    other way and `spec` its mapping; `back_flow` the loader key of the way back, when there is one."""

    pair: str
    name: str
    flow_id: str
    flow: str
    spec: str
    so24_entity: str
    back_flow: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    # (staging file, company, mapped records) -> the records as the flow sends them, where the flow
    # reshapes what its spec maps (L1: {<key>: code, in_stock: whole available units})
    reshape: Callable[[str | Path, str, list[MappedRecord]], list[MappedRecord]] | None = None
    compared: tuple[str, ...] | None = None

    @property
    def owned(self) -> tuple[str, ...]:
        if self.compared is not None:
            return self.compared
        spec = load_spec(self.spec)
        return tuple(f for f in spec.owned_fields if f not in spec.create_only_fields)

    def map(
        self, db_path: str | Path, identity: str, keys: list[str] | None = None
    ) -> dict[str, MappedRecord]:
        """24SO's records of `db_path` as the flow maps them (Rackbeat's 25-character rule, L1's units)."""
        if keys is None and self.pair == "rackbeat":
            records = map_side(db_path, self.spec, identity)
        else:
            records = map_records(db_path, load_spec(self.spec), identity, dict(self.params), keys=keys)
        if self.reshape is not None:
            records = self.reshape(db_path, identity, records)
        return {r.source_key: r for r in records}


def _rackbeat(entity: rb.EntitySpec) -> EntityCheck:
    so24_entity = "products" if entity.name == "products" else "companies"
    return EntityCheck(
        "rackbeat", entity.name, entity.flow_id, entity.to_rackbeat_flow, entity.to_rackbeat_spec, so24_entity,
        entity.to_so24_flow,
    )  # fmt: skip


RACKBEAT = (_rackbeat(rb.PRODUCTS), _rackbeat(rb.CUSTOMERS), _rackbeat(rb.SUPPLIERS))
ONGOING = (EntityCheck("ongoing", "articles", "O1", flow_key("O1"), "ongoing_articles", "products"),)
RACKBEAT_STOCK_FLOW = flow_key("R8")
WMS_STOCK_FLOW = flow_key("O5")


def id_map(db_path: str | Path, flow: str) -> dict[str, IdMapRow]:
    """The flow's id map rows by 24SO key (empty before any load)."""
    with connect(db_path) as con:
        if not sync_schema_exists(con):
            return {}
        return read_id_map(con, flow, source_keys_of(con, flow))


def skipped_by(db_path: str | Path, flow: str | None) -> set[str]:
    """The keys `flow` skips now (latest outcome in its sync log), none when there is no such flow."""
    if flow is None:
        return set()
    with connect(db_path) as con:
        return set(skipped_now(con, flow)) if sync_schema_exists(con) else set()


def rackbeat_link(entity: str) -> Callable[[Mapping[str, Any]], str | None]:
    """The Rackbeat record -> the 24SO id in the hub's custom field ("24so product id", ...)."""
    name = HUB_FIELDS[entity][0]

    def holder(record: Mapping[str, Any]) -> str | None:
        for value in record.get("field_values") or []:
            if value.get("name") == name and str(value.get("value") or "").strip():
                return str(value["value"]).strip()
        return None

    return holder


def rackbeat_sides(
    check: EntityCheck,
    so24: dict[str, MappedRecord],
    records: list[dict[str, Any]],
    links: dict[str, IdMapRow],
) -> Sides:
    # Products are matched by number (R1's business key is the 24SO id, the number is the key in Rackbeat);
    # customers and suppliers only by their link (Rackbeat numbers them itself).
    by_number = check.name == "products"
    keyed = {
        key: MappedRecord(r.source_key, r.payload, str(r.payload.get("number") or "") if by_number else None, r.skip_reason)
        for key, r in so24.items()
    }  # fmt: skip
    return Sides(
        so24=keyed,
        other={str(r["number"]): r for r in records},
        linked={k: row.target_key for k, row in links.items() if row.target_key},
        holder=rackbeat_link(check.name),
        business_key=(lambda r: str(r.get("number"))) if by_number else (lambda r: None),
    )


def wms_sides(
    so24: dict[str, MappedRecord], articles: list[dict[str, Any]], links: dict[str, IdMapRow]
) -> Sides:
    """O1 keys articles by number (its business key) and links them by articleSystemId (its target key)."""
    return Sides(
        so24=so24,
        other={str(a["articleSystemId"]): a for a in articles},
        linked={k: row.target_key for k, row in links.items() if row.target_key},
        holder=lambda a: str(a["productCode"]) if a.get("productCode") else None,
        business_key=lambda a: str(a.get("articleNumber") or "") or None,
    )


def so24_stock(db_path: str | Path, identity: str) -> dict[str, Any]:
    """24SO product id -> its Stock, from the scratch file the 24SO side was read into."""
    with connect(db_path) as con:
        rows = con.execute(
            "SELECT CAST(id AS VARCHAR), stock FROM staging.so24_products WHERE identity = ?", [identity]
        ).fetchall()
    return dict(rows)
