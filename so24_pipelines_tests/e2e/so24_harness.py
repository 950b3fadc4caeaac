"""Helpers for end-to-end tests: settings and resources pointed at a running sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import yaml

from so24_pipelines.definitions import build_definitions
from so24_pipelines.defs.resources import So24Resource, StagingResource
from so24_pipelines.defs.so24.assets import BACKFILL_ASSETS, EXTRACT_ASSETS
from so24_pipelines.settings import Settings
from so24_pipelines.staging.db import connect
from so24_pipelines_tests.sandbox_process import SandboxProcess


def credentials(sandbox: SandboxProcess) -> dict:
    return sandbox.control("GET", "24so/credentials").json()


def credential_env(sandbox: SandboxProcess) -> dict[str, str]:
    c = credentials(sandbox)
    return {"SO24_APPLICATION_ID": c["application_id"], "SO24_USERNAME": c["username"], "SO24_PASSWORD": c["password"]}


def resources(sandbox: SandboxProcess, db: Path, **so24_overrides) -> dict:
    c = credentials(sandbox)
    so24 = So24Resource(
        base_url=f"{sandbox.url}/24so",
        application_id=c["application_id"],
        username=c["username"],
        password=c["password"],
        **so24_overrides,
    )
    return {"so24": so24, "staging": StagingResource(path=str(db))}


def settings_file(tmp_path: Path, sandbox: SandboxProcess, db: Path, **so24) -> Path:
    path = tmp_path / "so24.yaml"
    data = {"staging": {"path": str(db)}, "so24": {"base_url": f"{sandbox.url}/24so", **so24}}
    path.write_text(yaml.safe_dump(data))
    return path


def materialize_extraction(res: dict, instance: dg.DagsterInstance | None = None) -> dg.ExecuteInProcessResult:
    return dg.materialize(EXTRACT_ASSETS, resources=res, instance=instance or dg.DagsterInstance.ephemeral())


def backfill_assets() -> list[dg.AssetsDefinition]:
    return BACKFILL_ASSETS


def rows(db: Path, sql: str) -> list[tuple]:
    with connect(db) as con:
        return con.execute(sql).fetchall()


def metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        if mat.asset_key.to_user_string() == asset:
            return {k: v.value for k, v in mat.metadata.items()}
    raise KeyError(asset)


def definitions(settings: Settings, res: dict[str, Any]) -> dg.Definitions:
    """The whole hub's Definitions, with the test's resources in place of the configured ones."""
    main = build_definitions(settings)
    return dg.Definitions(
        assets=main.assets, asset_checks=main.asset_checks, jobs=main.jobs, schedules=main.schedules,
        sensors=main.sensors, executor=main.executor, resources={**(main.resources or {}), **res},
    )  # fmt: skip
