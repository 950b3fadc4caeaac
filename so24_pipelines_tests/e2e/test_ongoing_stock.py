"""O5 end to end: where the WMS's stock differs from 24SO's, 24SO's is set to the WMS figure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from so24_pipelines_tests.e2e.ongoing_harness import (
    extract,
    meta,
    o_resources,
    o_settings,
    run,
    so24_list,
    so24_patch,
    wms_articles,
    writes,
)

pytestmark = pytest.mark.e2e


def stock_24so(sandbox) -> dict[str, Decimal]:
    return {p["No"]: Decimal(p["Stock"]) for p in so24_list(sandbox, "products") if p.get("No")}


def figures(sandbox, kind: str) -> dict[str, Decimal]:
    field = "sellableNumberOfItems" if kind == "sellable" else "numberOfItems"
    return {n: Decimal(str(a["inventoryInfo"][field])) for n, a in wms_articles(sandbox).items()}


def stocked_warehouse(sandbox, settings, res) -> tuple[list[str], set[str]]:
    """Articles and booked orders in the WMS, every article counted: physical 100, 101, ..."""
    extract(res)
    run(settings, res, "ongoing_articles", "ongoing_orders")  # booked orders: sellable < physical
    numbers = list(wms_articles(sandbox))
    for n, number in enumerate(numbers):
        sandbox.control("POST", f"ongoing/articles/{number}/stock", json={"physical": 100 + n})
    booked = {line["article"]["articleNumber"] for o in sandbox.control("GET", "ongoing/orders").json()
              for line in o["orderLines"]}
    assert booked
    return numbers, booked


def test_o5_physical_writes_the_counted_figure(sandbox, tmp_path, monkeypatch):
    settings = o_settings(monkeypatch, {"O5": {"stock_kind": "physical"}})
    res = o_resources(sandbox, tmp_path / "staging.duckdb")
    numbers, _ = stocked_warehouse(sandbox, settings, res)
    run(settings, res, "ongoing_stock")
    assert stock_24so(sandbox) == {n: Decimal(100 + i) for i, n in enumerate(numbers)} == figures(sandbox, "physical")


def test_o5_sets_24so_stock_to_the_sellable_figure_and_follows_drift(sandbox, tmp_path, monkeypatch):
    kind = "sellable"  # the default (flows.O5.stock_kind)
    settings = o_settings(monkeypatch)
    res = o_resources(sandbox, tmp_path / "staging.duckdb")
    numbers, booked = stocked_warehouse(sandbox, settings, res)
    differing = {n for n, figure in figures(sandbox, kind).items() if stock_24so(sandbox)[n] != figure}

    result = run(settings, res, "ongoing_stock")
    wms = figures(sandbox, kind)
    assert stock_24so(sandbox) == wms
    assert meta(result, "ongoing_stock")["created"] == len(differing) > 0
    assert all(wms[n] < 100 + numbers.index(n) for n in booked)

    again = run(settings, res, "ongoing_stock")
    assert writes(again, "ongoing_stock") == 0
    extract(res)
    settled = run(settings, res, "ongoing_stock")
    assert meta(settled, "ongoing_stock")["dagster/row_count"] == 0  # 24SO agrees: nothing to compare

    product = next(p for p in so24_list(sandbox, "products") if p.get("No") == numbers[0])
    so24_patch(sandbox, "products", product["Id"], {"Stock": "1"})  # 24SO drifts, the WMS did not move
    sandbox.control("POST", f"ongoing/articles/{numbers[1]}/stock", json={"physical": 7})  # the WMS moves
    extract(res)
    drift = run(settings, res, "ongoing_stock")
    assert writes(drift, "ongoing_stock") == 2
    assert stock_24so(sandbox) == figures(sandbox, kind)
