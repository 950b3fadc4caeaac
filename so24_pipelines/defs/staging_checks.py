"""Asset checks on staging tables: keys unique, required fields present, change times not ahead.

The primary key already refuses duplicates inside one identity, so the uniqueness check guards the
contract downstream flows rely on (one row per source id per company) if a table is ever rebuilt
without it; the required-field check catches rows that cast to NULL (e.g. a corrupt date).

`dates_not_in_future` (WARN, on tables with a change time: `date_changed`, `updated_at`) names the
records the source dated after now: a wrong clock or a bad import. They are staged as sent; the
high-water mark does not follow them (sync/watermarks.py), but someone should fix the source.
"""

from datetime import UTC, datetime, timedelta

import dagster as dg

from so24_pipelines.defs.company_scope import asset_key
from so24_pipelines.defs.resources import StagingResource
from so24_pipelines.staging.db import connect
from so24_pipelines.staging.tables import StagingTable

CHANGE_TIME_COLUMNS = ("date_changed", "updated_at")
FUTURE_TOLERANCE = timedelta(minutes=5)
"""A change time this far ahead of now is in the future (clocks a little apart are not)."""
SHOW_RECORDS = 20


def _dates_check(asset: str, table: StagingTable, column: str) -> dg.AssetChecksDefinition:
    keys = ", ".join(("identity", *table.key))

    @dg.asset_check(
        asset=asset_key(asset),
        name="dates_not_in_future",
        description=f"{column} in {table.qualified} is not after now: the high-water mark ignores such records",
    )
    def dates_not_in_future(staging: StagingResource) -> dg.AssetCheckResult:
        limit = datetime.now(UTC).replace(tzinfo=None) + FUTURE_TOLERANCE
        with connect(staging.db_path) as con:
            count = con.execute(
                f"SELECT count(*) FROM {table.qualified} WHERE {column} > ?", [limit]  # noqa: S608
            ).fetchall()[0][0]
            found = con.execute(
                f"SELECT {keys}, {column} FROM {table.qualified} WHERE {column} > ? "  # noqa: S608
                f"ORDER BY {column} DESC, {keys} LIMIT {SHOW_RECORDS}",
                [limit],
            ).fetchall()
        lines = ["| record | " + column + " |", "| --- | --- |"]
        lines += [f"| {':'.join(str(v) for v in row[:-1])} | {row[-1]} |" for row in found]
        if count > len(found):
            lines.append(f"| ... | {count - len(found)} more |")
        return dg.AssetCheckResult(
            passed=count == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "future_dated": count,
                "records": dg.MetadataValue.md("\n".join(lines) if count else "None."),
            },
        )

    return dates_not_in_future


def staging_checks(asset: str, table: StagingTable) -> list[dg.AssetChecksDefinition]:
    keys = ", ".join(("identity", *table.key))
    required = [c.name for c in table.all_columns if c.required]

    @dg.asset_check(asset=asset_key(asset), name="keys_unique", blocking=True, description=f"({keys}) is unique in {table.qualified}")
    def keys_unique(staging: StagingResource) -> dg.AssetCheckResult:
        with connect(staging.db_path) as con:
            dupes = con.execute(
                f"SELECT count(*) FROM (SELECT {keys} FROM {table.qualified} GROUP BY {keys} HAVING count(*) > 1)"  # noqa: S608
            ).fetchall()[0][0]
        return dg.AssetCheckResult(passed=dupes == 0, metadata={"duplicate_keys": dupes})

    @dg.asset_check(asset=asset_key(asset), name="required_fields_present", description=f"{', '.join(required)} are never empty")
    def required_present(staging: StagingResource) -> dg.AssetCheckResult:
        missing: dict[str, int] = {}
        with connect(staging.db_path) as con:
            for name in required:
                missing[name] = con.execute(
                    f"SELECT count(*) FROM {table.qualified} WHERE {name} IS NULL"  # noqa: S608
                ).fetchall()[0][0]
        return dg.AssetCheckResult(
            passed=not any(missing.values()),
            metadata={f"missing_{k}": v for k, v in missing.items()},
        )

    checks = [keys_unique, required_present]
    change_time = next(
        (c.name for c in table.all_columns if c.name in CHANGE_TIME_COLUMNS and c.sql_type == "TIMESTAMP"), None
    )
    if change_time is not None:
        checks.append(_dates_check(asset, table, change_time))
    return checks
