"""Ongoing WMS data in staging: the articles' stock (O5) and the hub's orders' state (O3).

Why stage what the WMS says instead of comparing in memory: the reverse flows then map from
staging like every other flow (the pairs live in mapping specs), a record whose write failed is
still there on the next tick even though the incremental read will not return it again, and the
user can query what was compared (X7). The tables are declared in `flows/ongoing/tables.py`;
records become rows through the one JSON converter (`staging/rows.py`) with the Ongoing rules
declared there. A record with a value that does not convert (a time that is no time) is rejected
with its reason, like one whose value does not cast; the rest of the batch is staged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from so24_pipelines.flows.ongoing.tables import DIGITS_ONLY, TABLES, TRIM_TEXT
from so24_pipelines.staging.db import transaction
from so24_pipelines.staging.rows import convert, upsert_converted
from so24_pipelines.staging.schema import table_ddl
from so24_pipelines.staging.tables import StagingTable
from so24_pipelines.staging.upsert import UpsertResult
from so24_pipelines.sync.state import set_state


def stage(
    db_path: str | Path,
    table: StagingTable,
    identity: str,
    items: Iterable[Mapping[str, Any]],
    *,
    cursor: tuple[str, str] | None = None,
) -> UpsertResult:
    """Upsert WMS records and, in the same transaction, move the read's cursor (key, value).

    One transaction for both: a crash can never leave a cursor past rows that were not stored.
    """
    rows = convert(table, items, trim_text=TRIM_TEXT, digits_only=DIGITS_ONLY)
    with transaction(db_path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        con.execute(table_ddl(table))
        result = upsert_converted(con, table, rows, identity)
        if cursor is not None:
            set_state(con, cursor[0], cursor[1])
    return result


def ensure_tables(db_path: str | Path) -> None:
    """Create the WMS staging tables (empty) so specs over them can run before the first read."""
    with transaction(db_path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        for table in TABLES:
            con.execute(table_ddl(table))
