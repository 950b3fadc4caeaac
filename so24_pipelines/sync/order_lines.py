"""sync.rackbeat_order_lines: which 24SO order row each Rackbeat order line stands for.

Rackbeat order lines have no custom fields, so the 24SO RowId of a line cannot be stored on the
line itself. R6 needs it to send `ChangeState=Edit/Delete` back to the right 24SO row, so the hub
keeps the pairing here, next to the loader's id map (R4 writes it, R6 reads it):

- one row per Rackbeat line of an order that came from 24SO: (Rackbeat order number, line id)
  -> (identity, 24SO order id, 24SO row id), plus the product number and quantity last agreed
  by both sides, which is what R6 compares against to see what a user changed in Rackbeat;
- an order's pairs are always replaced as a whole (DELETE + INSERT in one transaction): the
  set of lines is the unit that changes, and DuckDB handles that better than row updates on a
  keyed table;
- callers open the short transaction *after* their network call, never around it.

A lost write here is not fatal: R4's convergence pairs the lines again by position (a line
created from row k is line k of the create answer) when it finds an order without pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from so24_pipelines.sync.schema import table_exists, utcnow

_DDL = (
    "CREATE SCHEMA IF NOT EXISTS sync",
    """
    CREATE TABLE IF NOT EXISTS sync.rackbeat_order_lines (
        rackbeat_order    BIGINT NOT NULL,
        rackbeat_line_id  BIGINT NOT NULL,
        identity          VARCHAR NOT NULL,
        so24_order_id     BIGINT NOT NULL,
        so24_row_id       BIGINT NOT NULL,
        product_no        VARCHAR,
        quantity          DECIMAL(18, 4),
        updated_at        TIMESTAMP NOT NULL,
        PRIMARY KEY (rackbeat_order, rackbeat_line_id)
    )
    """,
)


@dataclass(frozen=True)
class LinePair:
    """One Rackbeat line and the 24SO row it mirrors, as both sides last agreed."""

    rackbeat_line_id: int
    so24_row_id: int
    product_no: str | None
    quantity: Decimal | None


@dataclass(frozen=True)
class OrderLines:
    """Every pair of one order, with the 24SO order it belongs to."""

    rackbeat_order: int
    identity: str
    so24_order_id: int
    pairs: tuple[LinePair, ...]

    def by_line(self) -> dict[int, LinePair]:
        return {p.rackbeat_line_id: p for p in self.pairs}

    def by_row(self) -> dict[int, LinePair]:
        return {p.so24_row_id: p for p in self.pairs}


def ensure_line_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the pairs table if missing (IF NOT EXISTS); safe in every write transaction."""
    for statement in _DDL:
        con.execute(statement)


def read_order_lines(con: duckdb.DuckDBPyConnection, rackbeat_order: int) -> OrderLines | None:
    """The pairs of one Rackbeat order, or None when the hub never paired its lines."""
    if not table_exists(con, "rackbeat_order_lines"):
        return None
    rows = con.execute(
        """
        SELECT identity, so24_order_id, rackbeat_line_id, so24_row_id, product_no, quantity
        FROM sync.rackbeat_order_lines WHERE rackbeat_order = ? ORDER BY rackbeat_line_id
        """,
        [int(rackbeat_order)],
    ).fetchall()
    if not rows:
        return None
    pairs = tuple(LinePair(int(r[2]), int(r[3]), r[4], r[5]) for r in rows)
    return OrderLines(int(rackbeat_order), rows[0][0], int(rows[0][1]), pairs)


def replace_order_lines(
    con: duckdb.DuckDBPyConnection,
    rackbeat_order: int,
    identity: str,
    so24_order_id: int,
    pairs: Sequence[LinePair],
) -> None:
    """Make the stored pairs of one order exactly `pairs` (caller's transaction)."""
    ensure_line_schema(con)
    con.execute("DELETE FROM sync.rackbeat_order_lines WHERE rackbeat_order = ?", [int(rackbeat_order)])
    now = utcnow()
    if pairs:
        con.executemany(
            """
            INSERT INTO sync.rackbeat_order_lines
                (rackbeat_order, rackbeat_line_id, identity, so24_order_id, so24_row_id, product_no,
                 quantity, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                [
                    int(rackbeat_order),
                    p.rackbeat_line_id,
                    identity,
                    int(so24_order_id),
                    p.so24_row_id,
                    p.product_no,
                    p.quantity,
                    now,
                ]
                for p in pairs
            ],
        )
