"""S3's marking: an hour 24SO accepted is marked exported in Smartdok, through the loader (`S3.mark`).

After S3's load, every hour S3 has confirmed in 24SO (its id map: added, or found by its tag) that
`S3.mark` has not confirmed yet is marked, as a flow of its own (as L2 acknowledges in LNB):

- `POST /WorkHours/SetExportedExternal?exportedExternalId=<batch>&setAsExportedExternal=true`
  (default, `flows.S3.mark_exported_as: external`: payroll's own export state is left alone), or
  payroll's `POST /WorkHours/MarkAsExported` (`payroll`);
- one call per loader batch (`write_many`; the connector splits it by `smartdok.mark_batch_size`);
  the batch id is "so24hub-<UTC time of the tick>", the same for every hour of one tick;
- idempotent: setting the flag is absolute, so the target upserts by key; a mark whose answer was
  lost is simply sent again, and a failed one waits in sync.failed_records for the next tick;
- once: a mark `S3.mark` has confirmed is not sent again. An hour someone unmarks in Smartdok
  afterwards is not marked again (nor sent to 24SO again: S3's id map has it).

A crash between the 24SO save and the marking leaves the hour in S3's id map and not in
`S3.mark`'s: the next tick plans no save (unchanged) and marks it. Each mark is a sync_log row, so
what the hub changed in Smartdok is accounted for like every other write.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from so24_pipelines.connectors.errors import ConnectorError
from so24_pipelines.connectors.smartdok import SmartdokClient
from so24_pipelines.flows.smartdok.tables import HOURS
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync import MappedRecord
from so24_pipelines.sync.id_map import confirmed_pairs
from so24_pipelines.sync.records import BulkUpsertTarget
from so24_pipelines.sync.schema import sync_schema_exists

MarkAs = Literal["external", "payroll"]
BATCH_PREFIX = "so24hub-"


class SmartdokHourMarks(BulkUpsertTarget):
    """Smartdok's export flag on work hours; key = the WorkHourID (an absolute write)."""

    system = "smartdok"
    entity = "work_hour_marks"

    def __init__(self, client: SmartdokClient, mark_as: MarkAs, batch_id: str) -> None:
        self.client = client
        self.mark_as = mark_as
        self.batch_id = batch_id

    def write_many(self, records: Sequence[MappedRecord]) -> list[str | ConnectorError]:
        ids = [int(r.source_key) for r in records]
        if self.mark_as == "external":
            self.client.mark_exported_external(ids, self.batch_id)
        else:
            self.client.mark_exported_payroll(ids)
        return [r.source_key for r in records]

    def find_by_business_key(self, business_key: str) -> str | None:
        return None


def mark_records(db_path: str | Path, *, flow: str, mark_flow: str, mark_as: MarkAs) -> list[MappedRecord]:
    """One record per hour `flow` has in 24SO that `mark_flow` has not marked yet."""
    with connect(db_path) as con:
        if not sync_schema_exists(con):
            return []
        sent = {source for source, _ in confirmed_pairs(con, flow)}
        done = {source for source, _ in confirmed_pairs(con, mark_flow)}
    flag = "ExportedExternal" if mark_as == "external" else "Exported"
    return [
        MappedRecord(source_key=key, payload={"WorkHourID": int(key), flag: True})
        for key in sorted(sent - done, key=int)
    ]


def note_marks(db_path: str | Path, identity: str, *, mark_flow: str, mark_as: MarkAs, batch_id: str) -> None:
    """Staging as Smartdok now has it (the next read would say the same): S4 counts from it."""
    with transaction(db_path) as con:
        if not sync_schema_exists(con):
            return
        marked = [int(source) for source, _ in confirmed_pairs(con, mark_flow)]
        if not marked:
            return
        if mark_as == "external":
            sets, params = "exported_external = true, exported_external_id = coalesce(exported_external_id, ?)", [batch_id]
        else:
            sets, params = "exported = true", []
        con.execute(
            f"UPDATE {HOURS.qualified} SET {sets} WHERE identity = ? "  # noqa: S608 - declared names
            "AND list_contains(?::BIGINT[], work_hour_id)",
            [*params, identity, marked],
        )
