"""Steps run in process (the Definitions' executor) still wait for their pool, as a deployment runs them.

The run goes through a persistent instance with the repo's dagster.yaml and a reconstructable job,
as a run worker executes it; another run holds the pool's only slot, and the step starts only once
that slot is free.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from so24_pipelines.definitions import EXECUTOR

pytestmark = pytest.mark.reliability
REPO = Path(__file__).resolve().parents[2]
POOL = "toy_api"
STARTED: list[float] = []


@dg.asset(pool=POOL)
def toy_flow() -> None:
    STARTED.append(time.monotonic())


def toy_job() -> dg.JobDefinition:
    defs = dg.Definitions(assets=[toy_flow], jobs=[dg.define_asset_job("toy_job", selection=[toy_flow])], executor=EXECUTOR)
    return defs.resolve_job_def("toy_job")


def test_an_in_process_step_waits_for_its_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    STARTED.clear()
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        storage.set_concurrency_slots(POOL, 1)
        assert storage.claim_concurrency_slot(POOL, "other-run", "other-step").is_claimed
        freed: list[float] = []

        def free_later() -> None:
            time.sleep(3)
            freed.append(time.monotonic())
            storage.free_concurrency_slots_for_run("other-run")

        releaser = threading.Thread(target=free_later)
        releaser.start()
        with dg.execute_job(dg.reconstructable(toy_job), instance=instance) as result:
            assert result.success
            messages = [e.message or "" for e in result.all_events if e.event_type == dg.DagsterEventType.ENGINE_EVENT]
        releaser.join()
    assert any(m.startswith("Executing steps in process") for m in messages)
    assert any(f"blocked by limit for pool {POOL}" in m for m in messages)
    assert STARTED and freed and STARTED[0] >= freed[0]
