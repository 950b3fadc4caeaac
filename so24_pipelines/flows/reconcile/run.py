"""One pair's reconciliation, without Dagster: read both sides now, compare, explain, keep.

It writes nothing to either system, whatever the settings say: it only reads both, and keeps what
it found in sync.reconcile_differences (one row per difference, aged across nights). A dry run of
the hub changes nothing here either, since there is nothing to preview: the repair column already
is the preview of what each owning flow would write.

Each entity is read and compared on its own, so a register that cannot be read fails the run
loudly (the connectors have already retried it), never as "0 differences".
"""

from __future__ import annotations

from typing import Any

from so24_pipelines.connectors.lnb import LnbClient
from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.lnb.stock import StockOptions
from so24_pipelines.flows.rackbeat.entities_run import direction
from so24_pipelines.flows.reconcile import entities as e
from so24_pipelines.flows.reconcile.compare import Difference, EntityComparison, compare, stock_differences
from so24_pipelines.flows.reconcile.lnb_stock import check_for, lnb_sides
from so24_pipelines.flows.reconcile.pending import explain, explain_stock
from so24_pipelines.flows.reconcile.report import PairReport
from so24_pipelines.flows.reconcile.sides import RequestCount, counted, rackbeat_now, so24_now, wms_now
from so24_pipelines.settings import Settings
from so24_pipelines.staging.db import transaction
from so24_pipelines.sync.differences import read_differences, record_differences

RACKBEAT_TITLE = "24SO <-> Rackbeat"
LNB_TITLE = "24SO -> Le New Black"
ONGOING_TITLE = "24SO -> Ongoing WMS"


def keep(run: RunContext, report: PairReport) -> PairReport:
    """Record the differences (first/last seen, closing what is gone) and read back the open rows."""
    found = [
        (d.entity, d.key, d.field, d.kind, d.so24_value, d.other_value, d.pending, d.explanation, d.repair)
        for d in report.differences
    ]
    with transaction(run.db_path) as con:
        record_differences(con, report.pair, [c.entity for c in report.comparisons], found, run.run_id)
        report.rows = read_differences(con, report.pair)
    return report


def _stock(report: PairReport, products: EntityComparison, found: list[Difference], *, held: int) -> None:
    """Stock of the paired products; `held`: figures the stock flow holds back by its own rule (a WMS
    article never stocked), counted with the flow's skips rather than listed."""
    stock = EntityComparison("stock", products.so24_count, products.other_count, len(products.pairs), held)
    report.comparisons.append(stock)
    report.differences += found


def reconcile_rackbeat(
    run: RunContext, settings: Settings, so24: So24Client, rackbeat: RackbeatClient, identity: str
) -> PairReport:
    report = PairReport("rackbeat", RACKBEAT_TITLE, "rackbeat", identity)
    so24_calls, rb_calls = RequestCount(), RequestCount()
    with so24_now(so24, identity, ("products", "companies"), so24_calls) as now:
        for check in e.RACKBEAT:
            with counted(rackbeat, rb_calls):
                records = rackbeat_now(rackbeat, check.name)
            way = direction(settings, check.name)
            back = way in ("rackbeat", "both")
            sides = e.rackbeat_sides(
                check, check.map(now, identity), records, e.id_map(run.db_path, check.flow)
            )
            comparison = compare(
                check.name, "rackbeat", sides, check.owned, others_are_differences=back,
                others_skipped=e.skipped_by(run.db_path, check.back_flow) if back else (),
            )  # fmt: skip
            report.comparisons.append(comparison)
            report.differences += explain(
                check, comparison, enabled=settings.flow(check.flow_id).enabled and way in ("24so", "both"),
                back_allowed=back, db_path=run.db_path, identity=identity, other_title="Rackbeat",
            )  # fmt: skip
            if check.name == "products" and settings.flow("R8").enabled:
                theirs = {str(r["number"]): r.get("stock_quantity") for r in records}
                found = stock_differences("stock", comparison.pairs, e.so24_stock(now, identity), theirs)
                _stock(report, comparison, explain_stock(
                    found, flow_id="R8", flow=e.RACKBEAT_STOCK_FLOW, failed_key=comparison.pairs,
                    db_path=run.db_path, other_title="Rackbeat",
                ), held=0)  # fmt: skip
    report.requests = {"so24": so24_calls.n, "rackbeat": rb_calls.n}
    return keep(run, report)


def _wms_figure(article: dict[str, Any], kind: str) -> Any:
    info = article.get("inventoryInfo") or {}
    return info.get("sellableNumberOfItems" if kind == "sellable" else "numberOfItems")


def _never_stocked(article: dict[str, Any]) -> bool:
    """O5's hold, read from the article now: an article the WMS has never had in stock (physical 0, no
    goods-in date) that O5 has never written keeps 24SO's figure (flows/ongoing/stock.py)."""
    info = article.get("inventoryInfo") or {}
    return not info.get("numberOfItems") and not info.get("lastInDate")


def reconcile_ongoing(
    run: RunContext, settings: Settings, so24: So24Client, wms: OngoingClient, identity: str
) -> PairReport:
    report = PairReport("ongoing", ONGOING_TITLE, "ongoing", identity)
    so24_calls, wms_calls = RequestCount(), RequestCount()
    with so24_now(so24, identity, ("products",), so24_calls) as now:
        with counted(wms, wms_calls):
            articles = wms_now(wms)
        for check in e.ONGOING:
            sides = e.wms_sides(check.map(now, identity), articles, e.id_map(run.db_path, check.flow))
            comparison = compare(check.name, "ongoing", sides, check.owned, others_are_differences=False)
            report.comparisons.append(comparison)
            report.differences += explain(
                check, comparison, enabled=settings.flow(check.flow_id).enabled, back_allowed=False,
                db_path=run.db_path, identity=identity, other_title="Ongoing",
            )  # fmt: skip
            if settings.flow("O5").enabled:
                kind = settings.flows.O5.stock_kind
                theirs = {str(a["articleSystemId"]): _wms_figure(a, kind) for a in articles}
                found = stock_differences("stock", comparison.pairs, e.so24_stock(now, identity), theirs)
                written = set(e.id_map(run.db_path, e.WMS_STOCK_FLOW))
                by_key = {k: sides.other[t] for k, t in comparison.pairs.items()}
                held = {k for k, a in by_key.items() if k not in written and _never_stocked(a)}
                _stock(report, comparison, explain_stock(
                    [d for d in found if d.key not in held], flow_id="O5", flow=e.WMS_STOCK_FLOW, failed_key={},
                    db_path=run.db_path, other_title="Ongoing",
                ), held=sum(1 for d in found if d.key in held))  # fmt: skip
    report.requests = {"so24": so24_calls.n, "ongoing": wms_calls.n}
    return keep(run, report)


def reconcile_lnb(
    run: RunContext,
    settings: Settings,
    so24: So24Client,
    lnb: LnbClient,
    identity: str,
    options: StockOptions,
) -> PairReport:
    """L1's figures (lnb_stock.py): a product LNB has no line for is L1's skip, not a difference."""
    report = PairReport("lnb", LNB_TITLE, "lnb", identity)
    so24_calls, lnb_calls = RequestCount(), RequestCount()
    check = check_for(options)
    deducts = options.available == "stock_minus_open_orders"
    with so24_now(so24, identity, ("products", "orders") if deducts else ("products",), so24_calls) as now:
        with counted(lnb, lnb_calls):
            inventory = lnb.get_inventory()
        sides = lnb_sides(options.key, check.map(now, identity), inventory, e.id_map(run.db_path, check.flow))
        comparison = compare(check.name, "lnb", sides, check.owned, others_are_differences=False)
        not_in_lnb = [d for d in comparison.differences if d.kind == "only_in_so24"]
        comparison.differences = [d for d in comparison.differences if d.kind != "only_in_so24"]
        comparison.skipped_by_flow += len(not_in_lnb)
        report.comparisons.append(comparison)
        report.differences += explain(
            check, comparison, enabled=settings.flow("L1").enabled, back_allowed=False,
            db_path=run.db_path, identity=identity, other_title="Le New Black",
        )  # fmt: skip
    report.requests = {"so24": so24_calls.n, "lnb": lnb_calls.n}
    return keep(run, report)
