"""Le New Black's room in Dagster (group "lnb"): L1 stock, L2 orders, L3 monitoring.

Each flow builds its own Definitions in its own module; this one merges them with the `lnb`
resource (needs "so24" and "staging" from the main Definitions).
"""

import dagster as dg

from so24_pipelines.defs.lnb.orders import build_lnb_orders_definitions
from so24_pipelines.defs.lnb.resources import lnb_resource
from so24_pipelines.defs.lnb.stock import build_lnb_stock_definitions
from so24_pipelines.settings import Settings


def build_lnb_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions.merge(
        build_lnb_stock_definitions(settings),
        build_lnb_orders_definitions(settings),
        dg.Definitions(resources={"lnb": lnb_resource(settings)}),
    )
