"""The one Dagster entry point (workspace.yaml and `dagster dev -m` point here).

A registry and nothing else: each system's room (defs/<system>/) builds its own Definitions from
the settings, and they are merged here. Settings are loaded and validated when the definitions
load, so a bad so24.yaml fails `dagster definitions validate` with a message naming the key,
before any run starts. Nothing here touches the network: resources connect when a step runs.

One more thing is set here, once: the executor, for every job without one of its own (asset
jobs, op jobs, the UI's ad-hoc materializations and backfills, the jobs of a system added later;
a per-job setting would miss the UI's implicit asset job and the next new job). Steps run in the
run's own process, one after another (`in_process`), instead of a new process per step: a tick
moves a few records, and a process per step cost seconds of Python/Dagster start each on two
cores (benchmark P5, sandbox, no-change tick of so24_incremental: 83 s of wall for 8 s of work
with a process per step, 3.6 s in process). Nothing is lost: pools (`pool=` per API) are claimed
per step by this executor too (a step waits for its slot; reliability/test_pools_in_process.py),
retries and their delays work the same, and DuckDB's one writing process per file holds
trivially (one process, steps in turn, each opening the staging file briefly). The price is
isolation: a step that kills its process (out of memory) ends the run, which run monitoring then
marks failed, and the next tick resumes. A run that would gain from steps side by side (a first
extraction at 100k rows) can ask for them in the launchpad: `execution: {config: {multiprocess:
{max_concurrent: 2}}}`.
"""

from __future__ import annotations

import dagster as dg

from so24_pipelines.defs.lnb.definitions import build_lnb_definitions
from so24_pipelines.defs.netvisor.definitions import build_netvisor_definitions
from so24_pipelines.defs.ongoing.assets import build_ongoing_definitions
from so24_pipelines.defs.rackbeat.entities import build_rackbeat_entities_definitions
from so24_pipelines.defs.rackbeat.events import build_rackbeat_events_definitions
from so24_pipelines.defs.rackbeat.orders import build_rackbeat_orders_definitions
from so24_pipelines.defs.rackbeat.stock import build_rackbeat_stock_definitions
from so24_pipelines.defs.reconcile.definitions import build_reconcile_definitions
from so24_pipelines.defs.smartdok.definitions import build_smartdok_definitions
from so24_pipelines.defs.so24.definitions import build_so24_definitions
from so24_pipelines.settings import Settings, load_settings


def _in_process_unless_asked() -> dg.ExecutorDefinition:
    """Dagster's default executor (a choice of multiprocess or in_process) with in_process as the default."""
    both = dg.multi_or_in_process_executor
    return dg.ExecutorDefinition(
        name="in_process_unless_asked",
        config_schema=dg.Field(both.config_schema.config_type, default_value={"in_process": {}}),
        executor_creation_fn=both.executor_creation_fn,
        requirements=both.get_requirements,
        description="Steps in the run's process, one after another; multiprocess when the run config asks.",
    )


EXECUTOR = _in_process_unless_asked()


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions.merge(
        build_so24_definitions(settings),
        build_ongoing_definitions(settings),
        build_rackbeat_entities_definitions(settings),
        build_rackbeat_orders_definitions(settings),
        build_rackbeat_events_definitions(settings),
        build_rackbeat_stock_definitions(settings),
        build_lnb_definitions(settings),
        build_smartdok_definitions(settings),
        build_netvisor_definitions(settings),
        build_reconcile_definitions(settings),
        dg.Definitions(executor=EXECUTOR),
    )


# Definitions are a pure function of the settings, and Dagster asks for them more than once per run
# (the launch and the run worker each load the code location): built once per settings content, so
# a changed so24.yaml still gives new definitions (benchmark P5: launch to RUN_START).
_BUILT: dict[str, dg.Definitions] = {}


@dg.definitions
def defs() -> dg.Definitions:
    settings = load_settings()
    key = settings.model_dump_json()
    if key not in _BUILT:
        _BUILT.clear()
        _BUILT[key] = build_definitions(settings)
    return _BUILT[key]
