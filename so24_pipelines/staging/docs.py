"""Renders docs/staging.md from the table specs, so the page cannot drift from the DDL.

Only the renderer: which tables there are is each system's business, listed in `flows/tables.py`
(staging imports no flows). `python -m so24_pipelines.flows.tables > docs/staging.md`; a unit
test fails when they differ.
"""

from __future__ import annotations

from collections.abc import Iterable

from so24_pipelines.staging.tables import StagingTable

HEADER = """# Staging schema (DuckDB)

One DuckDB file (`staging.path` in so24.yaml; default `$DAGSTER_HOME/so24_staging.duckdb`).
Generated from the table specs (`flows/so24/tables.py`, `flows/rackbeat/tables.py`,
`flows/ongoing/tables.py`) by `python -m so24_pipelines.flows.tables`.

Every staging table has `identity` (the 24SO company GUID, X9) as the first key column,
`_row_hash` (content hash: a rerun with the same data updates nothing) and `_extracted_at`.
The source path is where a column's value is read: an XML element path for 24SO, a JSON path
for the REST systems (dots into objects, `a | b` the first present, `lines[]` one row per element,
`lines[#]` its position, `field_values[name]` a Rackbeat custom field; see staging/rows.py).
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


def render(tables: Iterable[StagingTable]) -> str:
    """The page for `tables`, in their order (flows/tables.py: 24SO first, then each target system)."""
    parts = [HEADER]
    for table in tables:
        parts.append(f"\n## staging.{table.name}\n")
        parts.append(f"Key: `({', '.join(('identity', *table.key))})`. Read from `{table.record_tag}` records.\n")
        parts.append("| column | type | source path | required |\n| --- | --- | --- | --- |")
        for c in table.all_columns:
            source = c.path if c not in table.parent_columns else f"parent {c.path}"
            source = "`" + source.replace("|", "\\|") + "`"
            parts.append(f"| {c.name} | {c.sql_type} | {source} | {'yes' if c.required else ''} |")
    return "\n".join(parts) + "\n"
