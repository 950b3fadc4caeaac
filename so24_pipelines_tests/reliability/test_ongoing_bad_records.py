"""Bad records in the Ongoing flows are skipped with a reason the user can act on; the rest goes on."""

from __future__ import annotations

import pytest

from so24_pipelines_tests.e2e.ongoing_harness import (
    confirmed_orders,
    extract,
    log,
    meta,
    o_resources,
    o_settings,
    run,
    so24_list,
    so24_patch,
    wms_articles,
    wms_orders,
)

pytestmark = pytest.mark.reliability


def skips(db, flow: str) -> dict[str, str]:
    return {key: reason for key, action, reason in log(db, flow) if action == "skip"}


def test_product_without_number_and_order_without_delivery_address_are_skipped_with_reasons(
    sandbox, tmp_path, monkeypatch
):
    db = tmp_path / "staging.duckdb"
    settings = o_settings(monkeypatch)
    res = o_resources(sandbox, db)
    confirmed = confirmed_orders(sandbox)
    no_address, with_nameless = confirmed[:2]
    nameless = with_nameless["rows"][0]["ProductId"]
    naming_it = {str(o["OrderId"]) for o in confirmed if any(r["ProductId"] == nameless for r in o["rows"])}
    so24_patch(sandbox, "products", nameless, {"No": ""})
    so24_patch(sandbox, "orders", no_address["OrderId"], {"Addresses": {"Delivery": {}}})
    extract(res)
    result = run(settings, res, "ongoing_articles", "ongoing_orders")

    products = so24_list(sandbox, "products")
    assert meta(result, "ongoing_articles")["created"] == len(products) - 1
    assert meta(result, "ongoing_articles")["skipped"] == 1
    reason = skips(db, "O1")[str(nameless)]
    assert reason.startswith(f"product {nameless}: ") and "has no product number (No) in 24SO" in reason
    assert str(nameless) in meta(result, "ongoing_articles")["preview"]
    assert len(wms_articles(sandbox)) == len(products) - 1

    o2 = skips(db, "O2")
    assert "no delivery address in 24SO (Addresses.Delivery.Street is empty)" in o2[str(no_address["OrderId"])]
    line = next(r["RowId"] for r in with_nameless["rows"] if r["ProductId"] == nameless)
    assert f"line {line}: 24SO product {nameless} on this line has no product number" in o2[str(with_nameless["OrderId"])]
    skipped_orders = naming_it | {str(no_address["OrderId"])}
    assert set(o2) == skipped_orders
    assert set(wms_orders(sandbox)) == {str(o["OrderId"]) for o in confirmed} - skipped_orders
    assert meta(result, "ongoing_orders")["skipped"] == len(skipped_orders)


def test_an_order_line_whose_article_the_wms_lacks_is_skipped_until_o1_sends_it(sandbox, tmp_path, monkeypatch):
    db = tmp_path / "staging.duckdb"
    settings = o_settings(monkeypatch)
    res = o_resources(sandbox, db)
    extract(res)
    run(settings, res, "ongoing_articles")
    category = so24_list(sandbox, "products")[0]["CategoryId"]
    new = sandbox.control("POST", "24so/products", json={"Name": "Ny vare", "No": "NY-001", "CategoryId": category}).json()
    order = confirmed_orders(sandbox)[0]
    so24_patch(sandbox, "orders", order["OrderId"], {"rows": [{"ProductId": new["Id"], "Quantity": "2"}]})
    row = next(r["RowId"] for r in so24_list(sandbox, "orders") if r["OrderId"] == order["OrderId"]
               for r in r["rows"] if r["ProductId"] == new["Id"])
    extract(res)

    result = run(settings, res, "ongoing_orders")  # O2 alone: the new product is not an article yet
    reason = skips(db, "O2")[str(order["OrderId"])]
    assert reason == (f"order {order['OrderId']}: line {row}: article 'NY-001' is not in the WMS "
                      "(O1 sends products as articles first; see O1's skipped products)")
    assert str(order["OrderId"]) not in wms_orders(sandbox)
    assert meta(result, "ongoing_orders")["created"] == len(confirmed_orders(sandbox)) - 1

    run(settings, res, "ongoing_articles", "ongoing_orders")
    lines = wms_orders(sandbox)[str(order["OrderId"])]["orderLines"]
    assert ("NY-001", 2) in {(line["article"]["articleNumber"], line["orderedNumberOfItems"]) for line in lines}
