"""O2 end to end: confirmed 24SO orders become Ongoing orders; later edits go while the WMS allows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from so24_pipelines.defs.ongoing.assets import build_ongoing_definitions
from so24_pipelines_tests.e2e.ongoing_harness import (
    confirmed_orders,
    extract,
    failed,
    meta,
    o_resources,
    o_settings,
    run,
    so24_list,
    so24_patch,
    wms_orders,
    writes,
)

pytestmark = pytest.mark.e2e


def failed_records_check(settings, asset: str):
    checks = build_ongoing_definitions(settings).asset_checks
    return next(c for c in checks if c.check_key.asset_key.to_user_string() == asset)


def test_o2_sends_the_confirmed_orders_mapped_as_seed_001_says_and_a_rerun_writes_nothing(
    sandbox, tmp_path, monkeypatch
):
    settings = o_settings(monkeypatch)
    res = o_resources(sandbox, tmp_path / "staging.duckdb")
    confirmed = confirmed_orders(sandbox)
    fallback = confirmed[0]
    so24_patch(sandbox, "orders", fallback["OrderId"], {"CustomerDeliveryPhone": "", "InvoiceEmailAddress": ""})
    extract(res)
    result = run(settings, res, "ongoing_articles", "ongoing_orders")
    assert meta(result, "ongoing_orders")["created"] == len(confirmed)

    orders = wms_orders(sandbox)
    assert set(orders) == {str(o["OrderId"]) for o in confirmed}
    products = {p["Id"]: p for p in so24_list(sandbox, "products")}
    companies = {c["Id"]: c for c in so24_list(sandbox, "companies")}
    for source in confirmed[1:]:
        wms = orders[str(source["OrderId"])]
        info, consignee = wms["orderInfo"], wms["consignee"]
        delivery, invoice = source["Addresses"]["Delivery"], source["Addresses"]["Invoice"]
        assert info["deliveryDate"][:10] == source["DeliveryDate"][:10]
        assert info["referenceNumber"] == source.get("ReferenceNumber")
        assert info["salesCode"] == source.get("YourReference")
        assert info["orderRemark"] == source.get("InvoiceTitle")
        assert info["wayOfDelivery"] == {"code": str(source["DeliveryMethod"]["Id"]),
                                         "name": source["DeliveryMethod"]["Description"]}
        assert consignee["customerNumber"] == str(source["CustomerId"])
        assert consignee["name"] == delivery.get("Name", source["CustomerName"])
        assert (consignee["address1"], consignee["postCode"], consignee["city"], consignee["countryCode"]) == (
            delivery["Street"], delivery["PostalCode"], delivery["PostalArea"], delivery["Country"])
        assert consignee["invoiceAddress"] == {
            "name": source["CustomerName"], "address1": invoice["Street"], "postCode": invoice["PostalCode"],
            "city": invoice["PostalArea"], "countryCode": invoice["Country"]}
        company = companies[source["CustomerId"]]
        phone = source.get("CustomerDeliveryPhone") or company["PhoneNumbers"]["Mobile"]["Value"]
        assert info["smsNotification"]["value"] == phone
        lines = [(line["rowNumber"], line["article"]["articleNumber"], Decimal(str(line["orderedNumberOfItems"])))
                 for line in wms["orderLines"]]
        assert lines == [(r["RowId"], products[r["ProductId"]]["No"], Decimal(r["Quantity"])) for r in source["rows"]]

    # seed 001 * and **: no phone or e-mail on the order -> the company's
    company = companies[fallback["CustomerId"]]
    info = orders[str(fallback["OrderId"])]["orderInfo"]
    assert info["smsNotification"]["value"] == company["PhoneNumbers"]["Mobile"]["Value"]
    assert info["telephoneNotification"]["value"] == company["PhoneNumbers"]["Work"]["Value"]
    assert info["emailNotification"]["value"] == company["EmailAddresses"]["Invoice"]["Value"]

    again = run(settings, res, "ongoing_articles", "ongoing_orders")
    assert writes(again, "ongoing_orders") == 0 and writes(again, "ongoing_articles") == 0
    assert meta(again, "ongoing_orders")["unchanged"] == len(confirmed)
    assert wms_orders(sandbox) == orders


def test_an_order_changed_in_24so_is_updated_until_the_warehouse_starts_then_reported(sandbox, tmp_path, monkeypatch):
    settings = o_settings(monkeypatch)
    res = o_resources(sandbox, tmp_path / "staging.duckdb")
    first, second = confirmed_orders(sandbox)[:2]
    extract(res)
    run(settings, res, "ongoing_articles", "ongoing_orders")

    so24_patch(sandbox, "orders", first["OrderId"], {"YourReference": "Endret før plukk"})
    extract(res)
    updated = run(settings, res, "ongoing_orders")
    assert (meta(updated, "ongoing_orders")["updated"], meta(updated, "ongoing_orders")["created"]) == (1, 0)
    assert wms_orders(sandbox)[str(first["OrderId"])]["orderInfo"]["salesCode"] == "Endret før plukk"

    sandbox.control("POST", f"ongoing/orders/{second['OrderId']}/release")
    so24_patch(sandbox, "orders", second["OrderId"], {"YourReference": "Endret etter frigivelse"})
    extract(res)
    refused = run(settings, res, "ongoing_orders")
    m = meta(refused, "ongoing_orders")
    assert (m["failed"], m["updated"]) == (1, 0)
    reason = failed(tmp_path / "staging.duckdb", "O2")[str(second["OrderId"])]
    assert "refused the update" in reason and "status 300" in reason and "WMS keeps its version" in reason
    assert str(second["OrderId"]) in m["failures"]
    assert wms_orders(sandbox)[str(second["OrderId"])]["orderInfo"]["salesCode"] == second.get("YourReference")
    check = failed_records_check(settings, "ongoing_orders")(staging=res["staging"])
    assert not check.passed and check.metadata["failed_records"].value == 1
    assert "refused the update" in check.metadata["records"].value

    so24_patch(sandbox, "orders", second["OrderId"], {"YourReference": second.get("YourReference") or ""})
    extract(res)
    settled = run(settings, res, "ongoing_orders")
    assert writes(settled, "ongoing_orders") == 0 and meta(settled, "ongoing_orders")["failed"] == 0
    assert failed(tmp_path / "staging.duckdb", "O2") == {}
    assert failed_records_check(settings, "ongoing_orders")(staging=res["staging"]).passed
