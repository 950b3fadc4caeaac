"""N2's reads: every record of a register on both sides, staged as one snapshot per register.

Why in full, every run: matching needs the whole register (a name or business ID is only unique
against all the others), and an initial sync is run a few times, not every 15 minutes. The calls:

- Netvisor customers: `customerlist.nv` (every key), then the cards (`getcustomer.nv?idlist=`, 500
  per call) for the addresses N1 carries; vendors: `getvendor.nv?changedsince=1970-01-01`, pages of
  500, which is the whole register with its fields; products: `productlist.nv?deleted=0` (a
  deleted product is no counterpart and is never carried) and the cards (`idlist`, 400 per call).
- Rackbeat customers, suppliers, products: their lists, 1000 a page.

All Netvisor calls go through the connector's company lock, one at a time (Netvisor refuses
overlapping calls). Both sides are fetched before anything is written, then staged in one short
transaction per register: a register's table is replaced (`replace_snapshot`), so a record deleted
in its system since the last read is not matched or carried any more. The record's business ID in
the form the cascade compares is added to it as `hub.business_id` (tables.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from so24_pipelines.connectors.netvisor import NetvisorClient
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.flows.netvisor.business_ids import business_id
from so24_pipelines.flows.netvisor.matching import Record, Register
from so24_pipelines.flows.netvisor.tables import DIGITS_ONLY, NETVISOR_CUSTOMERS, REGISTER_TABLES, TABLES
from so24_pipelines.flows.result import StagedRead
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.staging.rows import convert, upsert_converted
from so24_pipelines.staging.schema import table_ddl
from so24_pipelines.staging.tables import StagingTable

EVERYTHING = date(1970, 1, 1)
RACKBEAT_PAGE = 1000
Records = list[dict[str, Any]]


def ensure_tables(db_path: str | Path) -> None:
    """The Netvisor staging tables (IF NOT EXISTS), so the specs over them run before a first read."""
    with transaction(db_path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        for table in TABLES:
            con.execute(table_ddl(table))


def _with_business_id(record: Mapping[str, Any], text: Any) -> dict[str, Any]:
    return {**record, "hub": {"business_id": business_id(text)}}


def _netvisor_customers(nv: NetvisorClient) -> Records:
    keys = [int(row["Netvisorkey"]) for row in nv.list_customers()]
    cards = nv.get_customers(keys) if keys else []
    return [
        _with_business_id(c, c.get("CustomerBaseInformation", {}).get("ExternalIdentifier")) for c in cards
    ]


def _netvisor_vendors(nv: NetvisorClient) -> Records:
    vendors = nv.vendors_changed_since(EVERYTHING)
    return [_with_business_id(v, v.get("VendorBaseInformation", {}).get("OrganizationId")) for v in vendors]


def _netvisor_products(nv: NetvisorClient) -> Records:
    keys = [int(row["NetvisorKey"]) for row in nv.list_products(include_deleted=False)]
    return list(nv.get_products(keys)) if keys else []


NETVISOR_READS: dict[str, Callable[[NetvisorClient], Records]] = {
    "customers": _netvisor_customers,
    "suppliers": _netvisor_vendors,
    "products": _netvisor_products,
}


def read_netvisor(nv: NetvisorClient, register: Register) -> Records:
    """Every record of the Netvisor register (vendors for suppliers), ready for its staging table."""
    return NETVISOR_READS[register](nv)


def read_rackbeat(rb: RackbeatClient, register: Register) -> Records:
    """Every record of the Rackbeat register, ready for its staging table."""
    if register == "products":
        return list(rb.iter_products(page_size=RACKBEAT_PAGE))
    listing = rb.iter_customers if register == "customers" else rb.iter_suppliers
    return [_with_business_id(r, r.get("company_vat")) for r in listing(page_size=RACKBEAT_PAGE)]


def replace_snapshot(
    con: duckdb.DuckDBPyConnection, table: StagingTable, records: Iterable[Mapping[str, Any]], identity: str
) -> StagedRead:
    """Stage `records` as the whole of `table` for `identity`: upserted, and rows not among them deleted."""
    converted = convert(table, records, digits_only=DIGITS_ONLY & {c.name for c in table.columns})
    result = upsert_converted(con, table, converted, identity)
    rejected = {key for key, _ in result.rejected}
    kept = [
        str(k) for k in converted.columns.get(table.key[-1], []) if k is not None and str(k) not in rejected
    ]
    key = table.key[-1]
    con.execute(
        f"DELETE FROM {table.qualified} WHERE identity = ? "  # noqa: S608 - names from our declarations
        f"AND NOT list_contains(?::VARCHAR[], CAST({key} AS VARCHAR))",
        [identity, kept],
    )
    return StagedRead(
        table.name, None, None, result.received, result.inserted, result.updated, list(result.rejected)
    )


def stage_register(
    db_path: str | Path, identity: str, register: Register, netvisor: Records, rackbeat: Records
) -> tuple[StagedRead, StagedRead]:
    """Both sides of one register, staged in one transaction (the Netvisor read, the Rackbeat read)."""
    nv_table, rb_table = REGISTER_TABLES[register]
    with transaction(db_path) as con:
        for table in TABLES:
            con.execute(table_ddl(table))
        netvisor_read = replace_snapshot(con, nv_table, netvisor, identity)
        return netvisor_read, replace_snapshot(con, rb_table, rackbeat, identity)


def restage_netvisor_customers(
    db_path: str | Path, identity: str, nv: NetvisorClient, keys: list[int]
) -> None:
    """Read these Netvisor customer cards again and stage them as they are now (after N2 wrote them),
    so N1 maps what Netvisor holds and a second run finds nothing changed."""
    if not keys:
        return
    cards = [_with_business_id(c, c.get("CustomerBaseInformation", {}).get("ExternalIdentifier"))
             for c in nv.get_customers(keys)]  # fmt: skip
    converted = convert(NETVISOR_CUSTOMERS, cards, digits_only=DIGITS_ONLY)
    with transaction(db_path) as con:
        upsert_converted(con, NETVISOR_CUSTOMERS, converted, identity)


def staged_records(
    db_path: str | Path, identity: str, register: Register
) -> tuple[list[Record], list[Record]]:
    """The register's staged records as the cascade sees them: (Netvisor's, Rackbeat's)."""
    nv_table, rb_table = REGISTER_TABLES[register]
    nv_code = "product_code" if register == "products" else "code"
    nv_bid = "NULL" if register == "products" else "business_id"
    rb_bid = "NULL" if register == "products" else "business_id"
    with connect(db_path) as con:
        nv_rows = con.execute(
            f"SELECT CAST(netvisor_key AS VARCHAR), {nv_code}, name, {nv_bid} FROM {nv_table.qualified} "  # noqa: S608
            "WHERE identity = ? ORDER BY netvisor_key",
            [identity],
        ).fetchall()
        rb_rows = con.execute(
            f"SELECT CAST(number AS VARCHAR), CAST(number AS VARCHAR), name, {rb_bid} FROM {rb_table.qualified} "  # noqa: S608
            "WHERE identity = ? ORDER BY number",
            [identity],
        ).fetchall()
    return [Record(*row) for row in nv_rows], [Record(*row) for row in rb_rows]


def staged_row(db_path: str | Path, table: StagingTable, identity: str, key: str) -> dict[str, Any] | None:
    """One staged record by its key, as {column: value} (None when it is not staged)."""
    with connect(db_path) as con:
        cursor = con.execute(
            f"SELECT * FROM {table.qualified} WHERE identity = ? AND CAST({table.key[-1]} AS VARCHAR) = ?",  # noqa: S608
            [identity, key],
        )
        row = cursor.fetchone()
        names = [d[0] for d in cursor.description]
    return None if row is None else dict(zip(names, row, strict=True))
