"""Asset checks on staging tables: keys unique and required fields present.

The primary key already refuses duplicates inside one identity, so the uniqueness check guards the
contract downstream flows rely on (one row per source id per company) if a table is ever rebuilt
without it; the required-field check catches rows that cast to NULL (e.g. a corrupt date).
"""


import dagster as dg

from so24_pipelines.defs.resources import StagingResource
from so24_pipelines.staging.db import connect
from so24_pipelines.staging.tables import StagingTable


def staging_checks(asset_key: str, table: StagingTable) -> list[dg.AssetChecksDefinition]:
    keys = ", ".join(("identity", *table.key))
    required = [c.name for c in table.all_columns if c.required]

    @dg.asset_check(asset=asset_key, name="keys_unique", blocking=True, description=f"({keys}) is unique in {table.qualified}")
    def keys_unique(staging: StagingResource) -> dg.AssetCheckResult:
        with connect(staging.db_path) as con:
            dupes = con.execute(
                f"SELECT count(*) FROM (SELECT {keys} FROM {table.qualified} GROUP BY {keys} HAVING count(*) > 1)"  # noqa: S608
            ).fetchall()[0][0]
        return dg.AssetCheckResult(passed=dupes == 0, metadata={"duplicate_keys": dupes})

    @dg.asset_check(asset=asset_key, name="required_fields_present", description=f"{', '.join(required)} are never empty")
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

    return [keys_unique, required_present]
