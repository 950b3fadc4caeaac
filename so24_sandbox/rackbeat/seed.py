"""The account the sandbox starts from: what Rackbeat's 24SO guide asks for before installing.

Supplier group 1 "Suppliers", customer group 1 "Customers", one payment term (the guide's
prerequisites, checked by the hub before activation), one product group and the default
location, plus a few products, customers and a supplier a user made in Rackbeat before the
integration existed. Small on purpose: the hub's initial sync fills the rest. No custom fields:
creating "24so product id" and friends is part of the hub's setup.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from so24_sandbox.rackbeat.backend import RackbeatBackend

SEEDED_AT = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)

PRODUCTS = (
    {
        "number": "RB-1001",
        "name": "Lagerhylle 180 cm",
        "sales_price": 1490.0,
        "recommended_cost_price": 820.0,
        "barcode": "7090000010015",
        "stock": 12.0,
    },
    {
        "number": "RB-1002",
        "name": "Plastkasse 40 l",
        "sales_price": 129.0,
        "recommended_cost_price": 54.5,
        "barcode": "7090000010022",
        "stock": 140.0,
    },
    {
        "number": "RB-1003",
        "name": "Etikettskriver",
        "sales_price": 2390.0,
        "recommended_cost_price": 1510.0,
        "barcode": "7090000010039",
        "stock": 0.0,
    },
)
CUSTOMERS = (
    {
        "number": 10001,
        "name": "Fjordkaffe AS",
        "company_vat": "NO912345670MVA",
        "address_street": "Bryggen 5",
        "address_zipcode": "5003",
        "address_city": "Bergen",
        "address_country": "NO",
        "contact_email": "innkjop@fjordkaffe.example",
    },
    {
        "number": 10002,
        "name": "Nordlys Interiør AS",
        "company_vat": "NO923456781MVA",
        "address_street": "Storgata 12",
        "address_zipcode": "9008",
        "address_city": "Tromsø",
        "address_country": "NO",
        "contact_email": "post@nordlys.example",
    },
)
SUPPLIERS = (
    {
        "number": 20001,
        "company_name": "Bergen Emballasje AS",
        "address_city": "Bergen",
        "address_country": "NO",
    },
)


def load(backend: RackbeatBackend) -> None:
    at = SEEDED_AT
    backend.registers["payment-terms"].create(
        {"number": 1, "name": "Netto 14 dager", "type": "net", "maturity_days": 14}, at=at
    )
    backend.registers["customer-groups"].create({"number": 1, "name": "Customers"}, at=at)
    backend.registers["supplier-groups"].create({"number": 1, "name": "Suppliers"}, at=at)
    backend.registers["product-groups"].create(
        {"number": 1001, "name": "Varer", "has_inventory": True}, at=at
    )
    locations = backend.registers["locations"]
    locations.create({"number": 1, "name": "Hovedlager"}, at=at)
    locations.table[1]["is_default"] = True
    for supplier in SUPPLIERS:
        backend.registers["suppliers"].create({**supplier, "payment_terms_id": 1}, at=at)
    for customer in CUSTOMERS:
        backend.registers["customers"].create({**customer, "payment_terms_id": 1}, at=at)
    for product in PRODUCTS:
        body = {k: v for k, v in product.items() if k != "stock"}
        record = backend.registers["products"].create({**body, "group": 1001}, at=at)
        record["stock_quantity"] = product["stock"]
