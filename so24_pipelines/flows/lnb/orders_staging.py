"""LNB orders into staging: each order with its lines as one record, and the read's mark with them.

An order is staged whole or not at all (`upsert_converted_family`): a line that does not convert
(a quantity that is no number) rejects its order with the reason, and the order keeps what was
staged before, so L2 never maps 4 of 5 lines. The read's high-water mark is written in the same
transaction as the rows it covers: a crash can never leave a mark past orders that were not
stored. The tables and the DIGITS_ONLY rule are declared in `flows/lnb/tables.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from so24_pipelines.flows.lnb.tables import DIGITS_ONLY, ORDER_LINES, ORDERS, TABLES
from so24_pipelines.staging.db import transaction
from so24_pipelines.staging.rows import convert, upsert_converted_family
from so24_pipelines.staging.schema import table_ddl
from so24_pipelines.staging.upsert import UpsertResult
from so24_pipelines.sync.watermarks import write_watermark


@dataclass(frozen=True)
class Mark:
    """The read's high-water mark: its sync.state key, the latest update_time seen, when the read began."""

    key: str
    value: datetime
    not_after: datetime


def ensure_tables(db_path: str | Path) -> None:
    """Create the LNB staging tables (empty) so the spec over them runs before the first read."""
    with transaction(db_path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        for table in TABLES:
            con.execute(table_ddl(table))


def stage_orders(
    db_path: str | Path, identity: str, orders: Iterable[Mapping[str, Any]], *, mark: Mark | None = None
) -> UpsertResult:
    """Upsert LNB orders with their lines and, in the same transaction, move the mark; the orders' result."""
    converted = convert(ORDERS, orders, child=ORDER_LINES, digits_only=DIGITS_ONLY)
    with transaction(db_path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        for table in TABLES:
            con.execute(table_ddl(table))
        result, _ = upsert_converted_family(con, ORDERS, ORDER_LINES, converted, identity)
        if mark is not None:
            write_watermark(con, mark.key, mark.value, not_after=mark.not_after)
    return result
