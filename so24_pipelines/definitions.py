"""The one Dagster entry point (workspace.yaml and `dagster dev -m` point here).

A registry and nothing else: each system's room (defs/<system>/) builds its own Definitions from
the settings, and they are merged here. Settings are loaded and validated when the definitions
load, so a bad so24.yaml fails `dagster definitions validate` with a message naming the key,
before any run starts. Nothing here touches the network: resources connect when a step runs.
"""

from __future__ import annotations

import dagster as dg

from so24_pipelines.defs.ongoing.assets import build_ongoing_definitions
from so24_pipelines.defs.rackbeat.entities import build_rackbeat_entities_definitions
from so24_pipelines.defs.rackbeat.events import build_rackbeat_events_definitions
from so24_pipelines.defs.rackbeat.orders import build_rackbeat_orders_definitions
from so24_pipelines.defs.rackbeat.stock import build_rackbeat_stock_definitions
from so24_pipelines.defs.so24.definitions import build_so24_definitions
from so24_pipelines.settings import Settings, load_settings


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions.merge(
        build_so24_definitions(settings),
        build_ongoing_definitions(settings),
        build_rackbeat_entities_definitions(settings),
        build_rackbeat_orders_definitions(settings),
        build_rackbeat_events_definitions(settings),
        build_rackbeat_stock_definitions(settings),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(load_settings())
