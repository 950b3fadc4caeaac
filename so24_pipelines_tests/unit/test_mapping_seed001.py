"""Seed 001's field mapping tables, transcribed as data, are honoured by the Ongoing specs.

Each pair is (Ongoing field as seed 001 writes it, 24SevenOffice field as seed 001 writes it). The
test does not trust the specs to say what they map: it finds the staging column of the 24SO field
through the extraction's own table specs (the 24SO element path), stages rows with a distinct
value in every column, maps them with the shipped specs, and checks the value arrives at the REST
field that the Ongoing reference (SOAP -> REST table) names for the seed's Ongoing field.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from so24_pipelines.flows.so24 import tables as t
from so24_pipelines.flows.so24.tables import ensure_schema
from so24_pipelines.mapping import load_spec, map_records
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.staging.tables import StagingTable
from so24_pipelines.staging.upsert import upsert

IDENTITY = "11111111-2222-3333-4444-555555555555"

ARTICLE_PAIRS = [
    ("ArticleDefinition ⇒ ProductCode", "Product ⇒ Id"),
    ("ArticleDefinition ⇒ ArticleNumber", "Product ⇒ No"),
    ("ArticleDefinition ⇒ ArticleName", "Product ⇒ Name"),
    ("ArticleDefinition ⇒ ArticleDescription", "Product ⇒ Description"),
    ("ArticleDefinition ⇒ BarCode", "Product ⇒ EAN1"),
    ("ArticleDefinition ⇒ Weight", "Product ⇒ Weight"),
]
ORDER_PAIRS = [
    ("OrderInfo ⇒ GoodsOwnerOrderNumber", "InvoiceOrder ⇒ OrderId"),
    ("OrderInfo ⇒ DeliveryDate", "InvoiceOrder ⇒ DeliveryDate"),
    ("OrderInfo ⇒ ReferenceNumber", "InvoiceOrder ⇒ ReferenceNumber"),
    ("OrderInfo ⇒ SalesCode", "InvoiceOrder ⇒ YourReference"),
    ("OrderInfo ⇒ WayOfDelivery", "InvoiceOrder ⇒ DeliveryMethod ⇒ Description"),
    ("OrderInfo ⇒ WayOfDeliveryType ⇒ Code", "InvoiceOrder ⇒ DeliveryMethod ⇒ Id"),
    ("OrderInfo ⇒ WayOfDeliveryType ⇒ Name", "InvoiceOrder ⇒ DeliveryMethod ⇒ Description"),
    ("OrderInfo ⇒ OrderRemark", "InvoiceOrder ⇒ InvoiceTitle"),
    ("Customer ⇒ CustomerNumber", "InvoiceOrder ⇒ CustomerId"),
    ("Customer ⇒ Name", "InvoiceOrder ⇒ CustomerDeliveryName"),
    ("Customer ⇒ Address", "deliveryAddress ⇒ Street"),
    ("Customer ⇒ PostCode", "deliveryAddress ⇒ PostalCode"),
    ("Customer ⇒ City", "deliveryAddress ⇒ PostalArea"),
    ("Customer ⇒ CountryCode", "deliveryAddress ⇒ Country"),
    ("Customer ⇒ CountryStateCode", "deliveryAddress ⇒ State"),
    ("Customer ⇒ MobilePhone", "InvoiceOrder ⇒ CustomerDeliveryPhone *"),
    ("Customer ⇒ TelePhone", "InvoiceOrder ⇒ CustomerDeliveryPhone *"),
    ("Customer ⇒ Email", "InvoiceOrder ⇒ InvoiceEmailAddress **"),
    ("Customer ⇒ InvoiceAddress ⇒ name", "InvoiceOrder ⇒ CustomerName"),
    ("Customer ⇒ InvoiceAddress ⇒ Address", "invoiceAddress ⇒ Street"),
    ("Customer ⇒ InvoiceAddress ⇒ PostCode", "invoiceAddress ⇒ PostalCode"),
    ("Customer ⇒ InvoiceAddress ⇒ City", "invoiceAddress ⇒ PostalArea"),
    ("Customer ⇒ InvoiceAddress ⇒ CountryCode", "invoiceAddress ⇒ Country"),
    ("Customer ⇒ InvoiceAddress ⇒ CountryStateCode", "invoiceAddress ⇒ State"),
    ("CustomerOrderLines ⇒ ProductCode", "InvoiceRow ⇒ ProductId"),
    ("CustomerOrderLines ⇒ ExternalOrderLineCode", "InvoiceRow ⇒ RowId"),
    ("CustomerOrderLines ⇒ NumberOfItems", "InvoiceRow ⇒ Quantity"),
]
SUPPLIER_PAIRS = [
    ("Supplier ⇒ SupplierNumber", "Company ⇒ Id"),
    ("Supplier ⇒ SupplierName", "Company ⇒ Name"),
    ("Supplier ⇒ Address ⇒ Address", "Company ⇒ Addresses ⇒ Post ⇒ Street"),
    ("Supplier ⇒ Address ⇒ PostCode", "Company ⇒ Addresses ⇒ Post ⇒ PostalCode"),
    ("Supplier ⇒ Address ⇒ City", "Company ⇒ Addresses ⇒ Post ⇒ City"),
    ("Supplier ⇒ Address ⇒ CountryCode", "Company ⇒ Addresses ⇒ Post ⇒ Country"),
]

# Seed 001 speaks Ongoing's SOAP vocabulary; the hub uses REST. From the reference's SOAP -> REST
# table: OrderInfo fields are top-level, Customer is the consignee, CustomerOrderLines are
# orderLines, BarCode is barCodeInfo.barCode. Ours where REST has no SOAP twin: wayOfDelivery
# {code, name} carries WayOfDelivery and WayOfDeliveryType; the consignee has no phone or e-mail
# fields, so they travel as the order's notification values.
REST_FIELD = {
    "ArticleDefinition ⇒ ProductCode": "productCode",
    "ArticleDefinition ⇒ ArticleNumber": "articleNumber",
    "ArticleDefinition ⇒ ArticleName": "articleName",
    "ArticleDefinition ⇒ ArticleDescription": "description",
    "ArticleDefinition ⇒ BarCode": "barCodeInfo.barCode",
    "ArticleDefinition ⇒ Weight": "weight",
    "OrderInfo ⇒ GoodsOwnerOrderNumber": "orderNumber",
    "OrderInfo ⇒ DeliveryDate": "deliveryDate",
    "OrderInfo ⇒ ReferenceNumber": "referenceNumber",
    "OrderInfo ⇒ SalesCode": "salesCode",
    "OrderInfo ⇒ WayOfDelivery": "wayOfDelivery.name",
    "OrderInfo ⇒ WayOfDeliveryType ⇒ Code": "wayOfDelivery.code",
    "OrderInfo ⇒ WayOfDeliveryType ⇒ Name": "wayOfDelivery.name",
    "OrderInfo ⇒ OrderRemark": "orderRemark",
    "Customer ⇒ CustomerNumber": "consignee.customerNumber",
    "Customer ⇒ Name": "consignee.name",
    "Customer ⇒ Address": "consignee.address1",
    "Customer ⇒ PostCode": "consignee.postCode",
    "Customer ⇒ City": "consignee.city",
    "Customer ⇒ CountryCode": "consignee.countryCode",
    "Customer ⇒ CountryStateCode": "consignee.countryStateCode",
    "Customer ⇒ MobilePhone": "smsNotification.value",
    "Customer ⇒ TelePhone": "telephoneNotification.value",
    "Customer ⇒ Email": "emailNotification.value",
    "Customer ⇒ InvoiceAddress ⇒ name": "consignee.invoiceAddress.name",
    "Customer ⇒ InvoiceAddress ⇒ Address": "consignee.invoiceAddress.address1",
    "Customer ⇒ InvoiceAddress ⇒ PostCode": "consignee.invoiceAddress.postCode",
    "Customer ⇒ InvoiceAddress ⇒ City": "consignee.invoiceAddress.city",
    "Customer ⇒ InvoiceAddress ⇒ CountryCode": "consignee.invoiceAddress.countryCode",
    "Customer ⇒ InvoiceAddress ⇒ CountryStateCode": "consignee.invoiceAddress.countryStateCode",
    "CustomerOrderLines ⇒ ProductCode": "orderLines[].articleNumber",
    "CustomerOrderLines ⇒ ExternalOrderLineCode": "orderLines[].rowNumber",
    "CustomerOrderLines ⇒ NumberOfItems": "orderLines[].numberOfItems",
    "Supplier ⇒ SupplierNumber": "supplierNumber",
    "Supplier ⇒ SupplierName": "supplierName",
    "Supplier ⇒ Address ⇒ Address": "address.address1",
    "Supplier ⇒ Address ⇒ PostCode": "address.postCode",
    "Supplier ⇒ Address ⇒ City": "address.city",
    "Supplier ⇒ Address ⇒ CountryCode": "address.countryCode",
}

ENTITY_TABLE = {"Product": t.PRODUCTS, "InvoiceOrder": t.ORDERS, "InvoiceRow": t.ORDER_ROWS, "Company": t.COMPANIES}
ADDRESS_OF_ORDER = {"deliveryAddress": "Addresses/Delivery", "invoiceAddress": "Addresses/Invoice"}


def staging_column(seed_source: str) -> tuple[StagingTable, str | None]:
    """The staging table and column holding a 24SO field, found by its element path (None: not staged)."""
    parts = [p.strip() for p in seed_source.rstrip("* ").split("⇒")]
    if parts[0] in ADDRESS_OF_ORDER:
        table, path = t.ORDERS, f"{ADDRESS_OF_ORDER[parts[0]]}/{parts[1]}"
    else:
        table, path = ENTITY_TABLE[parts[0]], "/".join(parts[1:])
    column = next((c.name for c in table.all_columns if c.path == path), None)
    return table, column


def _stage(con: Any, table: StagingTable, rows: list[dict[str, str | None]]) -> None:
    names = [c.name for c in table.all_columns]
    upsert(con, table, {n: [row.get(n) for row in rows] for n in names}, IDENTITY)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Staged rows where every column holds a value found nowhere else, plus fallback cases."""
    path = tmp_path_factory.mktemp("seed001") / "staging.duckdb"
    company = {
        "id": "7100", "name": "Kunde AS", "type": "Business", "phone_primary": "+47 100", "phone_work": "+47 101",
        "phone_mobile": "+47 102", "email_primary": "primary@kunde.example", "email_invoice": "faktura@kunde.example",
        "email_work": "work@kunde.example",
    }
    supplier = {
        "id": "7500", "name": "Leverandør AS", "type": "Supplier", "post_street": "Postveien 5",
        "post_postal_code": "5005", "post_city": "BERGEN", "post_country": "NO",
    }
    products = [
        {"id": "7001", "no": "ART-7001", "name": "Name 7001", "description": "Desc 7001", "ean1": "7040000070011",
         "weight": "1.2340", "supplier_id": "7500"},
        {"id": "7002", "no": "ART-7002", "name": "Name 7002"},
    ]
    order = {
        "order_id": "7200", "customer_id": "7100", "customer_name": "Kunde AS (invoice)",
        "customer_delivery_name": "Kunde AS levering", "customer_delivery_phone": "+47 200",
        "delivery_street": "Leveringsgata 1", "delivery_postal_code": "0150", "delivery_postal_area": "OSLO",
        "delivery_city": "Oslo by", "delivery_country": "NO", "invoice_street": "Fakturagata 2",
        "invoice_postal_code": "7010", "invoice_postal_area": "TRONDHEIM", "invoice_country": "SE",
        "order_status": "Confirmed", "your_reference": "Ola Nordmann", "invoice_title": "Bestilling 7200",
        "invoice_email_address": "ordre@kunde.example", "delivery_date": "2026-03-04T00:00:00",
        "reference_number": "PO-7200", "delivery_method_id": "2", "delivery_method_description": "Bring Bedriftspakke",
    }
    fallback = {**order, "order_id": "7201", "customer_delivery_phone": None, "invoice_email_address": "  "}
    rows = [
        {"order_id": "7200", "row_id": "91", "product_id": "7001", "quantity": "2.5000", "sequence_number": "1"},
        {"order_id": "7200", "row_id": "92", "product_id": "7002", "quantity": "3.0000", "sequence_number": "2"},
        {"order_id": "7201", "row_id": "93", "product_id": "7002", "quantity": "1.0000", "sequence_number": "1"},
    ]
    with transaction(path) as con:
        ensure_schema(con)
        _stage(con, t.COMPANIES, [company, supplier])
        _stage(con, t.PRODUCTS, products)
        _stage(con, t.ORDERS, [order, fallback])
        _stage(con, t.ORDER_ROWS, rows)
    return path


def staged(db: Path, table: StagingTable, key: str, value: str) -> dict[str, Any]:
    with connect(db) as con:
        cursor = con.execute(f"SELECT * FROM {table.qualified} WHERE CAST({key} AS VARCHAR) = ?", [value])  # noqa: S608
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchall()[0], strict=True))


def at(payload: dict[str, Any], path: str) -> Any:
    node: Any = payload
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def same(sent: Any, stored: Any) -> bool:
    """A payload value carries a staged value (text, exact number, or the day of a date-time)."""
    if isinstance(stored, datetime | date) and isinstance(sent, str) and len(sent) == 10:
        return sent == stored.isoformat()[:10]
    if isinstance(stored, Decimal | int) and not isinstance(stored, bool):
        return Decimal(str(sent)) == Decimal(str(stored))
    return sent == stored


def records(db: Path, spec: str, params: dict | None = None) -> dict[str, Any]:
    return {r.source_key: r for r in map_records(db, load_spec(spec), IDENTITY, params)}


def check_pairs(spec_name: str, pairs: list[tuple[str, str]], payload: dict, row: dict) -> None:
    """Each pair arrives, or its spec row says why it cannot (not_sent) and nothing is sent."""
    spec = load_spec(spec_name)
    rules = {r.target: r for r in spec.fields}
    for target, source in pairs:
        rest = REST_FIELD[target]
        _, column = staging_column(source)
        rule = rules.get(rest)
        assert rule is not None, f"{spec_name}: no row for {target} <- {source}"
        if rule.not_sent:
            assert column is None or [ref.column for ref in rule.sources] == [column], target
            assert at(payload, rest) is None, f"{target} is marked not sent but was sent"
            continue
        assert column is not None, f"{target} <- {source}: not staged, so the spec row must be not_sent with a reason"
        assert row[column] is not None, f"test data: {column} must hold a value"
        assert same(at(payload, rest), row[column]), f"{target} <- {source}: {at(payload, rest)!r} vs {row[column]!r}"


def test_article_registry_pairs(db):
    mapped = records(db, "ongoing_articles")
    assert mapped["7001"].skip_reason is None
    check_pairs("ongoing_articles", ARTICLE_PAIRS, mapped["7001"].payload, staged(db, t.PRODUCTS, "id", "7001"))


def test_sales_order_pairs(db):
    mapped = records(db, "ongoing_orders", {"so24_status": "Confirmed"})
    order = mapped["7200"]
    assert order.skip_reason is None
    head = [p for p in ORDER_PAIRS if not p[0].startswith("CustomerOrderLines")]
    check_pairs("ongoing_orders", head, order.payload, staged(db, t.ORDERS, "order_id", "7200"))

    lines = order.payload["orderLines"]
    articles = {r.payload["productCode"]: r.payload for r in records(db, "ongoing_articles").values()}
    with connect(db) as con:
        rows = con.execute(
            "SELECT row_id, product_id, quantity FROM staging.so24_order_rows WHERE order_id = 7200 ORDER BY sequence_number"
        ).fetchall()
    assert len(lines) == len(rows)
    for line, (row_id, product_id, quantity) in zip(lines, rows, strict=True):
        # ProductCode <- ProductId: REST lines name the article by number, the article whose productCode is ProductId
        assert line["articleNumber"] == articles[str(product_id)]["articleNumber"]
        assert line["rowNumber"] == row_id and line["externalId"] == str(row_id)  # ExternalOrderLineCode <- RowId
        assert same(line["numberOfItems"], quantity)  # NumberOfItems <- Quantity


def test_phone_and_email_fall_back_to_the_company_when_the_order_has_none(db):
    payload = records(db, "ongoing_orders", {"so24_status": "Confirmed"})["7201"].payload
    company = staged(db, t.COMPANIES, "id", "7100")
    phones = {company["phone_mobile"], company["phone_work"], company["phone_primary"]}
    assert payload["smsNotification"]["value"] == company["phone_mobile"]  # seed note *: CompanyService phone numbers
    assert payload["telephoneNotification"]["value"] == company["phone_work"]
    assert {payload["smsNotification"]["value"], payload["telephoneNotification"]["value"]} <= phones
    assert payload["emailNotification"]["value"] == company["email_invoice"]  # seed note **: e-mail addresses


def test_supplier_registry_pairs(db):
    mapped = records(db, "ongoing_suppliers")
    assert set(mapped) == {"7500"}  # only suppliers, not customers
    supplier = mapped["7500"].payload
    check_pairs("ongoing_suppliers", SUPPLIER_PAIRS, supplier, staged(db, t.COMPANIES, "id", "7500"))
    assert supplier["articles"] == [{"articleNumber": "ART-7001"}]


def test_every_seed_pair_is_in_a_spec_row_or_documented_as_not_sent():
    """The specs hold each seed pair once; a pair the REST API or staging cannot carry says why."""
    for spec_name, pairs in (("ongoing_articles", ARTICLE_PAIRS), ("ongoing_orders", ORDER_PAIRS),
                             ("ongoing_suppliers", SUPPLIER_PAIRS)):
        spec = load_spec(spec_name)
        targets = {r.target for r in spec.fields} | {f"{lst.target}[].{r.target}" for lst in spec.lists for r in lst.fields}
        for target, _ in pairs:
            assert REST_FIELD[target] in targets, f"{spec_name}: no row for {target}"
