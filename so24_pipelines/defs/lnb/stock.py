"""L1 in Dagster (group "lnb"): 24SO stock levels to Le New Black, on a schedule and on demand.

- Asset `l1_stock_to_lnb`, from the one flow template (defs/flow_asset.py): reads the paired 24SO
  company's staged products, writes the available-to-sell figures that changed to LNB in bulk
  (flows/lnb/stock.py) and reports counts, the plan preview, the products not exported and why,
  and the LNB requests sent. `flows.L1.dry_run` (or `dry_run: true` in one run's config) previews.
- Check `no_failed_records`: red while a figure LNB refused waits for a retry, with LNB's words.
  Its description also lists the products the last run did not send because LNB has no line for
  their code (not a failure: no retry can fix it, the brand must add the code in LNB), so the
  check's page says why those products' figures are missing in LNB.
- Job `lnb_stock`: the manual trigger (seed 002: "trigger this import manually"): Launch it in the
  UI, or materialize the asset. Schedule `lnb_stock_schedule` every flows.L1.cadence_minutes
  (15), running by default when lnb and L1 are enabled; stopped otherwise, and a run of a
  switched-off L1 does nothing and says so.

It needs the "lnb" resource (defs/lnb/definitions.py) and "so24" and "staging" (the main
Definitions); "so24" is only asked which company LNB is paired with: L1 never writes 24SO.
"""

import dagster as dg

from so24_pipelines.defs.company_scope import asset_key
from so24_pipelines.defs.flow_asset import (
    CHECK,
    FlowAsset,
    failed_records_evaluation,
    flow_asset,
    one_flow_on_demand_and_schedule,
)
from so24_pipelines.defs.lnb.resources import LnbResource
from so24_pipelines.defs.resources import So24Resource, StagingResource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.lnb.stock import FLOWS, SPEC, StockOptions, codes_lnb_lacked, sync_stock
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.settings import Settings

GROUP = "lnb"
SYSTEM = "lnb"
KINDS = frozenset({"rest", "duckdb"})
ASSET = "l1_stock_to_lnb"
JOB = "lnb_stock"
SCHEDULE = "lnb_stock_schedule"
LISTED = 20


def stock_options(settings: Settings) -> StockOptions:
    l1 = settings.flows.L1
    return StockOptions(key=l1.key, available=l1.available, open_order_statuses=tuple(l1.open_order_statuses))


def stock_asset_spec(settings: Settings) -> FlowAsset:
    options = stock_options(settings)
    deducts = options.available == "stock_minus_open_orders"
    return FlowAsset(
        name=ASSET, flow="L1", system=SYSTEM, group=GROUP, kinds=KINDS,
        description=(
            "L1 - available-to-sell stock of the paired 24SO company's products as LNB inventory, keyed by "
            f"{options.key} (flows.L1.key); only figures that changed are sent, in bulk. Available = "
            + ("24SO Stock minus open 24SO order quantities" if deducts else "24SO Stock")
            + " (flows.L1.available), whole units, at least 0. Products without the code are not exported."
        ),
        deps=("so24_products", "so24_orders", "so24_order_rows") if deducts else ("so24_products",),
        owns=tuple(FLOWS.values()), specs=(SPEC,), resources=("lnb", "so24"),
    )  # fmt: skip


def build_lnb_stock_asset(settings: Settings) -> dg.AssetsDefinition:
    spec = stock_asset_spec(settings)
    options = stock_options(settings)
    chosen = settings.lnb.so24_identity

    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        so24: So24Resource = context.resources.so24
        lnb: LnbResource = context.resources.lnb
        identity = so24.paired_identity(run.db_path, SYSTEM, chosen)
        with lnb.client() as client:
            return sync_stock(run, client, identity, options)

    l1 = settings.flows.L1
    return flow_asset(spec, body, enabled=l1.enabled, dry_run=l1.dry_run)


def lacking_note(lacking: list[tuple[str, str]]) -> str:
    """The check's words on the products not sent for a code LNB lacks (first LISTED of them)."""
    listed = "; ".join(f"product {key}: {reason}" for key, reason in lacking[:LISTED])
    more = f"; and {len(lacking) - LISTED} more (sync.sync_log)" if len(lacking) > LISTED else ""
    return f"{len(lacking)} product(s) not sent, LNB has no line for their code: {listed}{more}"


def build_lnb_stock_check(settings: Settings) -> dg.AssetChecksDefinition:
    """`no_failed_records` of L1, which also names the products skipped for a code LNB lacks."""
    owns = stock_asset_spec(settings).owns
    flow = FLOWS[settings.flows.L1.key]

    @dg.asset_check(
        asset=asset_key(ASSET), name=CHECK,
        description=f"No record of {', '.join(owns)} is waiting in the failed records (they retry each tick); "
        "lists the products not sent because LNB has no line for their code.",
    )  # fmt: skip
    def _check(staging: StagingResource) -> dg.AssetCheckResult:
        verdict = failed_records_evaluation(staging.db_path, ASSET, owns)
        lacking = codes_lnb_lacked(staging.db_path, flow)
        description = verdict.description
        metadata = {**verdict.metadata, "not_in_lnb": len(lacking)}
        if lacking:
            note = lacking_note(lacking)
            description = note if description is None else f"{description}\n{note}"
        return dg.AssetCheckResult(
            passed=verdict.passed, severity=dg.AssetCheckSeverity.ERROR, metadata=metadata, description=description
        )

    return _check


def build_lnb_stock_definitions(settings: Settings) -> dg.Definitions:
    """The L1 asset, its check, the `lnb_stock` job and its schedule (resources come from elsewhere)."""
    l1 = settings.flows.L1
    one = one_flow_on_demand_and_schedule(
        stock_asset_spec(settings), build_lnb_stock_asset(settings), job=JOB, schedule=SCHEDULE,
        minutes=l1.cadence_minutes, running=settings.lnb.enabled and l1.enabled,
        what="send the 24SO stock figures that changed to Le New Black",
    )  # fmt: skip
    # The template's check, with the products LNB lacks a code for in its description.
    return dg.Definitions(
        assets=one.assets, asset_checks=[build_lnb_stock_check(settings)], jobs=one.jobs, schedules=one.schedules
    )
