"""Running one 24SO extraction: read from 24SO with no database connection open, then store the
batch and advance the high-water mark in one short transaction.

Modes:
- incremental: "changed after" the stored mark minus the overlap (the 15-minute schedule);
- full: everything (first run without a mark; SyncList ids in batches where 24SO offers them);
- batch: one backfill partition's ids (the initial sync as a Dagster backfill). Batches never
  move the mark: the plan step set it to the moment the id list was taken, so the schedule picks
  up from there while the backfill fills in what came before.

The mark is the latest DateChanged read, but never later than the moment the read started
(sync/watermarks.py): a record dated in the future is staged, counted in `future_dated` and
named by the `dates_not_in_future` check, and cannot hide the changes after it.

An order is staged with its rows as one record (staging.upsert.upsert_family): a row that does
not fit rejects the order with the row's reason (sync.failed_records, flow E4), and a rejected
order keeps its staged header and rows as they were.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from so24_pipelines.connectors.errors import ConfigError
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.connectors.so24.session import current_identity
from so24_pipelines.flows.so24.entities import ENTITIES, So24Entity
from so24_pipelines.flows.so24.tables import ensure_schema
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.staging.upsert import UpsertResult, max_date_changed, upsert, upsert_family
from so24_pipelines.sync.backfill import backfill_batch, ensure_backfill_schema, plan_backfill_batches
from so24_pipelines.sync.failures import record_rejects
from so24_pipelines.sync.watermarks import (
    mark_for_read,
    read_watermark,
    watermark_key,
    with_overlap,
    write_watermark,
)

log = logging.getLogger(__name__)


# A full read buffers several 1000-id answers before one upsert: DuckDB's per-statement cost
# (planning the cast expressions) would otherwise dominate small batches. 20k records of text
# columns stay well under 100 MB.
FLUSH_ROWS = 20_000

# A DateChanged this far past the read's start is "in the future" (clocks a little apart are not).
FUTURE_TOLERANCE = timedelta(minutes=5)


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def future_dated(columns: dict, started: datetime) -> int:
    """How many records of a batch changed after the read started (beyond FUTURE_TOLERANCE)."""
    limit = (started + FUTURE_TOLERANCE).isoformat()
    return sum(1 for v in columns.get("date_changed", []) if v and v.strip() > limit)


class ColumnBuffer:
    """Columns of several answers appended together, remembering the latest DateChanged seen."""

    def __init__(self) -> None:
        self.columns: dict[str, list[str | None]] = {}
        self.child: dict[str, list[str | None]] | None = None
        self.latest_ever: str | None = None

    @property
    def rows(self) -> int:
        return len(next(iter(self.columns.values()), []))

    def add(self, columns: dict, child: dict | None) -> None:
        latest = max_date_changed(columns)
        if latest and (self.latest_ever is None or latest > self.latest_ever):
            self.latest_ever = latest
        for name, values in columns.items():
            self.columns.setdefault(name, []).extend(values)
        if child is not None:
            self.child = self.child or {}
            for name, values in child.items():
                self.child.setdefault(name, []).extend(values)

    def clear(self) -> None:
        self.columns, self.child = {}, None


@dataclass
class ExtractReport:
    entity: str
    identity: str
    mode: str
    changed_after: datetime | None = None
    watermark: datetime | None = None
    batches: int = 0
    rows: UpsertResult = field(default_factory=UpsertResult)
    child_rows: UpsertResult = field(default_factory=UpsertResult)
    started: datetime = field(default_factory=_utcnow)
    """When the read began (UTC): the mark never passes it."""
    future_dated: int = 0


def prepare(db_path: str | Path) -> None:
    with transaction(db_path) as con:
        ensure_schema(con)
        ensure_backfill_schema(con)


def store_batch(
    db_path: str | Path,
    entity: So24Entity,
    identity: str,
    columns: dict,
    child_columns: dict | None,
    report: ExtractReport,
    *,
    advance_to: str | datetime | None,
) -> None:
    key_col = entity.table.key[-1]
    report.future_dated += future_dated(columns, report.started)
    with transaction(db_path) as con:
        if entity.child is not None and child_columns is not None:
            main, child = upsert_family(con, entity.table, columns, entity.child, child_columns, identity)
            report.child_rows.add(child)
        else:
            main = upsert(con, entity.table, columns, identity)
        report.rows.add(main)
        rejected_keys = {k for k, _ in main.rejected}
        stored = [k for k in columns.get(key_col, []) if k is not None and k not in rejected_keys]
        record_rejects(con, entity.flow, identity, main.rejected, stored)
        if advance_to is not None:
            write_watermark(
                con, watermark_key("so24", identity, entity.name), advance_to, not_after=report.started
            )
    report.batches += 1


def _chunks(ids: Sequence[int], size: int) -> list[Sequence[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def extract(
    client: So24Client,
    db_path: str | Path,
    entity: So24Entity,
    identity: str,
    *,
    overlap_minutes: int = 2,
    batch_size: int = 1000,
    full: bool = False,
    flush_rows: int = FLUSH_ROWS,
) -> ExtractReport:
    """Incremental when a mark exists (and the entity has a change filter), else full."""
    started = _utcnow()
    with connect(db_path) as con:
        mark = mark_for_read(read_watermark(con, watermark_key("so24", identity, entity.name)), started)
    if entity.incremental and mark is not None and not full:
        report = ExtractReport(
            entity.name, identity, "incremental", changed_after=with_overlap(mark, overlap_minutes), started=started
        )
        columns, child = entity.fetch(client, report.changed_after, None)
        store_batch(db_path, entity, identity, columns, child, report, advance_to=max_date_changed(columns))
    elif entity.id_list is not None:
        report = ExtractReport(entity.name, identity, "full", started=started)
        ids = entity.id_list(client)
        buffer = ColumnBuffer()
        for n, chunk in enumerate(_chunks(ids, batch_size)):
            buffer.add(*entity.fetch(client, None, chunk))
            if buffer.rows >= flush_rows:
                store_batch(db_path, entity, identity, buffer.columns, buffer.child, report, advance_to=None)
                buffer.clear()
            log.debug("%s: batch %d read", entity.name, n)
        # The mark moves only with the last write: a crash midway leaves no mark, so the next run
        # reads everything again (idempotently) instead of skipping what was never stored.
        store_batch(db_path, entity, identity, buffer.columns, buffer.child, report, advance_to=buffer.latest_ever)
    else:
        report = ExtractReport(entity.name, identity, "full", started=started)
        columns, child = entity.fetch(client, None, None)
        store_batch(db_path, entity, identity, columns, child, report, advance_to=max_date_changed(columns) if entity.incremental else None)
    with connect(db_path) as con:
        report.watermark = read_watermark(con, watermark_key("so24", identity, entity.name))
    return report


def plan_batches(
    client: So24Client, db_path: str | Path, entity: So24Entity, identity: str, *, batch_size: int = 1000
) -> list[str]:
    """Take the SyncList ids, store them as numbered batches, set the mark to now; return batch keys.

    Keys are stable per (entity, identity, batch number), so planning again re-uses them and a
    resumed backfill reads the same ids.
    """
    if entity.id_list is None:
        raise ValueError(f"{entity.name} has no SyncList call in 24SO; it is read whole instead")
    planned_at = datetime.now(UTC).replace(tzinfo=None)
    ids = entity.id_list(client)
    chunks = _chunks(ids, batch_size)
    keys = [f"{identity[:8]}-{n:05d}" for n in range(len(chunks))]
    with transaction(db_path) as con:
        plan_backfill_batches(con, entity.name, identity, zip(keys, chunks, strict=True), planned_at)
        write_watermark(con, watermark_key("so24", identity, entity.name), planned_at)
    return keys


def batch_ids(db_path: str | Path, entity: So24Entity, partition_key: str) -> tuple[str, list[int]]:
    with connect(db_path) as con:
        row = backfill_batch(con, entity.name, partition_key)
    if row is None:
        raise KeyError(f"no planned {entity.name} batch {partition_key!r}: run the plan asset first")
    return row


def extract_batch(client: So24Client, db_path: str | Path, entity: So24Entity, partition_key: str) -> ExtractReport:
    identity, ids = batch_ids(db_path, entity, partition_key)
    current_identity(client, identity)
    report = ExtractReport(entity.name, identity, "batch")
    columns, child = entity.fetch(client, None, ids)
    store_batch(db_path, entity, identity, columns, child, report, advance_to=None)
    return report


def extract_order(client: So24Client, db_path: str | Path, order_id: int, identity: str | None) -> str:
    """Read one order with its rows into staging now (R9); returns the company it belongs to.

    The same upsert as the extraction, so staging stays one truth; the high-water mark is left
    alone (one order says nothing about what else changed).
    """
    prepare(db_path)
    identity = current_identity(client, identity)
    entity = ENTITIES["orders"]
    columns, rows = entity.fetch(client, None, [int(order_id)])
    if not columns.get("order_id"):
        raise ConfigError(f"24SO has no order {order_id} in company {identity}; check the order id")
    report = ExtractReport(entity.name, identity, "manual")
    store_batch(db_path, entity, identity, columns, rows, report, advance_to=None)
    return identity
