"""connectors/so24/writes.py against the sandbox over real HTTP: good writes land, refusals are named."""

from __future__ import annotations

from decimal import Decimal

import pytest

from so24_pipelines.connectors.errors import RecordRejected, So24Refused
from so24_pipelines.connectors.so24 import session, writes
from so24_pipelines.connectors.so24.client import So24Client, So24Credentials

pytestmark = pytest.mark.contract


def _client(sandbox) -> So24Client:
    c = sandbox.control("GET", "24so/credentials").json()
    return So24Client(
        base_url=f"{sandbox.url}/24so",
        credentials=So24Credentials(c["application_id"], c["username"], c["password"]),
        backoff_base=0.01,
    )


def _order(sandbox, order_id: int) -> dict:
    return sandbox.control("GET", f"24so/orders/{order_id}").json()


def test_status_change_lands_and_a_change_of_an_invoiced_order_is_refused_with_24sos_words(sandbox):
    client = _client(sandbox)
    order_id = next(o["OrderId"] for o in sandbox.control("GET", "24so/orders").json() if o["OrderStatus"] == "Confirmed")
    saved = writes.set_order_status(client, order_id, "OrderState_Sent")
    assert saved["OrderId"] == order_id and _order(sandbox, order_id)["OrderStatus"] == "OrderState_Sent"
    writes.set_order_status(client, order_id, "Invoiced")

    with pytest.raises(So24Refused) as info:
        writes.set_order_status(client, order_id, "OrderState_Sent")
    error = info.value
    assert isinstance(error, RecordRejected) and error.call == "InvoiceService.SaveInvoices"
    assert error.reason and f"Order {order_id} is Invoiced and cannot be changed" in error.reason
    assert f"24SO refused status OrderState_Sent for order {order_id}: Order {order_id} is Invoiced" in str(error)
    with pytest.raises(So24Refused, match="is Invoiced"):
        writes.save_order_rows(client, order_id, [{"RowId": 1, "ChangeState": "Delete"}], status=None)
    assert _order(sandbox, order_id)["OrderStatus"] == "Invoiced"


def test_stock_is_set_and_stock_of_a_missing_product_is_refused(sandbox):
    client = _client(sandbox)
    product = sandbox.control("GET", "24so/products").json()[0]
    writes.set_stock_quantity(client, product["Id"], Decimal("17.000"))
    assert sandbox.control("GET", f"24so/products/{product['Id']}").json()["Stock"] == "17.000"
    with pytest.raises(So24Refused) as info:
        writes.set_stock_quantity(client, 987654321, Decimal("1"))
    assert str(info.value) == (
        "ProductService.SetStockQuantity: 24SO refused stock 1 for product 987654321 (does it still exist?)"
    )


def test_product_company_and_invoice_saves_return_the_saved_item_or_the_refusal(sandbox):
    client = _client(sandbox)
    category = sandbox.control("GET", "24so/categories").json()[0]["Id"]
    product = writes.save_product(client, {"No": "W-1", "Name": "Skrue", "CategoryId": category}, idempotent=False)
    assert product["Id"] and sandbox.control("GET", f"24so/products/{product['Id']}").json()["No"] == "W-1"
    with pytest.raises(So24Refused, match="Product with Id 987654321 does not exist"):
        writes.save_product(client, {"Id": 987654321, "Name": "x"}, idempotent=True)

    company = writes.save_company(client, {"Name": "Kunde AS", "ExternalId": "RB-1"}, idempotent=False)
    with pytest.raises(So24Refused, match="CompanyService.SaveCompanies: 24SO refused new company RB-2: A new"):
        writes.save_company(client, {"ExternalId": "RB-2"}, idempotent=False)

    order = {"CustomerId": company["Id"], "ReferenceNumber": "R-1",
             "InvoiceRows": {"InvoiceRow": [{"ProductId": product["Id"], "Quantity": Decimal("2")}]}}  # fmt: skip
    saved = writes.save_invoice(client, order, idempotent=False)
    assert saved["OrderId"] and _order(sandbox, saved["OrderId"])["ReferenceNumber"] == "R-1"
    with pytest.raises(So24Refused, match=r"24SO refused new order R-2: CustomerId 987654321 does not exist"):
        writes.save_invoice(client, {"CustomerId": 987654321, "ReferenceNumber": "R-2"}, idempotent=False)


def test_current_identity_switches_and_reports_the_sessions_company(sandbox):
    client = _client(sandbox)
    default = session.current_identity(client, None)
    other = next(i["id"] for i in sandbox.control("GET", "24so/credentials").json()["identities"] if i["id"] != default)
    assert session.current_identity(client, other) == other
    assert session.current_identity(client, None) == other
