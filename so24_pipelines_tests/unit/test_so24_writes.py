"""connectors/so24/writes.py with a stub client: what each write sends, and the one refusal mapping."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from so24_pipelines.connectors.errors import ConnectorError, RecordRejected, So24Refused
from so24_pipelines.connectors.so24 import writes


class StubClient:
    """Records each call and answers with the next queued answer."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, str, bool, dict[str, Any]]] = []

    def call(self, service: str, operation: str, *, idempotent: bool = True, **kwargs: Any) -> Any:
        self.calls.append((service, operation, idempotent, kwargs))
        return self.answers.pop(0)


INVOICED = {"Message": "Order 7 is Invoiced and cannot be changed with SaveInvoices", "Type": "Validation"}


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"OrderId": 7, "APIException": None}, None),
        ({"OrderId": 7}, None),
        ({"OrderId": 7, "APIException": INVOICED}, INVOICED["Message"]),
        ({"APIException": {"Message": None, "Type": "NotFound"}}, "NotFound"),
        ({"APIException": "plain text"}, "plain text"),
    ],
)
def test_refusal_reads_the_api_exception_message_or_type(item, expected):
    assert writes.refusal(item) == expected


def test_status_change_sends_only_status_and_nil_vat_and_may_be_retried():
    client = StubClient([{"OrderId": 7, "OrderStatus": "OrderState_Sent", "APIException": None}])
    saved = writes.set_order_status(client, 7, "OrderState_Sent")
    assert saved["OrderStatus"] == "OrderState_Sent"
    [(service, operation, idempotent, kwargs)] = client.calls
    assert (service, operation, idempotent) == ("InvoiceService", "SaveInvoices", True)
    assert kwargs == {"invoices": {"InvoiceOrder": [{"OrderId": 7, "OrderStatus": "OrderState_Sent", "IncludeVAT": None}]}}


def test_refused_status_raises_the_named_error_with_24sos_words_and_the_call():
    client = StubClient([{"OrderId": 7, "APIException": INVOICED}])
    with pytest.raises(So24Refused) as info:
        writes.set_order_status(client, 7, "OrderState_Sent")
    error = info.value
    assert isinstance(error, RecordRejected)  # the loader skips the record and goes on
    assert error.call == "InvoiceService.SaveInvoices" and error.reason == INVOICED["Message"]
    assert str(error) == (
        "InvoiceService.SaveInvoices: 24SO refused status OrderState_Sent for order 7: " + INVOICED["Message"]
    )


def test_row_changes_go_in_one_save_without_client_retries():
    client = StubClient([{"OrderId": 7, "InvoiceRows": {"InvoiceRow": [{"RowId": 1}]}}])
    rows = [{"RowId": 1, "ChangeState": "Edit", "Quantity": Decimal("3")}]
    writes.save_order_rows(client, 7, rows, status="Confirmed")
    [(_, operation, idempotent, kwargs)] = client.calls
    assert operation == "SaveInvoices" and idempotent is False
    assert kwargs["invoices"]["InvoiceOrder"] == [
        {"OrderId": 7, "IncludeVAT": None, "OrderStatus": "Confirmed", "InvoiceRows": {"InvoiceRow": rows}}
    ]
    writes_without_status = StubClient([{"OrderId": 7}])
    writes.save_order_rows(writes_without_status, 7, rows, status=None)
    assert "OrderStatus" not in writes_without_status.calls[0][3]["invoices"]["InvoiceOrder"][0]


def test_refused_new_invoice_names_its_reference():
    client = StubClient([{"APIException": {"Message": "CustomerId 9 does not exist."}}])
    with pytest.raises(So24Refused, match=r"24SO refused new order R-1: CustomerId 9 does not exist\."):
        writes.save_invoice(client, {"CustomerId": 9, "ReferenceNumber": "R-1"}, idempotent=False)
    assert client.calls[0][2] is False


@pytest.mark.parametrize("answer", [None, [], [None]])
def test_an_answer_without_the_item_is_a_connector_error_not_a_refusal(answer):
    client = StubClient(answer)
    with pytest.raises(ConnectorError) as info:
        writes.save_invoice(client, {"OrderId": 7}, idempotent=True)
    assert not isinstance(info.value, RecordRejected)
    assert "answered without the saved item" in str(info.value)


def test_products_and_companies_save_one_item_and_map_refusals_the_same_way():
    client = StubClient(
        [{"Id": 5, "No": "A-1", "APIException": None}],
        {"Id": 8, "Name": "Kunde"},  # zeep may hand back a single item instead of a list
        [{"Id": 5, "APIException": {"Message": "CategoryId 99 does not exist."}}],
        [{"APIException": {"Message": "A new company needs Name."}}],
    )
    assert writes.save_product(client, {"No": "A-1", "Name": "x"}, idempotent=False)["Id"] == 5
    assert writes.save_company(client, {"Id": 8, "Name": "Kunde"}, idempotent=True)["Id"] == 8
    with pytest.raises(So24Refused, match=r"ProductService.SaveProducts: 24SO refused product 5: CategoryId 99"):
        writes.save_product(client, {"Id": 5, "CategoryId": 99}, idempotent=True)
    with pytest.raises(So24Refused, match=r"CompanyService.SaveCompanies: 24SO refused new company RB-3: A new"):
        writes.save_company(client, {"ExternalId": "RB-3"}, idempotent=False)
    assert [(c[1], c[2]) for c in client.calls] == [
        ("SaveProducts", False), ("SaveCompanies", True), ("SaveProducts", True), ("SaveCompanies", False)
    ]
    assert client.calls[0][3] == {"products": {"Product": [{"No": "A-1", "Name": "x"}]}}
    assert client.calls[1][3] == {"companies": {"Company": [{"Id": 8, "Name": "Kunde"}]}}


def test_stock_is_sent_as_decimal_and_false_is_a_refusal():
    client = StubClient(True, False)
    writes.set_stock_quantity(client, 5, Decimal("17.000"))
    assert client.calls[0][:3] == ("ProductService", "SetStockQuantity", True)
    assert client.calls[0][3] == {"productId": 5, "stockQuantity": Decimal("17.000")}
    with pytest.raises(So24Refused) as info:
        writes.set_stock_quantity(client, 6, Decimal("1"))
    assert str(info.value) == (
        "ProductService.SetStockQuantity: 24SO refused stock 1 for product 6 (does it still exist?)"
    )
    with pytest.raises(TypeError, match="Decimal"):
        writes.set_stock_quantity(client, 5, 1.5)  # type: ignore[arg-type]
    assert len(client.calls) == 2
