"""The hub as deployed, pointed at the sandbox, for S3 (approved hours) and S4 (readiness) tests.

Expectations come from the sandboxes' control APIs (Smartdok's hours as its administrator sees
them, 24SO's employees, projects, work types, salary types and hours as a 24SO user sees them),
never from the code under test: `expected_transfers` applies seed 004's rules to those dumps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg

from so24_pipelines.defs.smartdok.definitions import HOURS_JOB, READINESS_JOB
from so24_pipelines.defs.smartdok.resources import SmartdokResource
from so24_pipelines.defs.so24.assets import EXTRACT_ASSETS
from so24_pipelines.settings import Settings
from so24_pipelines.staging.db import connect
from so24_pipelines.sync import flow_key
from so24_pipelines_tests.e2e.so24_harness import definitions, metadata, resources
from so24_pipelines_tests.sandbox_process import SandboxProcess

S3_FLOW = flow_key("S3")
BACKFILL = {"from_date": "2025-11-01", "to_date": "2026-06-30"}  # the seeded hours: 180 days before 2026-06-01
EXTRACTS = {"so24_persons_extract", "so24_projects_extract", "so24_work_types_extract", "so24_salary_types_extract"}
TAG_PREFIX = "[Smartdok "


class HoursHub:
    """The main Definitions (Smartdok's room included) with the test's resources; one instance for all runs."""

    def __init__(
        self, sandbox: SandboxProcess, tmp: Path, flows: dict[str, Any] | None = None, *, so24_retries: int = 8,
        **smartdok: Any,
    ) -> None:  # fmt: skip
        self.sandbox = sandbox
        tmp.mkdir(parents=True, exist_ok=True)
        self.db = tmp / "staging.duckdb"
        creds = sandbox.control("GET", "smartdok/credentials").json()
        self.settings = Settings.model_validate(
            {"smartdok": {"enabled": True, "base_url": creds["baseUrl"]}, "flows": flows or {}}
        )
        self.resources: dict[str, Any] = {
            **resources(sandbox, self.db, max_retries=so24_retries),
            "smartdok": SmartdokResource(base_url=creds["baseUrl"], api_token=creds["apiToken"],
                                         requests_per_minute=60_000, backoff_seconds=0.01, **smartdok),
        }  # fmt: skip
        self.defs = definitions(self.settings, self.resources)
        self.instance = dg.DagsterInstance.ephemeral()

    def extract(self) -> None:
        """E5, E6 and E7 as shipped: the registers S3 joins and S4 compares."""
        chosen = [a for a in EXTRACT_ASSETS if a.node_def.name in EXTRACTS]
        assert dg.materialize(chosen, resources=self.resources, instance=self.instance).success

    def run(self, job: str = HOURS_JOB, *, backfill: bool = True, dry_run: bool = False,
            expect_success: bool = True) -> dg.ExecuteInProcessResult:  # fmt: skip
        """One run of `smartdok_hours` (S4 then S3), as a backfill over the seeded period by default."""
        config = {**(BACKFILL if backfill else {}), "dry_run": dry_run}
        run_config = {"ops": {"s3_hours_to_so24": {"config": config}}} if job == HOURS_JOB else None
        result = self.defs.resolve_job_def(job).execute_in_process(
            instance=self.instance, raise_on_error=False, run_config=run_config
        )
        if expect_success:
            assert result.success, [e.message for e in result.all_events if e.is_failure]
        return result

    def readiness(self) -> dict[str, Any]:
        return metadata(self.run(READINESS_JOB), "s4_smartdok_readiness")

    def failed(self, flow: str = S3_FLOW) -> dict[str, str]:
        """Source key -> reason of the records the loader holds as failed for `flow`."""
        with connect(self.db) as con:
            rows = con.execute("SELECT source_key, reason FROM sync.failed_records WHERE flow = ?", [flow]).fetchall()
        return dict(rows)


# ---- what the systems hold ----------------------------------------------------------------------


def smartdok_hours(sandbox: SandboxProcess) -> dict[int, dict[str, Any]]:
    return {h["WorkHourID"]: h for h in sandbox.control("GET", "smartdok/hours").json()}


def so24(sandbox: SandboxProcess, entity: str) -> list[dict[str, Any]]:
    return sandbox.control("GET", f"24so/{entity}").json()


def so24_hours(sandbox: SandboxProcess) -> dict[int, dict[str, Any]]:
    return {h["Id"]: h for h in so24(sandbox, "hours")}


def tagged(sandbox: SandboxProcess) -> dict[int, list[dict[str, Any]]]:
    """24SO hours carrying a Smartdok tag, by the Smartdok id the tag names (a list: never more than one)."""
    out: dict[int, list[dict[str, Any]]] = {}
    for hour in so24_hours(sandbox).values():
        text = hour.get("Description") or ""
        if TAG_PREFIX in text:
            smartdok_id = int(text.rsplit(TAG_PREFIX, 1)[1].rstrip("] "))
            out.setdefault(smartdok_id, []).append(hour)
    return out


def _digits(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def expected_transfers(sandbox: SandboxProcess) -> tuple[set[int], set[int]]:
    """(hours S3 must transfer, approved pending hours it must hold), by seed 004's rules over the dumps."""
    employees = {p["Id"] for p in so24(sandbox, "persons") if p.get("IsEmployee")}
    projects = {p["Id"] for p in so24(sandbox, "projects")}
    work_types = {w["Id"] for w in so24(sandbox, "work_types")}
    salary_types = {s["Id"] for s in so24(sandbox, "salary_types")}
    send, hold = set(), set()
    for key, hour in smartdok_hours(sandbox).items():
        if hour["AdminAttested"] is not True or hour["ExportedExternal"]:
            continue
        ok = (_digits(hour["EmployeeNo"]) in employees and _digits(hour["ProjectNumber"]) in projects
              and _digits(hour["WorkDescriptionCode"]) in work_types and _digits(hour["WageCode"]) in salary_types)  # fmt: skip
        (send if ok else hold).add(key)
    return send, hold
