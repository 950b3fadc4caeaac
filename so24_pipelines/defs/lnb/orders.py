"""L2 in Dagster (group "lnb"): Le New Black B2B orders into 24SO, on a schedule and on demand.

- Asset `l2_orders_to_so24`, from the one flow template (defs/flow_asset.py): reads the LNB orders
  changed since the last tick (and the ones held back), creates a 24SO order for each one in an
  exported status (flows.L2.statuses) that is not in 24SO yet, then acknowledges it in LNB
  (flows.L2.acknowledge_status); reports counts, the plan preview (every skip with its reason),
  `blocked_orders` (held back: no valid customer reference, an unknown product) and
  `not_applied_orders` (exported, changed in LNB since: the edit is not applied).
  `flows.L2.dry_run` (or `dry_run: true` in one run's config) previews: nothing is written to
  24SO or LNB (the LNB read is still staged).
- Check `no_failed_records`: red while an order 24SO refused, or an acknowledgement LNB refused,
  waits for its retry on the next tick, with the system's own words.
- Job `lnb_orders`: the manual trigger (seed 002: "trigger this export manually"): Launch it in
  the UI, or materialize the asset. Schedule `lnb_orders_schedule` every flows.L2.cadence_minutes
  (15), running by default when lnb and L2 are enabled; stopped otherwise, and a run of a
  switched-off L2 does nothing and says so.

It needs the "lnb" resource (defs/lnb/definitions.py) and "so24" and "staging" (the main
Definitions). The 24SO session is pointed at the company LNB is paired with before anything is
written (flows/pairing.py), so an order can never land in another company.
"""

import dagster as dg

from so24_pipelines.defs.flow_asset import FlowAsset, flow_asset, one_flow_on_demand_and_schedule
from so24_pipelines.defs.lnb.resources import LnbResource
from so24_pipelines.defs.resources import So24Resource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.lnb.orders import ACK_FLOW, FLOW, L2Options, sync_orders
from so24_pipelines.flows.lnb.orders_mapping import SPEC
from so24_pipelines.flows.pairing import use_identity
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.settings import Settings

GROUP = "lnb"
SYSTEM = "lnb"
KINDS = frozenset({"rest", "soap", "duckdb"})
ASSET = "l2_orders_to_so24"
JOB = "lnb_orders"
SCHEDULE = "lnb_orders_schedule"


def orders_options(settings: Settings) -> L2Options:
    """flows.L2 as the flow reads it; an empty product_key follows flows.L1.key."""
    l2 = settings.flows.L2
    return L2Options(
        statuses=tuple(l2.statuses), so24_status=l2.so24_status,
        product_key=l2.product_key or settings.flows.L1.key, discount_unit=l2.discount_rate_unit,
        acknowledge_status=l2.acknowledge_status,
    )  # fmt: skip


def orders_asset_spec(settings: Settings) -> FlowAsset:
    options = orders_options(settings)
    acknowledged = (
        f"then moved to {options.acknowledge_status} in LNB (flows.L2.acknowledge_status)"
        if options.acknowledge_status
        else "left as they are in LNB (no flows.L2.acknowledge_status)"
    )
    return FlowAsset(
        name=ASSET, flow="L2", system=SYSTEM, group=GROUP, kinds=KINDS,
        description=(
            f"L2 - LNB orders in status {', '.join(options.statuses)} (flows.L2.statuses) as 24SO orders "
            f"({options.so24_status}), once each, {acknowledged}. The customer is the 24SO company whose id is "
            f"the retailer's reference; lines match 24SO products by {options.product_key}. A retailer without "
            "a valid reference, or an unknown product, holds the order back with the reason. After the export "
            "the order is 24SO's: later LNB edits are reported, never applied."
        ),
        deps=("so24_companies", "so24_products"),
        owns=(FLOW, ACK_FLOW), specs=(SPEC,), resources=("lnb", "so24"),
    )  # fmt: skip


def build_lnb_orders_asset(settings: Settings) -> dg.AssetsDefinition:
    spec = orders_asset_spec(settings)
    options = orders_options(settings)
    chosen = settings.lnb.so24_identity

    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        so24: So24Resource = context.resources.so24
        lnb: LnbResource = context.resources.lnb
        identity = so24.paired_identity(run.db_path, SYSTEM, chosen)
        with lnb.client() as lnb_client, so24.client() as so24_client:
            use_identity(so24_client, identity, SYSTEM)
            return sync_orders(run, lnb_client, so24_client, identity, options)

    l2 = settings.flows.L2
    return flow_asset(spec, body, enabled=l2.enabled, dry_run=l2.dry_run)


def build_lnb_orders_definitions(settings: Settings) -> dg.Definitions:
    """The L2 asset, its check, the `lnb_orders` job and its schedule (resources come from elsewhere)."""
    l2 = settings.flows.L2
    return one_flow_on_demand_and_schedule(
        orders_asset_spec(settings), build_lnb_orders_asset(settings), job=JOB, schedule=SCHEDULE,
        minutes=l2.cadence_minutes, running=settings.lnb.enabled and l2.enabled,
        what="export the LNB orders waiting for 24SO",
    )
