"""Renders docs/staging.md from the table specs, so the page cannot drift from the DDL.

`python -m so24_pipelines.staging.docs > docs/staging.md`; a unit test fails when they differ.
"""

from __future__ import annotations

from so24_pipelines.staging.so24_tables import ALL_TABLES

HEADER = """# Staging schema (DuckDB)

One DuckDB file (`staging.path` in so24.yaml; default `$DAGSTER_HOME/so24_staging.duckdb`).
Generated from the table specs (`staging/so24_tables.py`, `flows/rackbeat/staging_tables.py`,
`flows/ongoing/wms_staging.py`) by `python -m so24_pipelines.staging.docs`.

Every staging table has `identity` (the 24SO company GUID, X9) as the first key column,
`_row_hash` (content hash: a rerun with the same data updates nothing) and `_extracted_at`.
Writes are upserts keyed on `(identity, source id)`. Values come from 24SO as text and are cast
by DuckDB; a value that does not cast, or a missing required field, skips that record with its
reason in `sync.failed_records` (flow = E1..E7).

Other schemas:
- `sync.state` - high-water marks (`so24/<identity>/<entity>/changed_after`), written in the
  same transaction as the rows; the next read asks 24SO for changes after the mark minus
  `overlap_minutes` (24SO ignores seconds).
- `sync.backfill_batches` - the initial-sync plan: SyncList ids in batches of at most 1000, one
  Dagster partition each.
- `sync.id_map`, `sync.sync_log`, `sync.failed_records` - the loader's bookkeeping (see
  docs/loader.md).
- `mapping.*` - editable code maps used by the flows.
"""


def _all_tables() -> tuple:
    """24SO tables, then each target system's staged reads (the reverse flows map from these)."""
    from so24_pipelines.flows.ongoing.wms_staging import WMS_TABLES
    from so24_pipelines.flows.rackbeat.staging_tables import RACKBEAT_TABLES

    return (*ALL_TABLES, *RACKBEAT_TABLES, *WMS_TABLES)


def render() -> str:
    parts = [HEADER]
    for table in _all_tables():
        parts.append(f"\n## staging.{table.name}\n")
        parts.append(f"Key: `({', '.join(('identity', *table.key))})`. Read from `{table.record_tag}` records.\n")
        parts.append("| column | type | 24SO element | required |\n| --- | --- | --- | --- |")
        for c in table.all_columns:
            source = c.path if c not in table.parent_columns else f"parent {c.path}"
            parts.append(f"| {c.name} | {c.sql_type} | {source} | {'yes' if c.required else ''} |")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render(), end="")
