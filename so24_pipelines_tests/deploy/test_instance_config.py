"""deploy/dagster.yaml loads as a Dagster instance on a real PostgreSQL, as written."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("dagster_postgres", reason="the dev extras install dagster-postgres (pip install -e '.[dev]')")

import dagster as dg  # noqa: E402

from so24_pipelines_tests.deploy.postgres import Postgres, start_postgres  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_YAML = REPO_ROOT / "deploy" / "dagster.yaml"


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    pg = start_postgres()
    try:
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(pg.pgdata.parent, ignore_errors=True)


def test_deploy_instance_config_loads_on_postgres(postgres: Postgres, tmp_path: Path, monkeypatch) -> None:
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

    shutil.copy(DEPLOY_YAML, tmp_path / "dagster.yaml")
    for key, value in postgres.env().items():
        monkeypatch.setenv(key, value)
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 4
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 1
        assert instance.run_monitoring_enabled
        # The storage answers: a pool limit set here is read back from PostgreSQL.
        instance.event_log_storage.set_concurrency_slots("so24_api:acme", 1)
        assert instance.event_log_storage.get_concurrency_info("so24_api:acme").slot_count == 1


def test_missing_postgres_env_var_fails_naming_it(tmp_path: Path, monkeypatch) -> None:
    shutil.copy(DEPLOY_YAML, tmp_path / "dagster.yaml")
    monkeypatch.delenv("DAGSTER_PG_HOST", raising=False)
    with pytest.raises(Exception, match="DAGSTER_PG_HOST"):
        dg.DagsterInstance.from_config(str(tmp_path))
