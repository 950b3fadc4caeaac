"""Two runs and a sensor tick at the same time against one staging file: no DuckDB lock failure.

Each is a separate OS process, as in a Dagster deployment (run workers, the daemon's sensor
ticks), all opening the same DuckDB file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from so24_pipelines_tests.e2e.so24_harness import credential_env, rows, settings_file

pytestmark = pytest.mark.reliability
REPO = Path(__file__).resolve().parents[2]

SENSOR_TICKS = textwrap.dedent(
    """
    import dagster as dg
    from so24_pipelines.definitions import defs
    d = defs() if callable(defs) else defs
    sensor = d.get_sensor_def("so24_backfill_partitions")
    with dg.instance_for_test() as instance:
        for _ in range(15):
            with dg.build_sensor_context(instance=instance, resources={"staging": d.resources["staging"]}) as ctx:
                sensor(ctx)
    print("ticks ok")
    """
)


def test_two_runs_and_sensor_ticks_at_once_do_not_fail_on_the_lock(sandbox, tmp_path):
    db = tmp_path / "staging.duckdb"
    env = dict(
        os.environ,
        **credential_env(sandbox),
        SO24_SETTINGS=str(settings_file(tmp_path, sandbox, db)),
        DAGSTER_HOME=str(tmp_path / "home"),
    )
    (tmp_path / "home").mkdir()
    shutil.copy(REPO / "dagster.yaml", tmp_path / "home" / "dagster.yaml")
    # A deployment's instance storage exists before runs start; create it once, as `dagster dev` does.
    subprocess.run([sys.executable, "-c", "import dagster; dagster.DagsterInstance.get()"], env=env, check=True)
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    run = [dagster, "asset", "materialize", "-m", "so24_pipelines.definitions", "--select"]
    procs = [
        subprocess.Popen([*run, "so24_products,so24_orders,so24_order_rows"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
        subprocess.Popen([*run, "so24_products,so24_companies,so24_persons"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
        subprocess.Popen([sys.executable, "-c", SENSOR_TICKS], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
    ]
    outputs = [p.communicate(timeout=240)[0] for p in procs]
    for p, out in zip(procs, outputs, strict=True):
        assert p.returncode == 0, out[-3000:]
        assert "lock" not in out.lower() or "Could not set lock" not in out
    sandbox_products = len(sandbox.control("GET", "24so/products").json())
    assert rows(db, "SELECT count(*) FROM staging.so24_products") == [(sandbox_products,)]
