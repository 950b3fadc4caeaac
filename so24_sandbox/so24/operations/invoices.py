"""InvoiceService handlers: GetInvoices, GetOrderSyncList, SaveInvoices.

Quirks kept from 24SO:
- GetInvoices returns rows only when `InvoiceRows` is among invoiceReturnProperties, with the
  row fields named in rowReturnProperties; at most 1000 OrderIds per call (more is a fault);
- SaveInvoices creates when OrderId is absent and updates a known OrderId; CustomerId must
  exist; a status change is an update carrying the new OrderStatus (Invoiced gets an InvoiceId);
- rows of an existing order change by RowId + ChangeState (Add/Edit/Delete); a row without
  ChangeState is an Edit when it has a RowId, else an Add;
- an Invoiced order cannot be changed through SaveInvoices (APIException, not a fault);
- OrderTotalIncVat/OrderTotalVat, InvoiceId, row ProductNo and VatRate are computed by 24SO.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from so24_sandbox.so24.dataset import DataSet
from so24_sandbox.so24.operations.common import (
    Answer,
    Call,
    ItemError,
    ServerFault,
    by_ids,
    check_length,
    echo_failure,
    ids,
    merged,
    selection,
)
from so24_sandbox.so24.serialize import Select
from so24_sandbox.so24.values import changed_since

MAX_ORDER_IDS = 1000
_LIMITS = {"YourReference": 50, "InvoiceTitle": 300, "InvoiceText": 750, "OCR": 32}
_READ_ONLY = (
    "OrderId", "DateChanged", "OrderTotalIncVat", "OrderTotalVat", "InvoiceId", "DateInvoiced", "InvoiceRows",
)  # fmt: skip
_ROW_READ_ONLY = ("RowId", "ProductNo", "ChangeState", "VatRate")
_CENT = Decimal("0.01")
_DEFAULT_VAT = Decimal("25")


def get_invoices(call: Call, args: dict) -> Answer:
    ds = call.dataset
    search = args.get("searchParams") or {}
    order_ids = search.get("OrderIds")
    if order_ids is not None and len(order_ids) > MAX_ORDER_IDS:
        raise ServerFault(f"Too many OrderIds ({len(order_ids)}); at most {MAX_ORDER_IDS} per call.")
    head = selection(
        call.schema, "InvoiceOrder", args.get("invoiceReturnProperties"), "invoiceReturnProperties"
    )
    rows = selection(call.schema, "InvoiceRow", args.get("rowReturnProperties"), "rowReturnProperties")
    candidates = by_ids(ds.orders, order_ids)
    fresh = changed_since(search.get("ChangedAfter"))
    customers = ids(search.get("CustomerIds"))
    states = ids(search.get("OrderStates"))
    invoices = ids(search.get("InvoiceIds"))
    external = ids(search.get("ExternalStatus"))
    out = [
        o
        for o in candidates
        if fresh(o.get("DateChanged"))
        and (customers is None or o.get("CustomerId") in customers)
        and (states is None or o.get("OrderStatus") in states)
        and (invoices is None or o.get("InvoiceId") in invoices)
        and (external is None or o.get("ExternalStatus") in external)
    ]
    return Answer(out, Select(head, {"InvoiceRows": Select(rows)}))


def get_order_sync_list(call: Call, args: dict) -> Answer:
    params = args.get("syncParams") or {}
    fresh = changed_since(params.get("ChangedAfter"))
    registered = changed_since(params.get("RegisteredAfter"))
    return Answer(
        sorted(
            oid
            for oid, o in call.dataset.orders.items()
            if fresh(o.get("DateChanged")) and registered(o.get("_registered"))
        )
    )


def _product(ds: DataSet, row: dict, where: str) -> dict | None:
    if row.get("Type", "Normal") != "Normal" and "ProductId" not in row:
        return None
    if "ProductId" not in row:
        raise ItemError(f"{where}: ProductId is required on a Normal row.")
    product = ds.products.get(row["ProductId"])
    if product is None:
        raise ItemError(f"{where}: ProductId {row['ProductId']} does not exist.")
    return product


def _new_row(ds: DataSet, row: dict, where: str) -> dict:
    product = _product(ds, row, where)
    out = {k: v for k, v in row.items() if k not in _ROW_READ_ONLY}
    out.setdefault("Type", "Normal")
    out.setdefault("Quantity", Decimal("1"))
    if product is not None:
        out.setdefault("Name", product.get("Name"))
        out.setdefault("Price", product.get("Price", Decimal("0")))
        out["ProductNo"] = product.get("No")
        out["VatRate"] = product.get("TaxRate", _DEFAULT_VAT)
    elif not out.get("Name"):
        raise ItemError(f"{where}: a text row needs Name.")
    out["RowId"] = ds.next_id("rows")
    return out


def _edit_rows(ds: DataSet, current: list[dict], incoming: list[dict]) -> list[dict]:
    rows = list(current)
    for n, row in enumerate(incoming, start=1):
        where = f"InvoiceRow {n}"
        state = row.get("ChangeState")
        if state in (None, "None"):
            state = "Edit" if "RowId" in row else "Add"
        if state == "Add":
            rows.append(_new_row(ds, row, where))
            continue
        if "RowId" not in row:
            raise ItemError(f"{where}: ChangeState {state} needs the RowId of an existing row.")
        index = next((i for i, r in enumerate(rows) if r.get("RowId") == row["RowId"]), None)
        if index is None:
            raise ItemError(f"{where}: RowId {row['RowId']} is not a row of this order.")
        if state == "Delete":
            del rows[index]
            continue
        edited = merged(rows[index], row, _ROW_READ_ONLY)
        if "ProductId" in row:
            product = _product(ds, edited, where)
            if product is not None:
                edited["ProductNo"] = product.get("No")
                edited["VatRate"] = product.get("TaxRate", _DEFAULT_VAT)
        rows[index] = edited
    return [
        r if r.get("SequenceNumber") == seq else {**r, "SequenceNumber": seq} for seq, r in enumerate(rows, 1)
    ]


def _totals(rows: list[dict]) -> tuple[Decimal, Decimal]:
    net = Decimal("0")
    vat = Decimal("0")
    for r in rows:
        if r.get("Type", "Normal") != "Normal":
            continue
        line = r.get("Price", Decimal("0")) * r.get("Quantity", Decimal("0"))
        line -= line * r.get("DiscountRate", Decimal("0")) / 100
        net += line
        vat += line * r.get("VatRate", _DEFAULT_VAT) / 100
    net, vat = net.quantize(_CENT), vat.quantize(_CENT)
    return net + vat, vat


def _delivery_method(ds: DataSet, item: dict) -> dict | None:
    method = item.get("DeliveryMethod")
    if not method or "Id" not in method:
        return method
    known = ds.delivery_methods.get(method["Id"])
    if known is None:
        raise ItemError(f"DeliveryMethod.Id {method['Id']} does not exist.")
    return {**known, **method}


def save_order(ds: DataSet, item: dict, now: datetime) -> dict:
    """Create (no OrderId) or update (known OrderId) one order; ItemError says what is wrong."""
    check_length(item, _LIMITS)
    if "CustomerId" in item and item["CustomerId"] not in ds.companies:
        raise ItemError(f"CustomerId {item['CustomerId']} does not exist.")
    method = _delivery_method(ds, item)
    if "OrderId" in item:
        current = ds.orders.get(item["OrderId"])
        if current is None:
            raise ItemError(f"Order with OrderId {item['OrderId']} does not exist.")
        if current.get("OrderStatus") == "Invoiced":
            raise ItemError(
                f"Order {item['OrderId']} is Invoiced and cannot be changed with SaveInvoices "
                "(only InvoiceTitle and ReferenceNumber, through UpdateInvoices)."
            )
        record = merged(current, item, _READ_ONLY)
        if "Addresses" in item:
            record["Addresses"] = {**(current.get("Addresses") or {}), **item["Addresses"]}
        if "InvoiceRows" in item:
            record["InvoiceRows"] = _edit_rows(ds, current.get("InvoiceRows") or [], item["InvoiceRows"])
    else:
        if "CustomerId" not in item:
            raise ItemError("CustomerId is required on a new order.")
        customer = ds.companies[item["CustomerId"]]
        emails = customer.get("EmailAddresses") or {}
        defaults = {
            "OrderStatus": "Web",
            "CustomerName": customer.get("Name"),
            "Addresses": customer.get("Addresses"),
            "PaymentTime": customer.get("PaymentTime"),
            "DateOrdered": now,
        }
        invoice_email = (emails.get("Invoice") or {}).get("Value")
        if invoice_email:
            defaults["InvoiceEmailAddress"] = invoice_email
        record = merged(defaults, item, _READ_ONLY)
        record["InvoiceRows"] = [
            _new_row(ds, row, f"InvoiceRow {n}")
            for n, row in enumerate(item.get("InvoiceRows") or [], start=1)
        ]
        for seq, row in enumerate(record["InvoiceRows"], start=1):
            row["SequenceNumber"] = seq
        record["OrderId"] = ds.next_id("orders")
        record["_registered"] = now
    if method is not None:
        record["DeliveryMethod"] = method
    if record.get("OrderStatus") == "Invoiced" and "InvoiceId" not in record:
        record["InvoiceId"] = ds.next_id("invoices")
        record["DateInvoiced"] = now
    record["OrderTotalIncVat"], record["OrderTotalVat"] = _totals(record["InvoiceRows"])
    record["DateChanged"] = now
    ds.orders[record["OrderId"]] = record
    return record


def save_invoices(call: Call, args: dict) -> Answer:
    ds = call.dataset
    out = []
    for item in args.get("invoices") or []:
        try:
            out.append(save_order(ds, item, call.now))
        except ItemError as exc:
            out.append(echo_failure(item, exc))
    return Answer(out)


HANDLERS = {
    "GetInvoices": get_invoices,
    "GetOrderSyncList": get_order_sync_list,
    "SaveInvoices": save_invoices,
}
