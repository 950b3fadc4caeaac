"""With 24SO down, a Dagster step fails within 30 s, once, with the URL and the setting to check.

The definitions are built the way `dagster dev` builds them (so24.yaml -> build_definitions), with
so24.base_url pointing at a local port nothing listens on.
"""

from __future__ import annotations

import time

import dagster as dg
import pytest
import yaml

from so24_pipelines.definitions import build_definitions
from so24_pipelines.settings import load_settings
from so24_pipelines_tests.sandbox_process import free_port

pytestmark = pytest.mark.e2e

BUDGET_SECONDS = 30.0


def test_a_step_against_an_unreachable_24so_fails_within_30_s_with_the_url(tmp_path, monkeypatch):
    base = f"http://127.0.0.1:{free_port()}/24so"
    settings = tmp_path / "so24.yaml"
    settings.write_text(yaml.safe_dump({"staging": {"path": str(tmp_path / "staging.duckdb")}, "so24": {"base_url": base}}))
    monkeypatch.setenv("SO24_APPLICATION_ID", "00000000-0000-4000-8000-000000000024")
    monkeypatch.setenv("SO24_USERNAME", "demo@so24.example")
    monkeypatch.setenv("SO24_PASSWORD", "pw-not-in-any-message")
    defs = build_definitions(load_settings(settings))
    job = defs.resolve_implicit_global_asset_job_def()

    started = time.monotonic()
    result = job.execute_in_process(
        asset_selection=[dg.AssetKey("so24_products")],
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    elapsed = time.monotonic() - started

    assert not result.success
    assert elapsed < BUDGET_SECONDS, f"the step took {elapsed:.1f} s"
    kinds = [event.event_type_value for event in result.all_events]
    assert "STEP_UP_FOR_RETRY" not in kinds and kinds.count("STEP_FAILURE") == 1
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    text = str(failure.event_specific_data.error.message)
    assert f"{base}/authenticate/v001/authenticate.asmx" in text, text
    assert "so24.base_url" in text and "connection refused" in text
    assert "pw-not-in-any-message" not in text
