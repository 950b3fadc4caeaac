"""The order flows' Dagster definitions load within the main ones and follow the flow switches."""

from __future__ import annotations

import dagster as dg
import pytest

from so24_pipelines.definitions import build_definitions
from so24_pipelines.settings import Settings
from so24_pipelines_tests.e2e.rackbeat_orders_harness import order_settings

pytestmark = pytest.mark.e2e

JOBS = {
    "rackbeat_orders_sync", "rackbeat_shipped", "rackbeat_booked", "rackbeat_stock", "rackbeat_fetch_order",
    "rackbeat_order_events_retry", "rackbeat_register_order_webhooks",
}  # fmt: skip
SENSORS = ("rackbeat_order_events", "rackbeat_stock_events", "rackbeat_changes_poll")


@pytest.mark.parametrize("enabled", [False, True])
def test_the_order_definitions_load_with_the_main_ones_and_follow_the_switches(enabled):
    settings = order_settings() if enabled else Settings()
    defs = build_definitions(settings)
    dg.Definitions.validate_loadable(defs)
    assert JOBS <= {job.name for job in defs.resolve_all_job_defs()}
    running = dg.DefaultSensorStatus.RUNNING if enabled else dg.DefaultSensorStatus.STOPPED
    assert all(defs.get_sensor_def(name).default_status == running for name in SENSORS)
    schedule = defs.get_schedule_def("rackbeat_orders_schedule")
    assert schedule.cron_schedule == "*/15 * * * *"
    assert schedule.default_status == (
        dg.DefaultScheduleStatus.RUNNING if enabled else dg.DefaultScheduleStatus.STOPPED
    )
    asset = defs.get_assets_def("rackbeat_orders")
    deps = {dep.asset_key.to_user_string() for dep in asset.specs_by_key[asset.key].deps}
    assert deps == {"so24_orders", "so24_order_rows"}
