"""Staging for the Rackbeat event flows R5, R6, R8: what Rackbeat said when a run read it.

The tables are declared with the other Rackbeat tables (tables.py: EVENT_ORDERS, ...).

An event only names an order or a product (orders_webhooks.py). The run reads that record from
Rackbeat *now* and stages it here; the mapping specs then read staging like every other flow's
(mapping/specs/rackbeat_order_sent.yaml, rackbeat_order_edits.yaml, rackbeat_stock.yaml), and a
user can query what a run saw and why it skipped.

- `identity` is the 24SO company of the 24SO record the Rackbeat record is linked to: the order
  R4 made the Rackbeat order from, the 24SO product a Rackbeat product stands for. A record linked
  to no 24SO record (an order created in Rackbeat) belongs to no company and is staged under
  RACKBEAT_ONLY ("rackbeat"); its link column is NULL and the specs' rules skip it with the reason.
  When a number's link changes company (an order whose R4 create is confirmed only now), its older
  row under the other identity is dropped: one row per Rackbeat number.
- Values come from the record through `Column.path` and the one JSON converter
  (staging/rows.py), like every Rackbeat table's. Three attributes are the read's own, added to
  the record before it is staged, because they need the hub's state or another call
  (orders_events.py): `so24_order_id` (R4's id map, else the "24so order id" field),
  `so24_product_id` on a product or a line (the "24so product id" field, else the 24SO product
  with the same number) and `shipping`, Rackbeat's two flags in the words a skip reason quotes
  ("shipped": every line, "partly shipped", "not shipped"). A staged product carries its stock
  facts besides (stock_facts.py: 24SO's figure, made by the hub, counted, matches 24SO, unopened),
  for R8's rules and R3's opening stock, which stages the hub's products here too.
- The lines of an order are replaced as a whole when it is staged with lines (R6), as the
  upsert's parent diff does for 24SO order rows; an order with a line that does not convert is
  not staged at all (half its lines would look like deletions). Times are naive UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from so24_pipelines.flows.rackbeat.tables import EVENT_PRODUCTS, EVENT_TABLES
from so24_pipelines.staging.db import connect
from so24_pipelines.staging.rows import convert, upsert_converted
from so24_pipelines.staging.schema import table_ddl
from so24_pipelines.staging.tables import StagingTable
from so24_pipelines.staging.upsert import UpsertResult, upsert

RACKBEAT_ONLY = "rackbeat"

Record = Mapping[str, Any]


def ensure_event_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the three tables (IF NOT EXISTS) in the caller's transaction; safe on every run.

    A column declared since a table was created (the stock facts of EVENT_PRODUCTS) is added to
    it, empty: these tables hold only what the last runs read, so nothing needs filling in.
    """
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    for table in EVENT_TABLES:
        con.execute(table_ddl(table))
        for column in table.all_columns:
            if not column.required:
                con.execute(
                    f"ALTER TABLE {table.qualified} ADD COLUMN IF NOT EXISTS {column.name} {column.sql_type}"
                )


def _by_identity(records: Iterable[tuple[str, Record]]) -> dict[str, list[Record]]:
    groups: dict[str, list[Record]] = {}
    for identity, record in records:
        groups.setdefault(identity, []).append(record)
    return groups


def _drop_elsewhere(con: duckdb.DuckDBPyConnection, table: StagingTable, identity: str, numbers: list[str]) -> None:
    """Rows of these numbers under another identity: the link moved, one row per number stays."""
    con.execute(
        f"DELETE FROM {table.qualified} WHERE identity <> ? "  # noqa: S608 - name from the fixed declarations
        "AND list_contains(?::VARCHAR[], CAST(number AS VARCHAR))",
        [identity, numbers],
    )


def stage_records(
    con: duckdb.DuckDBPyConnection,
    table: StagingTable,
    records: Sequence[tuple[str, Record]],
    *,
    lines: StagingTable | None = None,
) -> UpsertResult:
    """Stage (identity, JSON record) pairs into `table` (and their `lines`) in the caller's transaction.

    The result counts the records and names, by Rackbeat number, those that did not stage.
    """
    result = UpsertResult()
    ensure_event_tables(con)
    for identity, group in _by_identity(records).items():
        converted = convert(table, group, child=lines)
        numbers = [str(n) for n in converted.columns["number"]]
        _drop_elsewhere(con, table, identity, numbers)
        done = upsert_converted(con, table, converted, identity)
        if lines is not None and converted.children is not None:
            _drop_elsewhere(con, lines, identity, numbers)
            upsert(con, lines, converted.children, identity, parent=table, parent_keys=list(numbers))
        result.add(done)
    return result


def product_numbers_of(db_path: str | Path, keys: Iterable[tuple[str, int]]) -> list[str]:
    """Rackbeat product numbers of (identity, 24SO product id) pairs: staged by R8, else by 24SO's number.

    R1 keeps Rackbeat's product number equal to 24SO's `No`, so a product R8 never staged (a
    failure recorded before this table existed) is still found.
    """
    pairs = [(str(identity), int(product_id)) for identity, product_id in keys]
    if not pairs:
        return []
    params = [[i for i, _ in pairs], [p for _, p in pairs]]
    numbers: list[str] = []
    with connect(db_path) as con:
        tables = {row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging'"
        ).fetchall()}  # fmt: skip
        if EVENT_PRODUCTS.name in tables:
            numbers += [row[0] for row in con.execute(
                "WITH wanted AS (SELECT unnest(?::VARCHAR[]) AS identity, unnest(?::BIGINT[]) AS id) "
                "SELECT s.number FROM staging.rackbeat_event_products s JOIN wanted w "
                "ON s.identity = w.identity AND s.so24_product_id = w.id", params,
            ).fetchall()]  # fmt: skip
        if "so24_products" in tables:
            numbers += [row[0] for row in con.execute(
                "WITH wanted AS (SELECT unnest(?::VARCHAR[]) AS identity, unnest(?::BIGINT[]) AS id) "
                "SELECT p.no FROM staging.so24_products p JOIN wanted w "
                "ON p.identity = w.identity AND p.id = w.id WHERE p.no IS NOT NULL", params,
            ).fetchall()]  # fmt: skip
    return list(dict.fromkeys(numbers))
