"""What an extraction reports in the Dagster UI: counts, the mark, and why records were rejected.

`future_dated` counts records whose DateChanged was after the read's start: staged, but the mark
stays at the start (the `dates_not_in_future` check names them).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from so24_pipelines.defs.company_scope import asset_key
from so24_pipelines.flows.so24.entities import So24Entity
from so24_pipelines.flows.so24.extract import ExtractReport
from so24_pipelines.staging.db import connect
from so24_pipelines.staging.tables import StagingTable
from so24_pipelines.staging.upsert import UpsertResult


def _count(db_path: Path, table: StagingTable) -> int:
    with connect(db_path) as con:
        return con.execute(f"SELECT count(*) FROM {table.qualified}").fetchall()[0][0]  # noqa: S608


def rejects_markdown(rejected: list[tuple[str, str]], limit: int = 50) -> str:
    if not rejected:
        return "No rejected records."
    lines = ["| record | reason |", "| --- | --- |"]
    lines += [f"| {key} | {reason.replace('|', '/')} |" for key, reason in rejected[:limit]]
    if len(rejected) > limit:
        lines.append(f"| ... | {len(rejected) - limit} more in sync.failed_records |")
    return "\n".join(lines)


def _summary(results: list[UpsertResult]) -> UpsertResult:
    total = UpsertResult()
    for r in results:
        total.add(r)
    return total


def extract_metadata(
    db_path: Path, entity: So24Entity, reports: list[ExtractReport], *, calls: int
) -> Iterator[dg.MaterializeResult]:
    main = _summary([r.rows for r in reports])
    yield dg.MaterializeResult(
        asset_key=asset_key(f"so24_{entity.name}"),
        metadata={
            "dagster/row_count": _count(db_path, entity.table),
            "received": main.received,
            "inserted": main.inserted,
            "updated": main.updated,
            "unchanged": main.unchanged,
            "rejected": len(main.rejected),
            "rejected_records": dg.MetadataValue.md(rejects_markdown(main.rejected)),
            "future_dated": sum(r.future_dated for r in reports),
            "mode": ", ".join(sorted({r.mode for r in reports})),
            "changed_after": ", ".join(str(r.changed_after) for r in reports if r.changed_after) or "none (full read)",
            "watermark": ", ".join(str(r.watermark) for r in reports if r.watermark) or "none",
            "identities": ", ".join(r.identity for r in reports),
            "so24_calls": calls,
        },
    )
    if entity.child is not None:
        child = _summary([r.child_rows for r in reports])
        yield dg.MaterializeResult(
            asset_key=asset_key(f"so24_{entity.child.name.removeprefix('so24_')}"),
            metadata={
                "dagster/row_count": _count(db_path, entity.child),
                "inserted": child.inserted,
                "updated": child.updated,
                "deleted": child.deleted,
                "unchanged": child.unchanged,
                "rejected": len(child.rejected),
            },
        )
