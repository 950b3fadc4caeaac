"""O1 end to end: 24SO products (extracted into staging) become Ongoing articles over HTTP."""

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


def test_o1_puts_every_product_as_an_article_then_only_what_changed(sandbox, tmp_path, monkeypatch):
    settings = o_settings(monkeypatch)
    res = o_resources(sandbox, tmp_path / "staging.duckdb")
    extract(res)
    first = run(settings, res, "ongoing_articles")

    products = {str(p["Id"]): p for p in so24_list(sandbox, "products")}
    articles = {a["productCode"]: a for a in wms_articles(sandbox).values()}
    assert set(articles) == set(products)
    for product_id, p in products.items():
        a = articles[product_id]
        assert a["articleNumber"] == p["No"] and a["articleName"] == p["Name"]
        assert a.get("description") == p.get("Description")
        assert (a.get("barCodeInfo") or {}).get("barCode") == p.get("EAN1")
        assert Decimal(str(a["weight"])) == Decimal(p["Weight"])
    assert meta(first, "ongoing_articles")["created"] == len(products)

    before = wms_articles(sandbox)
    again = run(settings, res, "ongoing_articles")
    assert writes(again, "ongoing_articles") == 0
    assert meta(again, "ongoing_articles")["unchanged"] == len(products)
    assert wms_articles(sandbox) == before

    product = next(iter(products.values()))
    so24_patch(sandbox, "products", product["Id"], {"Name": "Nytt navn i 24SO"})
    extract(res)
    third = run(settings, res, "ongoing_articles")
    assert (meta(third, "ongoing_articles")["updated"], meta(third, "ongoing_articles")["created"]) == (1, 0)
    assert wms_articles(sandbox)[product["No"]]["articleName"] == "Nytt navn i 24SO"
    assert len(wms_articles(sandbox)) == len(products)


def test_o1_dry_run_writes_nothing_and_previews_the_plan(sandbox, tmp_path, monkeypatch):
    settings = o_settings(monkeypatch, {"O1": {"dry_run": True}})
    res = o_resources(sandbox, tmp_path / "staging.duckdb")
    extract(res)
    result = run(settings, res, "ongoing_articles")
    m = meta(result, "ongoing_articles")
    count = len(so24_list(sandbox, "products"))
    assert m["dry_run"] is True and m["created"] == 0 and m["planned_create"] == count
    assert f"create {count}" in m["preview"] and "| create |" in m["preview"]
    assert wms_articles(sandbox) == {}


def test_a_switched_off_flow_does_nothing_when_materialized(sandbox, tmp_path, monkeypatch):
    settings = o_settings(monkeypatch)  # O4 is off by default (seed 001)
    res = o_resources(sandbox, tmp_path / "staging.duckdb")
    extract(res)
    run(settings, res, "ongoing_articles")
    before = wms_articles(sandbox)
    result = run(settings, res, "ongoing_suppliers")
    assert meta(result, "ongoing_suppliers")["switched_off"] is True
    assert wms_articles(sandbox) == before
