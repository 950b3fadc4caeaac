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

Staging integrity (staging/values.py, staging/upsert.py, staging/rows.py; every system's reads):
- **Numbers are exact or rejected, never rounded.** The columns keep their types (INTEGER,
  BIGINT, DECIMAL(18,4)); they are not widened, because every staged value feeds the mapped
  records whose hashes the loader compares, and a wider type would re-send every record once. A
  value a column cannot hold exactly rejects its record with the reason: `category_id=1.5 is not
  a whole number (INTEGER would round it)`, `weight=12.345678901234 has more than 4 decimals
  (DECIMAL(18,4) would round it)` (also 0.00001), `quantity=1000000000000000000000000000000 is
  too large for DECIMAL(18,4) (at most 14 digits before the point)`. Plain decimal notation only;
  "2.0" is the integer 2 and "2.50000" is 2.5 (the same number). A JSON float is read to its 15
  significant digits (0.30000000000000004 is 0.3).
- **A record is staged whole or not at all.** An order is staged with its rows as one record: a
  row that is rejected rejects the order with the row's reason (`so24_order_rows: row 5: ...`,
  in `sync.failed_records` under the order's key), so no flow maps part of an order. The same
  holds for a Rackbeat invoice and its lines.
- **A rejected record changes nothing.** Its staged header and rows stay exactly as they were
  (the last good version), and a first read stages no orphan rows.
- **Every rejected record has its own key**: one without an id is `(no id) <digest>`, a digest
  of its content (the same bad record keeps its key from run to run).
- **Future dates** are staged as sent; the `dates_not_in_future` check (WARN) names records whose
  `date_changed` / `updated_at` is after now, and the high-water mark ignores them.

Other schemas:
- `sync.state` - high-water marks (`so24/<identity>/<entity>/changed_after`), written in the
  same transaction as the rows; the next read asks 24SO for changes after the mark minus
  `overlap_minutes` (24SO ignores seconds). The mark is the latest DateChanged read but never
  later than the moment the read started, so one record dated 9999-12-31 (or a clock three hours
  ahead) cannot hide the changes after it.
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
