"""Creates the staging file's schemas and tables; safe to run on every step (IF NOT EXISTS).

Schemas: `staging` (raw rows per system and entity) and `mapping` (editable code maps, filled by
flows). DDL is generated from the table specs, so a column is declared once. The `sync` schema
(id map, failed records, state incl. high-water marks, backfill batches) is sync/'s own: it
creates it itself, and a caller that needs both calls both (staging never imports sync).
"""

from __future__ import annotations

import duckdb

from so24_pipelines.staging.so24_tables import ALL_TABLES, StagingTable


def table_ddl(table: StagingTable) -> str:
    cols = ["identity VARCHAR NOT NULL"]
    cols += [f"{c.name} {c.sql_type}" + (" NOT NULL" if c.required else "") for c in table.all_columns]
    cols += ["_row_hash UBIGINT NOT NULL", "_extracted_at TIMESTAMP NOT NULL"]
    key = ", ".join(("identity", *table.key))
    return f"CREATE TABLE IF NOT EXISTS {table.qualified} ({', '.join(cols)}, PRIMARY KEY ({key}))"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for schema in ("staging", "mapping"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for table in ALL_TABLES:
        con.execute(table_ddl(table))
