"""O4 end to end: a 24SO supplier's name reaches the WMS articles that carry its number."""

from __future__ import annotations

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


def test_o4_names_the_supplier_on_its_articles_and_follows_renames(sandbox, tmp_path, monkeypatch):
    settings = o_settings(monkeypatch, {"O4": {"enabled": True}})
    res = o_resources(sandbox, tmp_path / "staging.duckdb")
    supplier = next(c for c in so24_list(sandbox, "companies") if c["Type"] == "Supplier")
    products = so24_list(sandbox, "products")[:3]
    for product in products[:2]:
        so24_patch(sandbox, "products", product["Id"], {"SupplierId": supplier["Id"]})
    extract(res)
    result = run(settings, res, "ongoing_articles", "ongoing_suppliers")
    suppliers = len([c for c in so24_list(sandbox, "companies") if c["Type"] == "Supplier"])
    assert meta(result, "ongoing_suppliers")["created"] == suppliers

    articles = wms_articles(sandbox)
    expected = {"supplierNumber": str(supplier["Id"]), "supplierName": supplier["Name"]}
    for product in products[:2]:
        assert articles[product["No"]]["supplierInfo"] == expected
    assert not articles[products[2]["No"]].get("supplierInfo")

    again = run(settings, res, "ongoing_articles", "ongoing_suppliers")
    assert writes(again, "ongoing_suppliers") == 0 and writes(again, "ongoing_articles") == 0

    so24_patch(sandbox, "companies", supplier["Id"], {"Name": "Omdøpt Leverandør AS"})
    so24_patch(sandbox, "products", products[2]["Id"], {"SupplierId": supplier["Id"]})
    extract(res)
    renamed = run(settings, res, "ongoing_articles", "ongoing_suppliers")
    assert meta(renamed, "ongoing_suppliers")["updated"] == 1
    articles = wms_articles(sandbox)
    for product in products:
        assert articles[product["No"]]["supplierInfo"]["supplierName"] == "Omdøpt Leverandør AS"
