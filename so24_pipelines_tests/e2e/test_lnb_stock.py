"""L1 end to end: 24SO stock (extracted by E1, as shipped) reaches Le New Black through the job
`lnb_stock`, run in process against the sandbox over HTTP.

Expectations come from the sandbox's control APIs: 24SO's products as a 24SO user sees them, and
LNB's inventory as LNB holds it and its request counters; never from the code under test. The
seeded accounts line up as a brand's do (so24_sandbox/lenewblack/seed.py): LNB's lines carry the
24SO products' EAN1 and numbers, except where the seed leaves a code out on one side, which is what
gives the two kinds of skip below: no EAN1 in 24SO (not exported), and a code LNB has no line for
(not sent, and not refused on every tick either).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from so24_pipelines.defs.lnb.resources import LnbResource
from so24_pipelines.defs.lnb.stock import ASSET, JOB
from so24_pipelines.defs.so24.assets import EXTRACT_ASSETS
from so24_pipelines.settings import Settings
from so24_pipelines.staging.db import connect
from so24_pipelines_tests.e2e.so24_harness import definitions, metadata, resources
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.e2e


# ---- the hub as deployed, pointed at the sandbox -----------------------------------------------


class Hub:
    """The main Definitions plus L1's, with the test's resources; one Dagster instance for all runs."""

    def __init__(
        self, sandbox: SandboxProcess, tmp: Path, flows: dict[str, Any] | None = None, *,
        so24: dict[str, Any] | None = None, **lnb: Any,
    ) -> None:  # fmt: skip
        self.sandbox = sandbox
        self.db = tmp / "staging.duckdb"
        self.settings = Settings.model_validate({"lnb": {"enabled": True}, "flows": {"L1": flows or {}}})
        creds = sandbox.control("GET", "lnb/credentials").json()
        options = {"requests_per_minute": 60_000, "backoff_seconds": 0.01, "max_retries": 8, **lnb}
        self.resources: dict[str, Any] = {
            **resources(sandbox, self.db, **{"max_retries": 8, **(so24 or {})}),
            "lnb": LnbResource(base_url=creds["baseUrl"], client_id=creds["clientId"], client_secret=creds["clientSecret"],
                               **options),
        }  # fmt: skip
        self.defs = definitions(self.settings, self.resources)
        self.instance = dg.DagsterInstance.ephemeral()

    def extract(self, *entities: str) -> None:
        """E1 (and whatever else is named) as shipped: what L1 reads."""
        names = {f"so24_{e}_extract" for e in ("products", *entities)}
        result = dg.materialize(
            [a for a in EXTRACT_ASSETS if a.node_def.name in names], resources=self.resources
        )
        assert result.success

    def l1(self, **config: Any) -> dg.ExecuteInProcessResult:
        """One run of the job `lnb_stock` (the manual trigger), with `config` as the asset's run config."""
        run_config = {"ops": {ASSET: {"config": config}}} if config else None
        result = self.defs.resolve_job_def(JOB).execute_in_process(
            instance=self.instance, raise_on_error=False, run_config=run_config
        )
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        return result

    def failed(self, flow: str = "L1.ean13") -> dict[str, str]:
        with connect(self.db) as con:
            rows = con.execute(
                "SELECT source_key, reason FROM sync.failed_records WHERE flow = ?", [flow]
            ).fetchall()
        return dict(rows)


@pytest.fixture
def hub(sandbox: SandboxProcess, tmp_path: Path) -> Iterator[Hub]:
    yield Hub(sandbox, tmp_path)


def meta(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    return metadata(result, ASSET)


def writes(result: dg.ExecuteInProcessResult) -> int:
    m = meta(result)
    return m["created"] + m["updated"] + m["resolved"]


def check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.asset_key == dg.AssetKey(ASSET)]
    return evaluation


# ---- what the two systems hold, from their control APIs ----------------------------------------


def so24_products(sandbox: SandboxProcess) -> dict[str, dict[str, Any]]:
    return {str(p["Id"]): p for p in sandbox.control("GET", "24so/products").json()}


def lnb_stock(sandbox: SandboxProcess, key: str = "ean13") -> dict[str, int]:
    """LNB's in_stock per code, for the lines that carry a code of that kind."""
    return {row[key]: row["in_stock"] for row in sandbox.control("GET", "lnb/inventory").json() if row[key]}


def lnb_stats(sandbox: SandboxProcess) -> dict[str, Any]:
    return sandbox.control("GET", "lnb/stats").json()


def units(stock: str | None, reserved: Decimal = Decimal(0)) -> int:
    return max(0, int((Decimal(stock or "0") - reserved).to_integral_value(rounding=ROUND_FLOOR)))


def code_of(product: dict[str, Any], key: str) -> str | None:
    value = (product.get("EAN1") if key == "ean13" else product.get("No")) or ""
    return value.strip() or None


def expected(sandbox: SandboxProcess, key: str = "ean13") -> tuple[dict[str, int], set[str], set[str]]:
    """(code -> units for the products LNB carries, ids whose code LNB has no line for, ids without the code)."""
    carried = lnb_stock(sandbox, key)
    written, refused, uncoded = {}, set(), set()
    for pid, product in so24_products(sandbox).items():
        code = code_of(product, key)
        if code is None:
            uncoded.add(pid)
        elif code in carried:
            written[code] = units(product.get("Stock"))
        else:
            refused.add(pid)
    return written, refused, uncoded


# ---- the tests -----------------------------------------------------------------------------------


def test_first_run_writes_every_figure_in_one_request_a_quiet_tick_writes_none_a_change_writes_one(
    hub, sandbox
):
    hub.extract()
    want, refused, uncoded = expected(sandbox)
    assert want and refused and uncoded, (
        "the seed has products LNB carries, codes it does not, products without"
    )
    before = lnb_stats(sandbox)

    first = hub.l1()
    held = lnb_stock(sandbox)
    assert {code: held[code] for code in want} == want
    m = meta(first)
    assert (m["created"], m["failed"], m["skipped"]) == (len(want), 0, len(uncoded) + len(refused))
    assert (m["not_exported"], m["not_in_lnb"]) == (len(uncoded), len(refused))
    after_first = lnb_stats(sandbox)
    assert after_first["stock_items_refused"] == before["stock_items_refused"], "no code LNB lacks was sent"
    requests = math.ceil(len(want) / hub.settings.lnb.stock_batch_size)
    assert after_first["stock_requests"] - before["stock_requests"] == requests == m["lnb_stock_requests"]

    quiet = hub.l1()
    m = meta(quiet)
    assert writes(quiet) == 0 and m["unchanged"] == len(want)
    assert lnb_stock(sandbox) == held
    after_quiet = lnb_stats(sandbox)
    assert after_quiet["stock_items_written"] == after_first["stock_items_written"], "no figure written"
    assert after_quiet["stock_requests"] == after_first["stock_requests"], "no request at all"

    pid, product = next((pid, p) for pid, p in so24_products(sandbox).items() if code_of(p, "ean13") in want)
    new_stock = units(product["Stock"]) + 7
    sandbox.control("PATCH", f"24so/products/{pid}", json={"Stock": f"{new_stock}.5"})
    hub.extract()
    changed = hub.l1()
    assert (meta(changed)["updated"], meta(changed)["created"]) == (1, 0)
    assert lnb_stats(sandbox)["stock_items_written"] - after_quiet["stock_items_written"] == 1
    assert lnb_stock(sandbox) == {**held, product["EAN1"]: new_stock}, "only that figure moved, rounded down"


def test_seed_002_callout_products_without_ean13_or_sku_are_not_exported(hub, sandbox):
    """Seed 002: "Products without EAN13/SKU codes won't be exported" (reported with the reason)."""
    hub.extract()
    want, refused, uncoded = expected(sandbox)
    blanked, old_ean = next(
        (pid, code_of(p, "ean13")) for pid, p in so24_products(sandbox).items() if code_of(p, "ean13") in want
    )
    sandbox.control("PATCH", f"24so/products/{blanked}", json={"EAN1": "   "})
    hub.extract()
    line_before = next(
        row for row in sandbox.control("GET", "lnb/inventory").json() if row["ean13"] == old_ean
    )

    result = hub.l1()
    m = meta(result)
    listed = m["not_exported_products"]
    assert m["not_exported"] == len(uncoded) + 1
    for pid in (*uncoded, blanked):
        assert f"| {pid} | product {pid}: " in listed and "has no code LNB could key its stock by" in listed
    assert "flows.L1.key: ean13 reads EAN1" in listed
    with connect(hub.db) as con:
        logged = dict(con.execute(
            "SELECT source_key, reason FROM sync.sync_log WHERE flow = 'L1.ean13' AND action = 'skip'"
        ).fetchall())  # fmt: skip
    assert set(logged) == {*uncoded, blanked, *refused} and "not exported" in logged[blanked]
    assert all("not exported" in logged[pid] for pid in (*uncoded, blanked))
    assert m["created"] == len(want) - 1
    line_after = next(
        row for row in sandbox.control("GET", "lnb/inventory").json() if row["ean13"] == old_ean
    )
    assert line_after == line_before, "the line of the product's former EAN13 was not written"


def test_by_sku_products_without_a_number_are_not_exported_and_lines_are_keyed_by_number(sandbox, tmp_path):
    hub = Hub(sandbox, tmp_path, {"key": "sku"})
    sandbox.control("PATCH", "24so/products/1005", json={"No": ""})
    hub.extract()
    want, refused, uncoded = expected(sandbox, "sku")
    assert "1005" in uncoded

    result = hub.l1()
    held = lnb_stock(sandbox, "sku")
    assert {code: held[code] for code in want} == want
    m = meta(result)
    assert (m["created"], m["failed"], m["not_exported"]) == (len(want), 0, len(uncoded))
    assert m["stock_key"] == "sku" and "| 1005 | product 1005: " in m["not_exported_products"]
    assert m["not_in_lnb"] == len(refused) and hub.failed("L1.sku") == {}
    for pid in refused:
        assert f"| {pid} | LNB has no inventory line for SKU {so24_products(sandbox)[pid]['No']} " in (
            m["not_in_lnb_products"]
        )


def test_a_code_lnb_has_no_line_for_is_skipped_every_tick_unsent_and_goes_once_the_brand_adds_it(hub, sandbox):
    """A 24SO code LNB lacks is never sent (no red check on every tick over what no retry can fix),
    named in the metadata and the check's description, and goes on the tick LNB carries it."""
    hub.extract()
    want, refused, _ = expected(sandbox)
    before = lnb_stats(sandbox)
    first = hub.l1()
    m, verdict = meta(first), check(first)
    assert m["not_in_lnb"] == len(refused) and m["failed"] == 0 and hub.failed() == {}
    assert verdict.passed, verdict.description
    for pid in refused:
        ean = so24_products(sandbox)[pid]["EAN1"]
        assert f"| {pid} | LNB has no inventory line for EAN13 {ean} (GET /inventory): not sent" in (
            m["not_in_lnb_products"]
        )
        assert f"product {pid}: LNB has no inventory line for EAN13 {ean}" in (verdict.description or "")
    assert f"{len(refused)} product(s) not sent, LNB has no line for their code" in (verdict.description or "")

    second = hub.l1()
    assert meta(second)["not_in_lnb"] == len(refused) and writes(second) == 0
    stats = lnb_stats(sandbox)
    assert stats["stock_items_refused"] == before["stock_items_refused"], "never sent, so never refused"
    assert stats["calls"].get("GET /inventory", 0) - before["calls"].get("GET /inventory", 0) == 2, stats["calls"]

    # The brand codes a SKU of its catalogue with the EAN13 of one of those products.
    pid = sorted(refused)[0]
    ean = so24_products(sandbox)[pid]["EAN1"]
    line = next(row for row in sandbox.control("GET", "lnb/inventory").json() if not row["ean13"])
    sandbox.control("PATCH", f"lnb/skus/{line['id']}", json={"ean13": ean})
    gained = hub.l1()
    assert (meta(gained)["created"], meta(gained)["not_in_lnb"]) == (1, len(refused) - 1)
    assert lnb_stock(sandbox)[ean] == units(so24_products(sandbox)[pid]["Stock"])


def test_an_item_lnb_refuses_fails_alone_with_lnbs_words_and_the_check_fails(hub, sandbox):
    """LNB refusing what it does carry (here: a batch over its item limit) is a failure, retried."""
    hub.extract()
    sandbox.control("POST", "lnb/behaviour", json={"max_batch_items": 1})
    result = hub.l1()
    want, _, _ = expected(sandbox)
    failed = hub.failed()
    assert len(failed) == len(want) and all("may not have more than 1 items" in r for r in failed.values())
    verdict = check(result)
    assert not verdict.passed and verdict.severity == dg.AssetCheckSeverity.ERROR
    assert "may not have more than 1 items" in (verdict.description or "")
    assert "may not have more than 1 items" in meta(result)["failures"]

    sandbox.control("POST", "lnb/behaviour", json={"max_batch_items": 1000})
    retried = hub.l1()
    assert meta(retried)["created"] == len(want) and hub.failed() == {} and check(retried).passed


def test_dry_run_writes_nothing_and_previews_every_figure(sandbox, tmp_path):
    hub = Hub(sandbox, tmp_path, {"dry_run": True})
    hub.extract()
    want, refused, uncoded = expected(sandbox)
    inventory, before = lnb_stock(sandbox), lnb_stats(sandbox)

    result = hub.l1()
    m = meta(result)
    assert m["dry_run"] is True and writes(result) == 0 and m["failed"] == 0
    assert (m["planned_create"], m["planned_skip"]) == (len(want), len(uncoded) + len(refused))
    assert "| create |" in m["preview"] and "| skip |" in m["preview"]
    assert lnb_stock(sandbox) == inventory
    assert lnb_stats(sandbox)["stock_requests"] == before["stock_requests"]
    assert m["lnb_stock_requests"] == 0


def test_a_dry_run_asked_in_the_run_config_writes_nothing_then_a_live_run_writes(hub, sandbox):
    hub.extract()
    want, _, _ = expected(sandbox)
    inventory, before = lnb_stock(sandbox), lnb_stats(sandbox)
    preview = hub.l1(dry_run=True)
    assert meta(preview)["dry_run"] is True and writes(preview) == 0
    assert (
        lnb_stock(sandbox) == inventory and lnb_stats(sandbox)["stock_requests"] == before["stock_requests"]
    )
    live = hub.l1()
    assert meta(live)["created"] == len(want)


def test_open_24so_orders_are_deducted_when_the_setting_asks(sandbox, tmp_path):
    statuses = ["Confirmed", "Production", "Pack"]
    hub = Hub(sandbox, tmp_path, {"available": "stock_minus_open_orders", "open_order_statuses": statuses})
    hub.extract("companies", "orders")
    reserved: dict[str, Decimal] = {}
    for order in sandbox.control("GET", "24so/orders").json():
        if order["OrderStatus"] in statuses:
            for row in order.get("rows") or []:
                if row.get("ProductId") and Decimal(row.get("Quantity") or "0") > 0:
                    key = str(row["ProductId"])
                    reserved[key] = reserved.get(key, Decimal(0)) + Decimal(row["Quantity"])
    products = so24_products(sandbox)
    carried = lnb_stock(sandbox)
    want = {
        code_of(p, "ean13"): units(p.get("Stock"), reserved.get(pid, Decimal(0)))
        for pid, p in products.items() if code_of(p, "ean13") in carried
    }  # fmt: skip
    assert any(pid in reserved and code_of(p, "ean13") in carried for pid, p in products.items()), (
        "the seed reserves"
    )

    result = hub.l1()
    held = lnb_stock(sandbox)
    assert {code: held[code] for code in want} == want
    assert meta(result)["available_from"] == "stock_minus_open_orders"


FAULT_KINDS = ["5xx", "limit", "drop", "malformed", "html"]


def scenario(hub: Hub, sandbox: SandboxProcess) -> int:
    """Ticks as the schedules run them (E1, then L1): one, then two figures changed in 24SO, then
    ticks until no figure waits for a retry and a tick writes nothing (at most 6): how many it took."""
    hub.extract()
    hub.l1()
    for pid, stock in (("1001", "55"), ("1005", "0.5")):
        sandbox.control("PATCH", f"24so/products/{pid}", json={"Stock": stock})
    for ticks in range(1, 7):
        hub.extract()
        result = hub.l1()
        if not hub.failed() and writes(result) == 0:
            return ticks
    raise AssertionError(f"still failing after 6 ticks: {hub.failed()}")


def test_ten_percent_faults_on_24so_and_lnb_end_in_the_fault_free_state(sandbox, tmp_path):
    # Small batches on both sides (24SO ids per call, LNB items per request): enough requests a
    # tick for a 10 % fault rate to hit several of them.
    small = {"so24": {"batch_size": 5}, "stock_batch_size": 2}
    clean_ticks = scenario(Hub(sandbox, tmp_path / "clean", **small), sandbox)
    clean = sandbox.control("GET", "lnb/inventory").json()

    sandbox.reset()
    spec = {"rate": 0.1, "kinds": FAULT_KINDS}
    sandbox.control("POST", "24so/faults", json={**spec, "seed": 5})
    sandbox.control("POST", "lnb/faults", json={**spec, "seed": 6})
    faulty_ticks = scenario(Hub(sandbox, tmp_path / "faulty", **small), sandbox)
    injected = {s: sandbox.control("GET", f"{s}/faults").json()["injected"] for s in ("24so", "lnb")}
    sandbox.control("DELETE", "24so/faults")
    sandbox.control("DELETE", "lnb/faults")

    assert sum(injected["24so"].values()) > 0 and sum(injected["lnb"].values()) > 0, injected
    assert faulty_ticks >= clean_ticks
    assert figures(sandbox.control("GET", "lnb/inventory").json()) == figures(clean)


def figures(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """LNB's inventory without the write times (a retried write is later, not different)."""
    return [{k: v for k, v in row.items() if k != "in_stock_update_time"} for row in rows]


def test_l1_writes_only_lnb_stock_figures_and_never_24so(hub, sandbox):
    """Collateral damage: after L1's runs 24SO is as it was, and in LNB only in_stock moved."""
    hub.extract()
    so24_before = {e: sandbox.control("GET", f"24so/{e}").json() for e in ("products", "companies", "orders")}
    lnb_before = {e: sandbox.control("GET", f"lnb/{e}").json() for e in ("products", "retailers", "orders")}
    inventory_before = sandbox.control("GET", "lnb/inventory").json()
    calls_before = sandbox.control("GET", "24so/stats").json()["requests"]

    hub.l1()
    hub.l1()

    assert {e: sandbox.control("GET", f"24so/{e}").json() for e in so24_before} == so24_before
    calls = sandbox.control("GET", "24so/stats").json()["requests"]
    assert calls == calls_before, "L1 makes no 24SO call at all (it reads staging)"
    assert {e: sandbox.control("GET", f"lnb/{e}").json() for e in lnb_before} == lnb_before
    moved = {"in_stock", "in_stock_update_time"}
    after = sandbox.control("GET", "lnb/inventory").json()
    assert [{k: v for k, v in r.items() if k not in moved} for r in after] == [
        {k: v for k, v in r.items() if k not in moved} for r in inventory_before
    ]
    assert sandbox.control("GET", "lnb/stats").json()["status_changes"] == 0
