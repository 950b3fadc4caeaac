"""The 24SO writes the hub makes, one item per call, each ending in the saved item or So24Refused.

24SO does not answer a refused item with a SOAP fault: SaveInvoices, SaveProducts and
SaveCompanies return the item with an `APIException` inside it (e.g. "Order 1 is Invoiced and
cannot be changed"), and SetStockQuantity just returns false. `refusal` is the one place that
reads that, and every write here turns it into So24Refused (a RecordRejected) carrying 24SO's
words and the call name, so the loader skips that one record with a reason and the batch goes on.
A fault (bad request, server error, limit) is still raised by the client as before.

Quirks these calls absorb (reference/24so/API.md):
- A status change is an update of a known OrderId carrying only OrderStatus; `IncludeVAT` is sent
  as nil because the element is required by the WSDL and a default would flip the order's VAT mode.
- Rows of an existing order change by RowId + ChangeState (Add / Edit / Delete). A status or
  stock write sets an absolute value and is safe to repeat; a row Add is not (a lost answer plus
  a retry adds the row twice), so row saves go without client retries.
- Creates (an item without Id / OrderId) go with idempotent=False: the client never repeats one
  blindly; the loader resolves an unconfirmed create by business key instead. The caller says
  which it is (`idempotent`), because only it knows whether the item is a create.
- Quantities are Decimal, never float (zeep would print a float in a form .NET may refuse).
- A company's Addresses / PhoneNumbers / EmailAddresses are structures of entries (Post, Invoice,
  Work ...). A scalar left out of a save is "no change" (sentinel), but an entry that is sent is
  stored as sent: an Address without PostalArea loses its PostalArea (seen in production; whether
  24SO also drops the entries not sent is not documented, the sandbox can do either). So an update
  that carries any of them is a read-modify-write (`save_company`): the company is read, the
  caller's fields are laid over each structure as read, and every entry goes back whole. The
  caller sends only the fields it owns; nothing else of the company is touched.
- SaveHour (hours) answers the new hour id and refuses with a fault, not in the answer, so it
  needs no mapping here; it belongs in this module once a flow writes hours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from so24_pipelines.connectors.errors import ConnectorError, So24Refused
from so24_pipelines.connectors.so24.client import So24Client

SAVE_INVOICES = "InvoiceService.SaveInvoices"
SAVE_PRODUCTS = "ProductService.SaveProducts"
SAVE_COMPANIES = "CompanyService.SaveCompanies"
SET_STOCK = "ProductService.SetStockQuantity"


def refusal(item: Mapping[str, Any]) -> str | None:
    """24SO's words when a returned item carries an APIException; None when the item was saved."""
    error = item.get("APIException")
    if not error:
        return None
    if isinstance(error, Mapping):
        return str(error.get("Message") or error.get("Type") or dict(error))
    return str(error)


def _saved(result: Any, *, call: str, subject: str) -> dict[str, Any]:
    """The one item a Save* call returned, or So24Refused with 24SO's words."""
    items = result if isinstance(result, list) else [result] if isinstance(result, Mapping) else []
    if not items or not isinstance(items[0], Mapping):
        raise ConnectorError(f"24SO answered without the saved item ({subject})", call=call)
    item = dict(items[0])
    reason = refusal(item)
    if reason is not None:
        raise So24Refused(f"24SO refused {subject}: {reason}", call=call, reason=reason)
    return item


def _order_subject(order: Mapping[str, Any]) -> str:
    if order.get("OrderId") is not None:
        return f"order {order['OrderId']}"
    reference = order.get("ReferenceNumber")
    return f"new order {reference}" if reference else "a new order"


def save_invoice(client: So24Client, order: Mapping[str, Any], *, idempotent: bool) -> dict[str, Any]:
    """SaveInvoices for one InvoiceOrder (create without OrderId, update with it); the saved order."""
    result = client.call(
        "InvoiceService", "SaveInvoices", idempotent=idempotent, invoices={"InvoiceOrder": [dict(order)]}
    )
    return _saved(result, call=SAVE_INVOICES, subject=_order_subject(order))


def set_order_status(client: So24Client, order_id: int, status: str) -> dict[str, Any]:
    """A status change of a known order (absolute, so retried safely); the saved order."""
    order = {"OrderId": int(order_id), "OrderStatus": status, "IncludeVAT": None}
    result = client.call("InvoiceService", "SaveInvoices", idempotent=True, invoices={"InvoiceOrder": [order]})
    return _saved(result, call=SAVE_INVOICES, subject=f"status {status} for order {int(order_id)}")


def save_order_rows(
    client: So24Client, order_id: int, rows: Sequence[Mapping[str, Any]], *, status: str | None
) -> dict[str, Any]:
    """Row changes (each with ChangeState) and optionally a new status, in one SaveInvoices.

    Never retried by the client: a row Add sent twice adds the row twice.
    """
    order: dict[str, Any] = {"OrderId": int(order_id), "IncludeVAT": None}
    if status:
        order["OrderStatus"] = status
    order["InvoiceRows"] = {"InvoiceRow": [dict(r) for r in rows]}
    return save_invoice(client, order, idempotent=False)


def save_product(client: So24Client, product: Mapping[str, Any], *, idempotent: bool) -> dict[str, Any]:
    """SaveProducts for one Product (create without Id, update with it); the saved product."""
    result = client.call(
        "ProductService", "SaveProducts", idempotent=idempotent, products={"Product": [dict(product)]}
    )
    key = product.get("Id") if product.get("Id") is not None else product.get("No")
    return _saved(result, call=SAVE_PRODUCTS, subject=f"product {key}" if key is not None else "a new product")


COMPANY_STRUCTURES = ("Addresses", "PhoneNumbers", "EmailAddresses")


def _present(value: Any) -> Any:
    """`value` without unset parts: zeep reads a nil entry as an object whose every field is None."""
    if isinstance(value, Mapping):
        kept = {k: v for k, v in ((k, _present(v)) for k, v in value.items()) if v is not None}
        return kept or None
    return None if value == "" else value


def _overlay(current: Any, owned: Any) -> Any:
    """`owned` laid over `current`, entry by entry and field by field (owned wins where it has a value)."""
    if not isinstance(owned, Mapping):
        return owned
    merged = dict(current) if isinstance(current, Mapping) else {}
    for key, value in owned.items():
        merged[key] = _overlay(merged.get(key), value)
    return merged


def company_structures(client: So24Client, company_id: int, names: Sequence[str]) -> dict[str, Any]:
    """The company's structures `names` as 24SO holds them now (unset entries and fields left out)."""
    found = client.call(
        "CompanyService", "GetCompanies",
        searchParams={"CompanyId": int(company_id)}, returnProperties={"string": ["Id", *names]},
    )  # fmt: skip
    items = [item for item in found or [] if isinstance(item, Mapping) and item.get("Id") == int(company_id)]
    if not items:
        raise So24Refused(f"24SO has no company {int(company_id)}", call=SAVE_COMPANIES, reason="no such company")
    return {name: value for name in names if (value := _present(items[0].get(name))) is not None}


def merged_company(client: So24Client, company: Mapping[str, Any]) -> dict[str, Any]:
    """An update of `company` with each structure it carries completed from the company as read."""
    names = [name for name in COMPANY_STRUCTURES if isinstance(company.get(name), Mapping)]
    if company.get("Id") is None or not names:
        return dict(company)
    current = company_structures(client, int(company["Id"]), names)
    return {**company, **{name: _overlay(current.get(name), company[name]) for name in names}}


def save_company(client: So24Client, company: Mapping[str, Any], *, idempotent: bool) -> dict[str, Any]:
    """SaveCompanies for one Company (create without Id, update with it); the saved company.

    An update carrying addresses, phones or e-mails is merged into the company as read first
    (module docstring), so an entry's fields the caller does not send are kept.
    """
    company = merged_company(client, company)
    result = client.call(
        "CompanyService", "SaveCompanies", idempotent=idempotent, companies={"Company": [dict(company)]}
    )
    if company.get("Id") is not None:
        subject = f"company {company['Id']}"
    elif company.get("ExternalId"):
        subject = f"new company {company['ExternalId']}"
    else:
        subject = "a new company"
    return _saved(result, call=SAVE_COMPANIES, subject=subject)


def set_stock_quantity(client: So24Client, product_id: int, quantity: Decimal) -> None:
    """Set a product's stock to an absolute figure (safe to repeat); false from 24SO is So24Refused."""
    if not isinstance(quantity, Decimal):
        raise TypeError(f"stock quantity must be a Decimal, not {type(quantity).__name__}")
    ok = client.call("ProductService", "SetStockQuantity", idempotent=True,
                     productId=int(product_id), stockQuantity=quantity)  # fmt: skip
    if not ok:
        raise So24Refused(
            f"24SO refused stock {quantity} for product {int(product_id)} (does it still exist?)", call=SET_STOCK
        )
