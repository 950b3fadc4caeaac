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
- SaveHour (hours) answers only the hour id and refuses with a fault, not in the answer; how
  `save_hour` tells a refusal from a failure is in its docstring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from so24_pipelines.connectors.errors import ConnectorError, So24Refused, TransientError, UnreachableError
from so24_pipelines.connectors.so24 import reads
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


SAVE_HOUR = "TimeService.SaveHour"
# ASMX's wording for an exception thrown inside the operation: 24SO's own reason follows the arrow.
_ASMX_FAULT = "Server was unable to process request. --->"
# The Hour fields a read-back compares (a save that sent them must find them so).
_HOUR_FIELDS = ("TypeOfWorkId", "ContactId", "ProjectId", "StartTime", "StopTime", "SalaryTypeId", "Description")


def _hour_subject(hour: Mapping[str, Any]) -> str:
    if hour.get("Id") is not None:
        return f"hour {hour['Id']}"
    return f"a new hour of contact {hour.get('ContactId')} from {hour.get('StartTime')}"


def _as_read(value: Any) -> Any:
    """A value as GetHours gives it back: times naive UTC (zeep reads 24SO's naive UTC times so)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _sent_values_held(found: Mapping[str, Any], hour: Mapping[str, Any]) -> bool:
    return all(found.get(name) == _as_read(hour[name]) for name in _HOUR_FIELDS if hour.get(name) is not None)


def _narrow(hour: Mapping[str, Any]) -> bool:
    """Whether a read-back of `hour` asks GetHours for one contact or one time window, not for all hours."""
    return hour.get("ContactId") is not None or (hour.get("StartTime") is not None and hour.get("StopTime") is not None)


def find_saved_hour(client: So24Client, hour: Mapping[str, Any]) -> int | None:
    """The id of the hour 24SO holds with the values `hour` sent (its Id, if it has one), or None.

    GetHours for the hour's contact and project within its start..stop (the 2018 HourSearch has no
    id filter): with an Id, that hour must hold every field sent; without one, the first hour
    holding them all. Used after a save whose answer was lost or refused, and by a flow looking
    for an hour it may have saved before a crash (it sends a Description only it writes).
    """
    candidates = reads.hours(
        client, contact_id=int(hour.get("ContactId") or 0), project_id=int(hour.get("ProjectId") or 0),
        start=hour.get("StartTime"), stop=hour.get("StopTime"),
    )  # fmt: skip
    wanted = hour.get("Id")
    for found in candidates:
        if (wanted is None or found.get("Id") == wanted) and _sent_values_held(found, hour):
            return int(found["Id"])
    return None


def save_hour(client: So24Client, hour: Mapping[str, Any]) -> int:
    """SaveHour for one Hour (add without Id, update with a known one); the hour's id.

    SaveHour answers nothing but the id, so a refused hour (an unknown work type, contact or
    project, an approved hour changed) is a soap:Server fault with 24SO's words after ASMX's
    "Server was unable to process request. --->", worded exactly as a server failure is. The fault
    alone cannot tell them apart, and neither can a lost answer tell whether the hour was saved,
    so the call is never repeated blindly (an add sent twice is two hours: nothing in Hour lets
    24SO see it is the same one) and the outcome is read back instead (`find_saved_hour`):
    - the hour is there with the values sent: saved, its id is returned (the answer was lost);
    - 24SO answered a fault and the hour is not there: So24Refused with 24SO's words, for this hour
      only, so a flow goes on with the next;
    - no answer and no hour (dropped connection, timeout): the TransientError as raised, the
      outcome unknown until the next attempt looks again.
    A repeated update (same Id, same values) changes nothing: safe to send again. So an update that
    names neither its contact nor its times is not read back (GetHours would have to list every
    hour of the company): on a fault it is refused, on a lost answer unknown, and sending it again
    is harmless either way.
    """
    try:
        return int(client.call("TimeService", "SaveHour", idempotent=False, Hour=dict(hour)))
    except UnreachableError:
        raise
    except TransientError as exc:
        found = find_saved_hour(client, hour) if _narrow(hour) else None
        if found is not None:
            return found
        text = str(exc)
        if _ASMX_FAULT not in text:
            raise
        reason = text.split(_ASMX_FAULT, 1)[1].strip()
        raise So24Refused(f"24SO refused {_hour_subject(hour)}: {reason}", call=SAVE_HOUR, reason=reason) from None
