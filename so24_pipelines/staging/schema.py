"""Creates the staging file's schemas and tables; safe to run on every step (IF NOT EXISTS).

Schemas: `staging` (raw rows per system and entity) and `mapping` (editable code maps, filled by
flows). DDL is generated from the table declarations (`staging/tables.py`), so a column is
declared once; which tables exist is each system's business (`flows/<system>/tables.py`), so the
caller names them. The `sync` schema (id map, failed records, state incl. high-water marks,
backfill batches) is sync/'s own: it creates it itself, and a caller that needs both calls both
(staging never imports sync).
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from so24_pipelines.staging.tables import StagingTable


def table_ddl(table: StagingTable) -> str:
    cols = ["identity VARCHAR NOT NULL"]
    cols += [f"{c.name} {c.sql_type}" + (" NOT NULL" if c.required else "") for c in table.all_columns]
    cols += ["_row_hash UBIGINT NOT NULL", "_extracted_at TIMESTAMP NOT NULL"]
    key = ", ".join(("identity", *table.key))
    return f"CREATE TABLE IF NOT EXISTS {table.qualified} ({', '.join(cols)}, PRIMARY KEY ({key}))"


def create_tables(con: duckdb.DuckDBPyConnection, tables: Iterable[StagingTable]) -> None:
    """The `staging` and `mapping` schemas and the given tables (each IF NOT EXISTS)."""
    for schema in ("staging", "mapping"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for table in tables:
        con.execute(table_ddl(table))
