"""Whole-system snapshots of the sandboxes, the diff between two of them, and the rules a hub
tick's changes are held to (safety tests: test_collateral_damage.py).

A snapshot holds every record of every register the hub reads or writes, read through the
sandboxes' control APIs (which neither count against a budget nor draw faults):

- 24SO: products (Stock included), categories, companies, invoice orders with their rows;
- Rackbeat: products (stock figures included), product groups, customers, suppliers, orders with
  their lines, order shipments, customer invoices, inventory adjustments; custom-field values;
- Ongoing: articles (inventory included) and orders with their lines;
- Le New Black: inventory lines (stock figures, by the sandbox's SKU id), orders with their items
  (status included), retailers (reference included), the catalogue;
- Netvisor: customers, vendors and products of the main company, keyed by NetvisorKey.

24SO's second company is read only when asked for by name (`snapshot(sandbox, [..., "24so-2"])`,
OPTIONAL_REGISTERS): a test whose flows must not touch it proves so with it.

Records are flattened into dotted paths so a diff names the one field that moved
(`Addresses.Post.PostalArea`, `rows[3000001].Quantity`, `field_values[24so product id].value`).
A list of records (order rows, lines, custom-field values) is keyed by its id, not its position,
so a deleted row is one removed entry and not a shift of every row after it. A record or list
entry that appears or disappears is one change (`<record>` / the entry's path) whose value is the
entry itself, not one change per field inside it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from so24_pipelines.mapping import load_spec
from so24_pipelines.staging.db import connect
from so24_pipelines.sync.schema import table_exists
from so24_pipelines_tests.sandbox_process import SandboxProcess

RECORD = "<record>"

# system -> register -> (control-API path, key field of a record)
REGISTERS: dict[str, dict[str, tuple[str, str]]] = {
    "24so": {
        "products": ("24so/products", "Id"),
        "categories": ("24so/categories", "Id"),
        "companies": ("24so/companies", "Id"),
        "orders": ("24so/orders", "OrderId"),
    },
    "rackbeat": {
        "products": ("rackbeat/products", "number"),
        "product-groups": ("rackbeat/product-groups", "number"),
        "customers": ("rackbeat/customers", "number"),
        "suppliers": ("rackbeat/suppliers", "number"),
        "orders": ("rackbeat/orders", "number"),
        "order-shipments": ("rackbeat/order-shipments", "id"),
        "customer-invoices": ("rackbeat/customer-invoices", "number"),
        "inventory-adjustments": ("rackbeat/inventory-adjustments", "id"),
    },
    "ongoing": {
        "articles": ("ongoing/articles", "articleNumber"),
        "orders": ("ongoing/orders", "orderInfo.orderNumber"),
    },
    "lnb": {
        "inventory": ("lnb/inventory", "id"),
        "orders": ("lnb/orders", "reference"),
        "retailers": ("lnb/retailers", "id"),
        "products": ("lnb/products", "model"),
    },
    "netvisor": {
        "customers": ("netvisor/customers", "netvisorkey"),
        "vendors": ("netvisor/vendors", "netvisorkey"),
        "products": ("netvisor/products", "netvisorkey"),
    },
}
SECOND_COMPANY = "4a1d7c2e-0b6f-4e1a-9c24-000000000002"  # the 24SO sandbox's second identity
OPTIONAL_REGISTERS: dict[str, dict[str, tuple[str, str]]] = {
    "24so-2": {
        "products": (f"24so/products?identity={SECOND_COMPANY}", "Id"),
        "companies": (f"24so/companies?identity={SECOND_COMPANY}", "Id"),
        "orders": (f"24so/orders?identity={SECOND_COMPANY}", "OrderId"),
    },
    # Smartdok (S1-S3) and 24SO's hours with what they refer to (S3), watched by the Smartdok suite only.
    "smartdok": {
        "users": ("smartdok/users", "Id"),
        "projects": ("smartdok/projects", "Id"),
        "activities": ("smartdok/activities", "Id"),
        "wages": ("smartdok/wages", "Id"),
        "hours": ("smartdok/hours", "WorkHourID"),
    },
    "24so-time": {
        "hours": ("24so/hours", "Id"),
        "persons": ("24so/persons", "Id"),
        "projects": ("24so/projects", "Id"),
        "work_types": ("24so/work_types", "Id"),
        "salary_types": ("24so/salary_types", "Id"),
    },
}

# How the entries of a list inside a record are told apart, by the list's name; a list not named
# here is keyed by the first of LIST_KEYS its entries all carry, else by position.
LIST_KEY_BY_NAME = {
    "rows": "RowId",  # 24SO invoice rows
    "lines": "id",  # Rackbeat order, invoice and shipment lines
    "orderLines": "rowNumber",  # Ongoing order lines
    "field_values": "name",  # Rackbeat custom-field values (name is unique per resource)
    "metadata": "slug",
}
LIST_KEYS = ("RowId", "rowNumber", "id", "field_id", "slug", "number", "Id")

Record = dict[str, Any]
Snapshot = dict[str, dict[str, dict[str, Record]]]  # system -> register -> key -> flattened record


@dataclass(frozen=True)
class Change:
    """One field of one record that differs between two snapshots.

    `field` is a flattened path; RECORD for a whole record added (`before` None) or removed
    (`after` None); a list entry's path (`rows[3000001]`) for an entry added or removed.
    """

    system: str
    entity: str
    key: str
    field: str
    before: Any
    after: Any

    @property
    def added(self) -> bool:
        return self.before is None and self.field == RECORD

    @property
    def removed(self) -> bool:
        return self.after is None and self.field == RECORD

    def __str__(self) -> str:
        return f"{self.system} {self.entity} {self.key} {self.field}: {_short(self.before)} -> {_short(self.after)}"


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _dig(record: Mapping[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _list_key(name: str, entries: list[Any]) -> str | None:
    if not entries or not all(isinstance(e, Mapping) for e in entries):
        return None
    wanted = LIST_KEY_BY_NAME.get(name)
    candidates = (wanted,) if wanted else LIST_KEYS
    for key in candidates:
        values = [e.get(key) for e in entries]
        if all(v is not None for v in values) and len(set(map(str, values))) == len(values):
            return key
    return None


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) for every leaf; a keyed list entry also yields (its path, the whole entry)."""
    if isinstance(value, Mapping):
        for name, inner in value.items():
            yield from flatten(inner, f"{prefix}.{name}" if prefix else str(name))
        return
    if isinstance(value, list) and not value:
        return  # an empty list of records is no record (and not a value that can become null)
    if isinstance(value, list) and all(isinstance(e, Mapping) for e in value):
        name = prefix.rsplit(".", 1)[-1].split("[", 1)[0]
        key = _list_key(name, value)
        for index, entry in enumerate(value):
            path = f"{prefix}[{entry[key] if key else '#' + str(index)}]"
            yield path, dict(entry)
            yield from flatten(entry, path)
        return
    yield prefix, value


def flat(record: Mapping[str, Any]) -> Record:
    return dict(flatten(record))


def snapshot(sandbox: SandboxProcess, systems: Iterable[str] = REGISTERS) -> Snapshot:
    """Every record of every register of `systems`, flattened, keyed by its key as text."""
    out: Snapshot = {}
    for system in systems:
        out[system] = {}
        for register, (path, key) in {**REGISTERS, **OPTIONAL_REGISTERS}[system].items():
            body = sandbox.control("GET", path).json()
            rows = body[path.split("/", 1)[1]] if isinstance(body, dict) else body
            out[system][register] = {str(_dig(row, key)): flat(row) for row in rows}
    return out


def _is_entry(path: str) -> bool:
    return path.endswith("]")


def _under(path: str, entries: set[str]) -> bool:
    """Whether `path` is inside one of the list entries `entries` (added or removed as a whole)."""
    return any(path.startswith(entry) and path != entry for entry in entries)


def record_changes(system: str, entity: str, key: str, before: Record, after: Record) -> list[Change]:
    """The fields that differ between two versions of one flattened record."""
    paths = sorted(before.keys() | after.keys())
    whole = {p for p in paths if _is_entry(p) and ((p in before) != (p in after))}
    out = []
    for path in paths:
        old, new = before.get(path), after.get(path)
        if old == new:
            continue  # a null and a field not rendered are the same
        if _is_entry(path) and path not in whole:
            continue  # an entry present on both sides: its fields tell what changed
        if _under(path, whole):
            continue
        out.append(Change(system, entity, key, path, old, new))
    return out


def diff(before: Snapshot, after: Snapshot) -> list[Change]:
    """Every change from `before` to `after`: records added or removed, and fields that differ."""
    out: list[Change] = []
    for system, registers in after.items():
        for entity, records in registers.items():
            old_records = before.get(system, {}).get(entity, {})
            for key in sorted(old_records.keys() | records.keys()):
                old, new = old_records.get(key), records.get(key)
                if old is None:
                    out.append(Change(system, entity, key, RECORD, None, _unflat_summary(new)))
                elif new is None:
                    out.append(Change(system, entity, key, RECORD, _unflat_summary(old), None))
                else:
                    out.extend(record_changes(system, entity, key, old, new))
    return out


def _unflat_summary(record: Record | None) -> dict[str, Any]:
    """A flattened record's own fields (not its lists), enough to read what was added or removed."""
    return {k: v for k, v in (record or {}).items() if "[" not in k and v is not None}


# ---- the loader's log ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LogRow:
    """One `sync.sync_log` row: one outcome of one record of one load (X8)."""

    id: int
    run_id: str
    flow: str
    source_key: str
    business_key: str | None
    target_key: str | None
    action: str
    reason: str | None


def last_log_id(db: Path) -> int:
    """The newest sync_log id so far (0 before the loader's first run)."""
    if not db.exists():
        return 0
    with connect(db) as con:
        if not table_exists(con, "sync_log"):
            return 0
        return int(con.execute("SELECT coalesce(max(id), 0) FROM sync.sync_log").fetchall()[0][0])


def sync_log(db: Path, after_id: int = 0) -> list[LogRow]:
    """Every sync_log row logged after `after_id`, oldest first."""
    with connect(db) as con:
        rows = con.execute(
            "SELECT id, run_id, flow, source_key, business_key, target_key, action, reason "
            "FROM sync.sync_log WHERE id > ? ORDER BY id",
            [after_id],
        ).fetchall()
    return [LogRow(*row) for row in rows]


# ---- who may change what -------------------------------------------------------------------------
#
# A flow (a loader flow key in sync.sync_log) writes one register of one system, and may change
# there only the fields its mapping spec maps (`Spec.owned_fields`), renamed to the field names
# the system renders (`_DUMP_NAMES`), plus what is listed beside it with the reason. Which record a
# sync_log row names is the row's target key, unless `names` says otherwise.

Names = Callable[["LogRow", "Snapshot", "Snapshot"], set[str]]


def _by_target(row: LogRow, before: Snapshot, after: Snapshot) -> set[str]:
    return {row.target_key} if row.target_key else set()


def _by_target_or_business_key(row: LogRow, before: Snapshot, after: Snapshot) -> set[str]:
    """For a flow whose business key is the target's key (R3: the Rackbeat product number), so a
    write whose answer was lost (no target key) still names its record."""
    key = row.target_key or row.business_key
    return {key} if key else set()


def _by_source(row: LogRow, before: Snapshot, after: Snapshot) -> set[str]:
    return {row.source_key}


def _where(system: str, entity: str, field: str, value: Callable[[LogRow], str | None]) -> Names:
    """The records of a register whose `field` holds the value the row names (before or after)."""

    def names(row: LogRow, before: Snapshot, after: Snapshot) -> set[str]:
        wanted = value(row)
        if wanted is None:
            return set()
        return {
            key
            for snap in (before, after)
            for key, record in snap.get(system, {}).get(entity, {}).items()
            if str(record.get(field)) == str(wanted)
        }

    return names


@dataclass(frozen=True)
class Writes:
    """What one flow may change in one register: its spec's owned fields and `also` (dump paths)."""

    system: str
    entity: str
    spec: str | None = None
    also: tuple[str, ...] = ()
    names: Names = _by_target
    adds: bool = True  # may create records there

    def patterns(self) -> tuple[re.Pattern[str], ...]:
        return _owned_patterns(self.spec, self.also)

    def owns(self, path: str) -> bool:
        return any(p.fullmatch(path) for p in self.patterns())


# Spec field -> the path(s) the system renders it under, where they differ. A spec field not listed
# is rendered under its own path. `()` = no field of the record (a key, a link, a hash-only value).
_DUMP_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    # Rackbeat renders the group a product is in as its number and the group's settings.
    "rackbeat_products_to_rackbeat": {"group": ("group_id", "group.*", "is_sellable", "inventory_enabled")},
    "rackbeat_invoices_to_so24": {"InvoiceRows.InvoiceRow": ("rows",)},
    "rackbeat_opening_stock": {"number": (), "quantity": ("stock_quantity",)},
    "rackbeat_orders": {"customer_so24_id": ("customer_id", "customer.*"), "lines": ("lines",)},
    "rackbeat_order_sent": {"OrderId": ()},
    "rackbeat_order_edits": {"OrderId": (), "rackbeat_order": (), "lines": ("rows",)},
    "rackbeat_stock": {"productId": (), "stockQuantity": ("Stock",), "so24Stock": ()},
    "ongoing_stock": {"productId": (), "stockQuantity": ("Stock",), "so24Stock": ()},
    "ongoing_order_sent": {"OrderId": ()},
    "ongoing_order_imported": {"OrderId": ()},
    "lnb_stock": {"code": ()},  # the code names the line; only in_stock is written
    "smartdok_employees": {"FirstName": ("Name",), "LastName": ("Name",)},  # Smartdok keeps one Name
    "lnb_orders_to_so24": {"InvoiceRows.InvoiceRow": ("rows",)},
    "ongoing_suppliers": {
        "supplierNumber": (),
        "supplierName": ("supplierInfo.supplierName",),
        "articles": (),
    },
}


def _dump_paths(spec: str, path: str) -> tuple[str, ...]:
    renamed = _DUMP_NAMES.get(spec, {})
    if path in renamed:
        return renamed[path]
    if spec == "rackbeat_orders" and path.startswith("header."):
        return (path.removeprefix("header."),)  # the header fields are the order's own
    if spec == "ongoing_orders" and not path.startswith(("consignee.", "orderLines")):
        return (f"orderInfo.{path}",)  # Ongoing renders the order's own fields under orderInfo
    if spec.startswith("netvisor_") and spec.endswith("_to_netvisor"):
        return (path.rsplit(".", 1)[-1],)  # the sandbox renders an import's element by its own name
    return (path,)


def _compile(pattern: str) -> re.Pattern[str]:
    """`x` itself; `x.*` anything under x; `x[*]` any entry of the list x."""
    text = re.escape(pattern).replace(r"\[\*\]", r"\[[^\]]+\]").replace(r"\*", ".*")
    return re.compile(text)


_PATTERNS: dict[tuple[str | None, tuple[str, ...]], tuple[re.Pattern[str], ...]] = {}


def _owned_patterns(spec: str | None, also: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    key = (spec, also)
    if key not in _PATTERNS:
        paths = [
            p
            for field in (load_spec(spec).owned_fields if spec else ())
            for p in _dump_paths(spec or "", field)
        ]
        patterns = [q for p in (*paths, *also) for q in (p, f"{p}.*", f"{p}[*]", f"{p}[*].*")]
        _PATTERNS[key] = tuple(_compile(p) for p in patterns)
    return _PATTERNS[key]


def _article_by_system_id(row: LogRow, before: Snapshot, after: Snapshot) -> set[str]:
    return _where("ongoing", "articles", "articleSystemId", lambda r: r.target_key)(row, before, after)


def _wms_order_by_id(row: LogRow, before: Snapshot, after: Snapshot) -> set[str]:
    return _where("ongoing", "orders", "orderInfo.orderId", lambda r: r.target_key)(row, before, after)


# The hub's link in a Rackbeat record: its custom field (and the `metadata` Rackbeat renders from it).
RB_LINK = ("field_values[*]", "metadata[*]")
# R6's target sets the order back to Confirmed with its rows (FLOWS.md R6, docs/flows/rackbeat_orders.md),
# though the spec maps only the rows.
R6_STATUS = ("OrderStatus",)

# flow -> the register its source records are in, where the hub also creates records (an echo
# would be a record created from one of those).
FLOW_SOURCES: dict[str, tuple[str, str]] = {
    "R1.products.to_rackbeat": ("24so", "products"),
    "R1.products.to_so24": ("rackbeat", "products"),
    "R2.customers.to_rackbeat": ("24so", "companies"),
    "R2.customers.to_so24": ("rackbeat", "customers"),
    "R2.suppliers.to_rackbeat": ("24so", "companies"),
    "R2.suppliers.to_so24": ("rackbeat", "suppliers"),
    "O1": ("24so", "products"),
    **{f"{f}.{r}.to_netvisor": ("rackbeat", r) for f in ("N1", "N3") for r in ("customers", "suppliers", "products")},
    "N1.customers.to_rackbeat": ("netvisor", "customers"),
    "N1.suppliers.to_rackbeat": ("netvisor", "vendors"),
    "N1.products.to_rackbeat": ("netvisor", "products"),
}

FLOW_WRITES: dict[str, tuple[Writes, ...]] = {
    "R1.product_groups.to_rackbeat": (Writes("rackbeat", "product-groups", "rackbeat_product_groups"),),
    "R1.products.to_rackbeat": (Writes("rackbeat", "products", "rackbeat_products_to_rackbeat", RB_LINK),),
    "R1.products.to_so24": (
        Writes("24so", "products", "rackbeat_products_to_so24"),
        Writes("rackbeat", "products", None, RB_LINK, _by_source, adds=False),  # the new 24SO id, linked back
    ),
    "R2.customers.to_rackbeat": (Writes("rackbeat", "customers", "rackbeat_customers_to_rackbeat", RB_LINK),),
    "R2.customers.to_so24": (
        Writes("24so", "companies", "rackbeat_customers_to_so24"),
        Writes("rackbeat", "customers", None, RB_LINK, _by_source, adds=False),
    ),
    "R2.suppliers.to_rackbeat": (Writes("rackbeat", "suppliers", "rackbeat_suppliers_to_rackbeat", RB_LINK),),
    "R2.suppliers.to_so24": (
        Writes("24so", "companies", "rackbeat_suppliers_to_so24"),
        Writes("rackbeat", "suppliers", None, RB_LINK, _by_source, adds=False),
    ),
    "R7.invoices.to_so24": (Writes("24so", "orders", "rackbeat_invoices_to_so24"),),
    "R3.stock.to_rackbeat": (
        Writes("rackbeat", "products", "rackbeat_opening_stock", names=_by_target_or_business_key, adds=False),
        Writes(
            "rackbeat",
            "inventory-adjustments",
            None,
            (),
            _where("rackbeat", "inventory-adjustments", "item_number", lambda r: r.target_key or r.business_key),
        ),
    ),
    "R4": (Writes("rackbeat", "orders", "rackbeat_orders", RB_LINK),),  # the order's "24so order id"
    "R5": (Writes("24so", "orders", "rackbeat_order_sent", adds=False),),
    "R6": (Writes("24so", "orders", "rackbeat_order_edits", R6_STATUS, adds=False),),
    "R8": (Writes("24so", "products", "rackbeat_stock", adds=False),),
    "O1": (Writes("ongoing", "articles", "ongoing_articles", (), _article_by_system_id),),
    "O2": (Writes("ongoing", "orders", "ongoing_orders", (), _wms_order_by_id),),
    "O3": (Writes("24so", "orders", "ongoing_order_sent", adds=False),),
    "O3.import": (Writes("24so", "orders", "ongoing_order_imported", adds=False),),
    "O4": (
        Writes(
            "ongoing",
            "articles",
            "ongoing_suppliers",
            (),
            _where("ongoing", "articles", "supplierInfo.supplierNumber", lambda r: r.source_key),
            adds=False,
        ),
    ),  # fmt: skip
    "O5": (Writes("24so", "products", "ongoing_stock", adds=False),),
    # L1 writes in_stock on the LNB line its code names; L2 creates 24SO orders of the paired company,
    # and L2.ack sets the status of the LNB order it exported (the loader's target key: its reference).
    "L1.ean13": (
        Writes("lnb", "inventory", "lnb_stock", (), _where("lnb", "inventory", "ean13", lambda r: r.target_key or r.business_key),
               adds=False),
    ),
    "L1.sku": (
        Writes("lnb", "inventory", "lnb_stock", (), _where("lnb", "inventory", "sku", lambda r: r.target_key or r.business_key),
               adds=False),
    ),
    "L2": (Writes("24so", "orders", "lnb_orders_to_so24"),),
    "L2.ack": (Writes("lnb", "orders", None, ("status",), _by_target_or_business_key, adds=False),),
    # Netvisor <-> Rackbeat: N1 either way, N3 towards Netvisor with N1's specs, and N2's overwrite of
    # the Netvisor customer card linked by business ID. The target key is the NetvisorKey or the
    # Rackbeat number.
    **{
        f"{flow}.{register}.to_netvisor": (Writes("netvisor", entity, f"netvisor_{register}_to_netvisor"),)
        for flow in ("N1", "N3")
        for register, entity in (("customers", "customers"), ("suppliers", "vendors"), ("products", "products"))
    },
    **{
        f"N1.{register}.to_rackbeat": (Writes("rackbeat", register, f"netvisor_{register}_to_rackbeat"),)
        for register in ("customers", "suppliers", "products")
    },
    "N2.customers.overwrite": (Writes("netvisor", "customers", "netvisor_customers_to_netvisor", adds=False),),
    # Smartdok: S1 users and S2 projects (target key: the Smartdok id), S3 24SO hours (the 24SO hour
    # id) and S3.mark the export flag of the Smartdok hour it names (the WorkHourID).
    "S1": (Writes("smartdok", "users", "smartdok_employees"),),
    "S2": (Writes("smartdok", "projects", "smartdok_projects"),),
    "S3": (Writes("24so-time", "hours", "smartdok_hours"),),
    "S3.mark": (Writes("smartdok", "hours", None, ("ExportedExternal", "ExportedExternalId", "Exported"), adds=False),),
}


# ---- what a system derives itself ---------------------------------------------------------------
#
# A field no flow writes but the system computes from other data (a total from the rows, a name
# rendered from the product, a change time) may change when, and only when, what it is computed
# from changed in the same window. That cause is itself held to the rules.


class View:
    """The changes of one window, by record, with the snapshots on both sides."""

    def __init__(self, changes: list[Change], before: Snapshot, after: Snapshot,
                 written: frozenset[tuple[str, str, str]] = frozenset()) -> None:  # fmt: skip
        self.changes = changes
        self.before, self.after = before, after
        self.written = written  # records a sync_log write of this window names
        self.by_record: dict[tuple[str, str, str], list[Change]] = {}
        for change in changes:
            self.by_record.setdefault((change.system, change.entity, change.key), []).append(change)

    def record(self, system: str, entity: str, key: str) -> Record:
        return (
            self.after.get(system, {}).get(entity, {}).get(key)
            or self.before.get(system, {}).get(entity, {}).get(key)
            or {}
        )

    def changed(
        self, system: str, entity: str, key: str | None, *patterns: str, besides: Change | None = None
    ) -> bool:
        """Whether a field of that record matching one of `patterns` changed (`*` for any, record included)."""
        if key is None:
            return False
        compiled = [_compile(p) for p in patterns]
        return any(
            c is not besides and (c.field == RECORD or any(p.fullmatch(c.field) for p in compiled))
            for c in self.by_record.get((system, entity, str(key)), [])
        )

    def records_changed(self, system: str, entity: str, holds: Callable[[Record], bool]) -> bool:
        """Whether any record of the register that satisfies `holds` (before or after) changed."""
        return any(
            holds(self.record(system, entity, key))
            for (s, e, key) in self.by_record
            if (s, e) == (system, entity)
        )


Cause = Callable[[Change, View], bool]


def _same(*patterns: str) -> Cause:
    return lambda c, v: v.changed(c.system, c.entity, c.key, *patterns, besides=c)


def _entry(path: str) -> str:
    return path[: path.index("]") + 1]


def _same_entry(*fields: str) -> Cause:
    def cause(c: Change, v: View) -> bool:
        entry = _entry(c.field)
        return v.changed(c.system, c.entity, c.key, entry, *(f"{entry}.{f}" for f in fields), besides=c)

    return cause


def _touched(c: Change, v: View) -> bool:
    """A change time: anything else of the record changed, or the hub wrote the record (a write
    that changed no value still moves it: a save is a save, whatever it carries)."""
    return (c.system, c.entity, c.key) in v.written or v.changed(c.system, c.entity, c.key, "*", besides=c)


def _holds_item(lines: str, item: str, number: str) -> Callable[[Record], bool]:
    pattern = _compile(f"{lines}[*].{item}")
    return lambda record: any(pattern.fullmatch(k) and str(v) == number for k, v in record.items())


def _orders_of_product(c: Change, v: View) -> bool:
    """Rackbeat reserves (in_order, available) what booked orders hold of a product."""
    return v.records_changed("rackbeat", "orders", _holds_item("lines", "item.number", c.key)) or v.changed(
        c.system, c.entity, c.key, "stock_quantity", besides=c
    )


def _wms_orders_of_article(c: Change, v: View) -> bool:
    """The WMS books (booked, sellable, allocated) what its orders hold of an article."""
    return v.records_changed(
        "ongoing", "orders", _holds_item("orderLines", "article.articleNumber", c.key)
    ) or v.changed(c.system, c.entity, c.key, "inventoryInfo.numberOfItems", besides=c)


def _line_product(c: Change, v: View) -> bool:
    """An order line renders its product's current name and barcode."""
    number = v.record(c.system, c.entity, c.key).get(f"{_entry(c.field)}.item.number")
    return v.changed("rackbeat", "products", str(number), c.field.rsplit(".", 1)[-1])


def _party_name(system: str, entity: str, id_field: str, name_field: str) -> Cause:
    def cause(c: Change, v: View) -> bool:
        party = v.record(c.system, c.entity, c.key).get(id_field)
        return v.changed(system, entity, None if party is None else str(party), name_field)

    return cause


def _products_regrouped(c: Change, v: View) -> bool:
    return any(
        ch.field in (RECORD, "group_id")
        for ch in v.changes
        if (ch.system, ch.entity) == ("rackbeat", "products")
    )


DERIVED: dict[tuple[str, str], tuple[tuple[str, Cause], ...]] = {
    ("24so", "products"): (("DateChanged", _touched),),
    ("24so", "companies"): (("DateChanged", _touched),),
    ("24so", "orders"): (
        ("DateChanged", _touched),
        ("OrderTotalIncVat", _same("rows[*]", "rows[*].*")),
        ("OrderTotalVat", _same("rows[*]", "rows[*].*")),
        ("CustomerName", _party_name("24so", "companies", "CustomerId", "Name")),
    ),
    ("rackbeat", "products"): (
        ("updated_at", _touched),
        ("recommended_sales_price", _same("sales_price")),
        ("cost_price", _same("recommended_cost_price")),
        ("metadata[*]", _same("field_values[*]", "field_values[*].*")),
        ("metadata[*].*", _same("field_values[*]", "field_values[*].*")),
        ("in_order_quantity", _orders_of_product),
        ("available_quantity", _orders_of_product),
    ),
    ("rackbeat", "product-groups"): (("updated_at", _touched), ("num_products", _products_regrouped)),
    ("rackbeat", "customers"): (("updated_at", _touched), ("company_name", _same("name"))),
    ("rackbeat", "suppliers"): (("updated_at", _touched), ("company_name", _same("name"))),
    ("rackbeat", "orders"): (
        ("updated_at", _touched),
        ("lines[*].item.name", _line_product),
        ("lines[*].item.barcode", _line_product),
        ("lines[*].line_total", _same_entry("quantity", "line_price", "discount_percentage")),
        ("total_*", _same("lines[*]", "lines[*].*")),
        ("customer.name", _party_name("rackbeat", "customers", "customer_id", "name")),
    ),
    # LNB stamps a stock write's time, and an order's change time and first confirmation on a status move.
    ("lnb", "inventory"): (("in_stock_update_time", _touched),),
    ("lnb", "orders"): (
        ("update_time", _touched),
        ("confirmation_time", _same("status")),
        ("items[*].confirmation_time", _same("status")),
        ("cancellation_time", _same("status")),
    ),
    ("ongoing", "articles"): (
        ("articleDataLastUpdated", _touched),
        ("inventoryInfo.numberOfBookedItems", _wms_orders_of_article),
        ("inventoryInfo.sellableNumberOfItems", _wms_orders_of_article),
        ("inventoryInfo.allocatedNumberOfItems", _wms_orders_of_article),
    ),
    ("netvisor", "customers"): (("changed_at", _touched),),
    ("netvisor", "vendors"): (("changed_at", _touched),),
    ("netvisor", "products"): (("changed_at", _touched),),
    # Smartdok stamps a write's time; a v1 hour renders its user's, project's, activity's and wage's
    # current number and name, so it changes when they do (S1/S2's writes, a user's renumbering).
    ("smartdok", "projects"): (("Updated", _touched),),
    ("smartdok", "hours"): (
        ("LastUpdated", _touched),
        ("EmployeeNo", _party_name("smartdok", "users", "UserID", "EmployeeNo")),
        ("Project(Number|No)", _party_name("smartdok", "projects", "ProjectID", "ProjectNumber")),
        ("ProjectName", _party_name("smartdok", "projects", "ProjectID", "ProjectName")),
        ("WorkDescriptionCode", _party_name("smartdok", "activities", "WorkDescriptionId", "Number")),
        ("WorkDescription", _party_name("smartdok", "activities", "WorkDescriptionId", "Name")),
        ("WageCode", _party_name("smartdok", "wages", "WageId", "Number")),
        ("WageName", _party_name("smartdok", "wages", "WageId", "Name")),
    ),
    ("24so-time", "hours"): (("DateChanged", _touched),),
}


def derived(change: Change, view: View) -> bool:
    for pattern, cause in DERIVED.get((change.system, change.entity), ()):
        if _compile(pattern).fullmatch(change.field) and cause(change, view):
            return True
    return False


# ---- the rules ----------------------------------------------------------------------------------

WRITE_ACTIONS = frozenset({"create", "update", "resolved"})
STOCK_MASTERS = {
    # flow -> (system, register keyed by 24SO's product No, the figure the flow writes into 24SO)
    "R8": ("rackbeat", "products", "stock_quantity"),
    "O5": ("ongoing", "articles", "inventoryInfo.sellableNumberOfItems"),
}
# O5 compares the WMS with 24SO's staged figure every tick, so a 24SO count is set back to the WMS's
# figure (docs/flows/ongoing.md: "a drift on either side is corrected"); R8 writes only what a
# Rackbeat event brings, so a 24SO count is no reason for it to write.
CORRECTS_DRIFT = frozenset({"O5"})


@dataclass(frozen=True)
class Damage:
    """A change the rules do not allow, with the evidence."""

    rule: str
    window: str
    change: Change
    detail: str = ""

    def __str__(self) -> str:
        return f"[{self.rule}] {self.window}: {self.change}" + (f" ({self.detail})" if self.detail else "")


def _present(value: Any) -> bool:
    return value not in (None, "", {}, [])


def number(value: Any) -> Decimal | None:
    """A figure as a number; a missing one is 0 (24SO renders no Stock for a product never stocked)."""
    try:
        return Decimal(str(value)) if _present(value) else Decimal(0)
    except ArithmeticError:
        return None


class Rules:
    """The collateral-damage rules over a run's windows (a user window, then a hub tick, ...).

    - Ownership: a hub change of a field is explained by a sync_log write (create, update,
      resolved) of this tick, of a flow that owns the field (FLOW_WRITES), naming the record; or it
      is a field the system derives from a change of this window (DERIVED). A record the hub added
      needs such a create; no flow deletes a record.
    - Null: no non-null value becomes null (or empty) in a hub tick.
    - Stock: 24SO's Stock moves in a hub tick only to the stock master's figure, for a product
      whose stock had an event by then (the master's figure moved: a count, a receipt, a shipment, a
      booking; or 24SO's figure was counted by a user); Rackbeat's stock moves only by R3's
      opening stock, from 0 to 24SO's figure.
    - Lost edit: in a two-way flow (direction `both`) no hub write puts back the value a user
      changed in the window before (a one-way flow's target fields are its source's to set).
    - Echo: no record is created from a record the hub itself created (a twin of its source).

    With faults, a write whose answer was lost is logged as a fail: it explains what it wrote, and
    (without a target key) one record of its register that no row names.
    """

    def __init__(self, *, stock_master: str | None, two_way: frozenset[str], faults: bool) -> None:
        self.targets: dict[tuple[str, str], set[str]] = {}
        self.stock_master = stock_master
        self.two_way = two_way
        # With injected faults a write may be done by the target while its answer is lost: the loader
        # logs a fail (and retries the record next tick, which logs the write it then confirms).
        self.actions = WRITE_ACTIONS | ({"fail"} if faults else set())
        self.stock_events: dict[str, str] = {}  # 24SO product id -> what moved its stock first
        self.user_edits: dict[tuple[str, str, str, str], Change] = {}
        self.damage: list[Damage] = []
        self.explained = 0
        self.hub_made: dict[tuple[str, str, str], str] = {}  # records a hub tick added -> that tick

    # ---- windows ----

    def user_window(self, name: str, before: Snapshot, changes: list[Change], after: Snapshot) -> None:
        for change in changes:
            self.user_edits[(change.system, change.entity, change.key, change.field)] = change
        self._stock_events(name, changes, after, by_user=True)

    def hub_window(
        self, name: str, before: Snapshot, changes: list[Change], after: Snapshot, log: list[LogRow]
    ) -> list[Damage]:
        self._stock_events(name, changes, after, by_user=False)
        for change in changes:  # a tick may run several loads: an echo can come back within it
            if change.added:
                self.hub_made.setdefault((change.system, change.entity, change.key), name)
        writers = self._writers(log, before, after)
        view = View(changes, before, after, frozenset(writers))
        keyless = self._keyless_creates(log)
        found: list[Damage] = []
        for change in changes:
            record = (change.system, change.entity, change.key)
            flows = [
                (flow, writes)
                for flow, writes in writers.get(record, [])
                if change.field == RECORD or writes.owns(change.field)
            ]
            if change.field == RECORD:
                if change.removed:
                    found.append(Damage("removed", name, change, "no flow deletes a record"))
                elif any(w.adds for _, w in flows):
                    self.explained += 1
                    found += self._echo(name, change, log, before, after)
                elif keyless.get((change.system, change.entity), 0) > 0:
                    keyless[(change.system, change.entity)] -= 1  # a create whose answer was lost
                    self.explained += 1
                else:
                    found.append(
                        Damage("unexplained", name, change, "added without a create in sync.sync_log")
                    )
                continue
            if _present(change.before) and not _present(change.after) and not change.field.endswith("]"):
                found.append(Damage("null", name, change, "a value became null"))
                continue
            if flows:
                self.explained += 1
            elif not derived(change, view):
                found.append(Damage("unexplained", name, change, self._who(record, writers, log)))
                continue
            found += self._lost_edit(name, change, [f for f, _ in flows])
            found += self._stock(name, change, after)
        self.damage += found
        return found

    # ---- helpers ----

    def _echo(
        self, name: str, change: Change, log: list[LogRow], before: Snapshot, after: Snapshot
    ) -> list[Damage]:
        """A record created from a record the hub itself created (in the other system) is a twin of
        that record's own source: the hub's write came back as a new record."""
        out = []
        for row in map(self._named, log):
            source = FLOW_SOURCES.get(row.flow)
            if row.action != "create" or source is None:
                continue
            made_here = any(
                w.adds
                and (w.system, w.entity) == (change.system, change.entity)
                and change.key in w.names(row, before, after)
                for w in FLOW_WRITES[row.flow]
            )
            made = self.hub_made.get((*source, row.source_key))
            if made_here and made is not None:
                detail = f"{row.flow} made it from {source[0]} {source[1]} {row.source_key}, which the hub itself made ({made})"
                out.append(Damage("echo", name, change, detail))
        return out

    def learn_targets(self, log: Iterable[LogRow]) -> None:
        """Which target record each (flow, source key) is, from every row of the run that names one:
        a write whose answer was lost is logged without it, and confirmed (resolved) by a later tick."""
        for row in log:
            if row.target_key:
                self.targets.setdefault((row.flow, row.source_key), set()).add(row.target_key)

    def _named(self, row: LogRow) -> LogRow:
        known = self.targets.get((row.flow, row.source_key), set())
        return replace(row, target_key=next(iter(known))) if not row.target_key and len(known) == 1 else row

    def _writers(
        self, log: list[LogRow], before: Snapshot, after: Snapshot
    ) -> dict[tuple[str, str, str], list[tuple[str, Writes]]]:
        out: dict[tuple[str, str, str], list[tuple[str, Writes]]] = {}
        for row in map(self._named, log):
            if row.action not in self.actions:
                continue
            for writes in FLOW_WRITES.get(row.flow, ()):
                for key in writes.names(row, before, after):
                    out.setdefault((writes.system, writes.entity, str(key)), []).append((row.flow, writes))
        return out

    def _keyless_creates(self, log: list[LogRow]) -> dict[tuple[str, str], int]:
        """Writes the loader could not confirm (no target key): each may have added one record that no
        row names (its answer was lost; a later retry may have found it, or made another one)."""
        out: dict[tuple[str, str], int] = {}
        for row in log:
            if row.action in self.actions and not row.target_key:
                for writes in FLOW_WRITES.get(row.flow, ()):
                    if writes.adds:
                        out[(writes.system, writes.entity)] = out.get((writes.system, writes.entity), 0) + 1
        return out

    @staticmethod
    def _who(
        record: tuple[str, str, str],
        writers: dict[tuple[str, str, str], list[tuple[str, Writes]]],
        log: list[LogRow],
    ) -> str:
        flows = sorted({flow for flow, _ in writers.get(record, [])})
        if flows:
            return f"written by {', '.join(flows)} this tick, none of which owns the field"
        return "no sync_log write of this tick names the record"

    def _lost_edit(self, name: str, change: Change, flows: list[str]) -> list[Damage]:
        if not flows or not all(flow in self.two_way for flow in flows):
            return []
        edit = self.user_edits.get((change.system, change.entity, change.key, change.field))
        if edit is None or edit.after != change.before or edit.before != change.after:
            return []
        return [
            Damage(
                "lost edit", name, change, f"{', '.join(flows)} put back the value the user had just changed"
            )
        ]

    def _product_no(self, snap: Snapshot, so24_id: str) -> str | None:
        return snap.get("24so", {}).get("products", {}).get(so24_id, {}).get("No")

    def _stock_events(self, name: str, changes: list[Change], after: Snapshot, *, by_user: bool) -> None:
        for change in changes:
            moved = change.field != RECORD and number(change.before) != number(change.after)
            counted = by_user and (change.system, change.entity, change.field) == (
                "24so",
                "products",
                "Stock",
            )
            if counted and moved and self.stock_master in CORRECTS_DRIFT:
                self.stock_events.setdefault(change.key, f"counted in 24SO ({name})")
            if self.stock_master is None or not moved:
                continue
            system, entity, figure = STOCK_MASTERS[self.stock_master]
            watched = (figure, "inventoryInfo.numberOfItems") if system == "ongoing" else (figure,)
            if (change.system, change.entity) == (system, entity) and change.field in watched:
                for so24_id, product in after.get("24so", {}).get("products", {}).items():
                    if product.get("No") == change.key:
                        self.stock_events.setdefault(so24_id, f"{system} {change.field} moved ({name})")

    def _stock(self, name: str, change: Change, after: Snapshot) -> list[Damage]:
        if change.field == RECORD or number(change.before) == number(change.after):
            return []
        if (change.system, change.entity, change.field) == ("24so", "products", "Stock"):
            if self.stock_master is None:
                return [Damage("stock", name, change, "no stock master is on, yet 24SO's stock moved")]
            system, entity, figure = STOCK_MASTERS[self.stock_master]
            no = self._product_no(after, change.key)
            master = after.get(system, {}).get(entity, {}).get(no or "", {}).get(figure)
            if change.key not in self.stock_events:
                return [
                    Damage(
                        "stock",
                        name,
                        change,
                        f"no stock event for this product in {system}; its figure there is {master}",
                    )
                ]
            if number(change.after) != number(master):
                return [
                    Damage("stock", name, change, f"not the master's figure ({system} {figure} = {master})")
                ]
            return []
        if (change.system, change.entity, change.field) == ("rackbeat", "products", "stock_quantity"):
            so24_id = next(
                (k for k, p in after["24so"]["products"].items() if p.get("No") == change.key), None
            )
            so24_figure = after["24so"]["products"].get(so24_id or "", {}).get("Stock")
            if number(change.before) != 0 or number(change.after) != number(so24_figure):
                return [
                    Damage(
                        "stock",
                        name,
                        change,
                        f"only an opening stock from 0 to 24SO's figure ({so24_figure}) is the hub's",
                    )
                ]
        return []


def twins(snap: Snapshot) -> list[str]:
    """Records made twice: two Rackbeat records holding one 24SO id in the hub's field, two 24SO
    companies with one Rackbeat number in ExternalId, two 24SO products with one number, two 24SO
    orders with one reference, two WMS articles for one 24SO product."""
    checks = [
        *(
            (("rackbeat", table), f"field_values[24so {table[:-1]} id].value")
            for table in ("products", "customers", "suppliers", "orders")
        ),
        (("24so", "companies"), "ExternalId"),
        (("24so", "products"), "No"),
        (("24so", "orders"), "ReferenceNumber"),
        (("ongoing", "articles"), "productCode"),
        (("netvisor", "customers"), "internalidentifier"),
        (("netvisor", "vendors"), "code"),
        (("netvisor", "products"), "productcode"),
    ]
    out = []
    for (system, entity), field in checks:
        holders: dict[str, list[str]] = {}
        for key, record in snap.get(system, {}).get(entity, {}).items():
            if _present(record.get(field)):
                holders.setdefault(str(record[field]), []).append(key)
        out += [
            f"{system} {entity} {keys} all have {field} = {value}"
            for value, keys in holders.items()
            if len(keys) > 1
        ]
    return out
