"""NetvisorClient against the sandbox's Netvisor emulator over real HTTP: every resource, both encodings.

`make_client` is shared by the other Netvisor contract modules.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from so24_pipelines.connectors.http import RetryPolicy
from so24_pipelines.connectors.netvisor import AUTOMATIC, Attr, NetvisorClient, NetvisorCredentials
from so24_pipelines.connectors.netvisor.auth import NetvisorAuth
from so24_pipelines.connectors.netvisor.errors import (
    NetvisorDuplicateData,
    NetvisorInvalidData,
    NetvisorInvalidDataSize,
    NetvisorUnencodable,
)

pytestmark = pytest.mark.contract

FAST_RETRY = RetryPolicy(attempts=8, backoff_base=0.01, backoff_max=0.05)
MAIN, SECOND = "2745291-2", "2468013-5"


def credentials_of(creds: dict[str, Any], organisation: str = MAIN, **changes: str) -> NetvisorCredentials:
    company = next(c for c in creds["companies"] if c["organisationId"] == organisation)
    values = {"customer_id": company["customerId"], "customer_key": company["customerKey"],
              "partner_id": creds["partnerId"], "partner_key": creds["partnerKey"], "organisation_id": organisation}  # fmt: skip
    return NetvisorCredentials(**{**values, **changes})


def make_client(
    creds: dict[str, Any], lock_dir: Path, *, organisation: str = MAIN, **kwargs: Any
) -> NetvisorClient:
    kwargs.setdefault("retry", FAST_RETRY)
    credentials = kwargs.pop("credentials", None) or credentials_of(creds, organisation)
    return NetvisorClient(creds["baseUrl"], credentials, lock_dir=lock_dir, **kwargs)


@pytest.fixture
def creds(sandbox) -> dict[str, Any]:
    return sandbox.control("GET", "netvisor/credentials").json()


@pytest.fixture
def nv(creds, tmp_path) -> Iterator[NetvisorClient]:
    client = make_client(creds, tmp_path)
    yield client
    client.close()


def stored(sandbox, register: str, key: int, organisation: str = MAIN) -> dict[str, Any]:
    rows = sandbox.control("GET", f"netvisor/{register}", params={"organisation": organisation}).json()[
        register
    ]
    return next(r for r in rows if r["netvisorkey"] == key)


def calls_made(sandbox, organisation: str = MAIN) -> int:
    return sandbox.control("GET", "netvisor/stats").json()["companies"].get(organisation, {}).get("calls", 0)


# ---- customers ----------------------------------------------------------------------------------


def test_customer_list_keeps_netvisors_names_and_reads_every_seeded_customer(nv):
    customers = nv.list_customers()
    assert [c["Netvisorkey"] for c in customers] == list(range(101, 111))
    first = customers[0]
    assert set(first) == {"Netvisorkey", "Name", "Code", "OrganisationIdentifier", "CustomerGroupID",
                          "CustomerGroupName", "Uri"}  # fmt: skip
    assert first["Code"] == "10001" and first["Uri"].endswith("/getcustomer.nv?id=101")
    assert customers.as_of is not None and customers.as_of.tzinfo is not None


def test_keyword_contains_name_code_or_business_id_and_cannot_go_with_changedsince(nv):
    assert [c["Netvisorkey"] for c in nv.list_customers(keyword="kahvila aalto")] == [105, 106]
    assert [c["Netvisorkey"] for c in nv.list_customers(keyword="2905187")] == [103]
    assert [c["Netvisorkey"] for c in nv.list_customers(keyword="LL-1")] == [104]
    assert [c["Name"] for c in nv.list_customers(keyword="ÄÄNEKOSK")] == ["Äänekosken Öljy Oy"]
    with pytest.raises(ValueError, match="changedsince"):
        nv.list_customers(keyword="x", changed_since=nv.list_customers().as_of)


def test_codes_match_exactly_and_long_lists_are_split(nv, sandbox):
    assert [c["Netvisorkey"] for c in nv.customers_by_codes(["10001", "4102", "1000"])] == [101, 106]
    before = calls_made(sandbox)
    many = nv.customers_by_codes([str(n) for n in range(1, 230)] + ["7002"])
    assert [c["Code"] for c in many] == ["7002"] and calls_made(sandbox) - before == 3


def test_business_id_lookup_is_exact(nv, sandbox):
    assert [c["Netvisorkey"] for c in nv.customers_by_business_id("2905187-2")] == [103]
    sandbox.control(
        "POST", "netvisor/customers", json={"name": "Prefix Oy", "externalidentifier": "2905187-22"}
    )
    assert [c["Netvisorkey"] for c in nv.customers_by_business_id(" 2905187-2 ")] == [103]
    assert nv.customers_by_business_id("0000000-0") == []


def test_changedsince_from_netvisors_clock_returns_only_what_changed_after(nv, sandbox):
    watermark = nv.list_customers().as_of
    assert nv.customers_changed_since(watermark) == []
    sandbox.control("PATCH", "netvisor/customers/104", json={"city": "Kemi"})
    assert [c["Netvisorkey"] for c in nv.customers_changed_since(watermark)] == [104]


def test_customer_card_has_its_blocks_and_typed_values(nv):
    card = nv.get_customer(103)
    base = card["CustomerBaseInformation"]
    assert base["NetvisorKey"] == 103 and base["InternalIdentifier"] == "3300"
    assert base["ExternalIdentifier"] == "2905187-2" and base["IsActive"] is True
    assert base["CustomerGroupName"] == "Kotimaa" and isinstance(base["CustomerGroupNetvisorKey"], int)
    assert card["CustomerAdditionalInformation"]["BalanceLimit"] == Decimal("1500.50")
    assert set(card) == {"CustomerBaseInformation", "CustomerFinvoiceDetails", "CustomerDeliveryDetails",
                         "CustomerContactDetails", "CustomerAdditionalInformation"}  # fmt: skip


def test_several_cards_and_unknown_ids(nv):
    cards = nv.get_customers([105, 106])
    assert [c["CustomerBaseInformation"]["InternalIdentifier"] for c in cards] == ["4101", "4102"]
    with pytest.raises(NetvisorInvalidData) as info:
        nv.get_customer(999)
    assert (
        info.value.status_text
        == "INVALID_DATA :: Data form incorrect:. Customer not found with Netvisor identifier: 999"
    )
    with pytest.raises(NetvisorInvalidData):
        nv.get_customers([101, 999])


def test_add_assigns_key_and_automatic_code_then_edit_changes_only_what_is_sent(nv, sandbox):
    key = nv.add_customer({
        "customerbaseinformation": {"internalidentifier": AUTOMATIC, "externalidentifier": "0737546-2",
                                    "name": "Uusi Asiakas Oy", "city": "Oulu", "country": "FI", "email": "a@b.example"},
        "customercontactdetails": {"contactperson": "Maija"},
    })  # fmt: skip
    record = stored(sandbox, "customers", key)
    assert key == 111 and record["internalidentifier"] == "10002" and record["city"] == "Oulu"
    nv.edit_customer(key, {"customerbaseinformation": {"city": "Kemi", "email": None}})
    card = nv.get_customer(key)
    assert (
        card["CustomerBaseInformation"]["City"] == "Kemi" and card["CustomerBaseInformation"]["Email"] == ""
    )
    assert card["CustomerBaseInformation"]["Name"] == "Uusi Asiakas Oy"
    assert card["CustomerContactDetails"]["ContactPerson"] == "Maija"


def test_refusals_are_record_rejections(nv):
    with pytest.raises(NetvisorInvalidData, match="name is required"):
        nv.add_customer({"customerbaseinformation": {"city": "Oulu"}})
    with pytest.raises(NetvisorInvalidData, match="Customer not found"):
        nv.edit_customer(999, {"customerbaseinformation": {"city": "Oulu"}})
    with pytest.raises(NetvisorInvalidData, match="ISO-3166"):
        nv.add_customer({"customerbaseinformation": {"name": "X", "country": "Finland"}})


# ---- products -----------------------------------------------------------------------------------


def test_product_list_reads_decimal_commas_and_filters_deleted(nv):
    products = nv.list_products()
    assert [p["ProductCode"] for p in products] == ["RB-1001", "RB-1002", "NV-2001", "4001", "NV-9999"]
    assert products[0]["UnitPrice"] == Decimal("189") and products[0]["UnitGrossPrice"] == Decimal("237.195")
    assert "NV-9999" not in [p["ProductCode"] for p in nv.list_products(include_deleted=False)]


def test_product_by_code_is_exact_for_letters_and_digits(nv):
    assert nv.product_by_code("4001")["NetvisorKey"] == 304
    assert nv.product_by_code("RB-1001")["Name"] == "Varastohylly 180 cm"
    assert nv.product_by_code("RB-100") is None and nv.product_by_code("RB-1003") is None


def test_product_cards_by_key_and_by_code(nv):
    card = nv.get_product(301)
    base = card["ProductBaseInformation"]
    assert base["ProductCode"] == "RB-1001" and base["PurchasePrice"] == Decimal("104.50")
    assert card["ProductBookkeepingDetails"]["DefaultVatPercent"] == Decimal("25.5")
    assert card["ProductInventoryDetails"]["InventoryAmount"] == Decimal("12")
    assert [c["ProductBaseInformation"]["NetvisorKey"] for c in nv.get_products([302, 303])] == [302, 303]
    assert [c["ProductBaseInformation"]["NetvisorKey"] for c in nv.get_products_by_codes(["4001"])] == [304]
    with pytest.raises(NetvisorInvalidData, match="product code: NOPE"):
        nv.get_products_by_codes(["4001", "NOPE"])


def test_product_add_with_a_gross_price_and_edit(nv, sandbox):
    key = nv.add_product({
        "productbaseinformation": {"productcode": "NV-3000", "productgroup": "Uudet", "name": "Lava",
                                   "unitprice": Attr(Decimal("12.55"), type="gross"), "unit": "kpl"},
        "productbookkeepingdetails": {"defaultvatpercentage": Decimal("25.5")},
    })  # fmt: skip
    card = nv.get_product(key)["ProductBaseInformation"]
    assert card["UnitGrossPrice"].quantize(Decimal("0.01")) == Decimal("12.55")
    assert card["UnitPrice"].quantize(Decimal("0.01")) == Decimal("10.00") and card["ProductGroup"] == "Uudet"
    nv.edit_product(key, {"productbaseinformation": {"unitprice": Decimal("11"), "isactive": False}})
    card = nv.get_product(key)["ProductBaseInformation"]
    assert card["UnitPrice"] == Decimal(11) and card["IsActive"] is False and card["Name"] == "Lava"
    assert stored(sandbox, "products", key)["productcode"] == "NV-3000"


def test_extended_product_management_refuses_edits(nv, sandbox):
    sandbox.control("POST", "netvisor/behaviour", json={"extended_product_management": True})
    with pytest.raises(NetvisorInvalidData, match="extended product management"):
        nv.edit_product(301, {"productbaseinformation": {"name": "X"}})


def test_product_changedsince(nv, sandbox):
    watermark = nv.list_products().as_of
    sandbox.control("PATCH", "netvisor/products/303", json={"unitprice": "300.00"})
    changed = nv.list_products(changed_since=watermark)
    assert [p["NetvisorKey"] for p in changed] == [303] and changed[0]["UnitPrice"] == Decimal(300)


# ---- vendors ------------------------------------------------------------------------------------


def test_vendor_by_key_and_key_list(nv):
    vendor = nv.get_vendor(202)
    assert vendor["NetvisorKey"] == 202 and vendor["VendorBaseInformation"]["OrganizationId"] == "1234567-1"
    accounts = vendor["VendorBankAccounts"]["VendorDomesticBankAccount"]
    assert accounts[0]["IBAN"] == "FI2112345600000785" and accounts[0]["IsDefault"] is True
    assert [v["VendorBaseInformation"]["Code"] for v in nv.get_vendors([201, 202])] == ["20001", "V-300"]
    with pytest.raises(NetvisorInvalidData, match="Vendor not found"):
        nv.get_vendors([201, 999])


def test_vendors_changed_since_follows_the_pages(nv, sandbox):
    sandbox.control("POST", "netvisor/behaviour", json={"vendor_page_size": 1})
    everyone = nv.vendors_changed_since(date(1970, 1, 1))
    assert [v["NetvisorKey"] for v in everyone] == [201, 202]
    watermark = everyone.as_of
    key = nv.add_vendor({"vendorbaseinformation": {"code": "V-400", "name": "Uusi Toimittaja Oy", "country": "FI",
                                                   "organizationid": "2905187-2"}})  # fmt: skip
    nv.edit_vendor(201, {"vendorbaseinformation": {"city": "Oslo"}})
    assert [v["NetvisorKey"] for v in nv.vendors_changed_since(watermark)] == [201, key]
    assert nv.get_vendor(201)["VendorBaseInformation"]["City"] == "Oslo"


def test_vendor_add_needs_the_business_id_and_caps_bank_accounts(nv):
    with pytest.raises(NetvisorInvalidData, match="organizationid"):
        nv.add_vendor({"vendorbaseinformation": {"name": "Ilman Tunnusta Oy"}})
    accounts = [{"iban": f"FI00{n}", "isdefault": n == 0} for n in range(9)]
    with pytest.raises(NetvisorInvalidDataSize):
        nv.add_vendor({"vendorbaseinformation": {"name": "Pankit Oy", "organizationid": "1234567-1",
                       "vendorbankaccounts": {"vendordomesticbankaccounts": {"vendordomesticbankaccount": accounts}}}})  # fmt: skip


# ---- encodings ----------------------------------------------------------------------------------


NORDIC = "Šiškin Äänekosken Öljy € Oy"


@pytest.mark.parametrize(("request_encoding", "response_encoding"),
                         [("iso-8859-15", "utf-8"), ("iso-8859-15", "iso-8859-15"), ("utf-8", "iso-8859-15")])  # fmt: skip
def test_nordic_names_survive_both_encodings_each_way(
    creds, tmp_path, sandbox, request_encoding, response_encoding
):
    sandbox.control("POST", "netvisor/behaviour", json={"response_encoding": response_encoding})
    client = make_client(creds, tmp_path, request_encoding=request_encoding)
    key = client.add_customer({"customerbaseinformation": {"name": NORDIC, "city": "Jyväskylä"}})
    assert stored(sandbox, "customers", key)["name"] == NORDIC
    assert client.get_customer(key)["CustomerBaseInformation"]["Name"] == NORDIC
    assert [c["Name"] for c in client.list_customers(keyword="šiškin äänekosken")] == [NORDIC]


def test_a_character_iso_8859_15_lacks_stops_the_record_before_sending(creds, tmp_path, sandbox):
    client = make_client(creds, tmp_path)
    before = calls_made(sandbox)
    with pytest.raises(NetvisorUnencodable, match="utf-8"):
        client.add_customer({"customerbaseinformation": {"name": "Łódź Trading"}})
    assert calls_made(sandbox) == before
    utf8 = make_client(creds, tmp_path, request_encoding="utf-8")
    key = utf8.add_customer({"customerbaseinformation": {"name": "Łódź Trading"}})
    assert stored(sandbox, "customers", key)["name"] == "Łódź Trading"


def test_an_undeclared_utf8_body_is_read_as_iso_8859_15_as_the_vendor_says(creds, tmp_path, sandbox):
    """Why the encoding is a setting: UTF-8 bytes without a charset arrive garbled, not refused."""
    auth = NetvisorAuth(credentials_of(creds), sender="contract-test")
    body = "<root><customer><customerbaseinformation><name>Äänekoski Oy</name></customerbaseinformation></customer></root>"
    answer = requests.post(f"{creds['baseUrl']}/customer.nv", params={"method": "add"}, auth=auth,
                           data=body.encode("utf-8"), headers={"Content-Type": "text/xml"}, timeout=10)  # fmt: skip
    assert b"<Status>OK</Status>" in answer.content
    names = [r["name"] for r in sandbox.control("GET", "netvisor/customers").json()["customers"]]
    assert "Ã\x84Ã€nekoski Oy" in names and "Äänekoski Oy" not in names  # 0xA4 is € in ISO-8859-15


# ---- companies ----------------------------------------------------------------------------------


def test_each_company_has_its_own_books(creds, tmp_path, nv):
    second = make_client(creds, tmp_path, organisation=SECOND)
    assert [c["Name"] for c in second.list_customers()] == ["Toisen Asiakas Oy"]
    assert [p["ProductCode"] for p in second.list_products()] == ["T-1"]
    assert len(nv.list_customers()) == 10


# ---- the emulator's message rules ---------------------------------------------------------------


def raw(creds: dict[str, Any], verb: str, resource: str, body: str | None = None, **params: str) -> bytes:
    """One hand-made signed call (what a client other than ours might send)."""
    auth = NetvisorAuth(credentials_of(creds), sender="raw-test")
    data = body.encode("iso-8859-15") if body is not None else None
    answer = requests.request(
        verb, f"{creds['baseUrl']}/{resource}", params=params, data=data, auth=auth, timeout=10
    )
    return answer.content


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        ("<root><customer><customerbaseinformation><city>Oulu</city><name>X</name></customerbaseinformation>"
         "</customer></root>", b"element name is out of order in customerbaseinformation"),
        ("<root><customer><customerbaseinformation><nimi>X</nimi></customerbaseinformation></customer></root>",
         b"unknown element nimi"),
        ('<!DOCTYPE root [<!ENTITY x "y">]><root><customer><customerbaseinformation><name>&x;</name>'
         "</customerbaseinformation></customer></root>", b"DOCTYPE"),
        ("<root><customer><customerbaseinformation><name>X</name>", b"not well-formed"),
    ],
)  # fmt: skip
def test_the_sandbox_holds_clients_to_the_dtd(creds, body, refusal):
    answer = raw(creds, "POST", "customer.nv", body, method="add")
    assert b"<Status>FAILED</Status><Status>INVALID_DATA :: " in answer and refusal in answer


def test_names_are_case_insensitive_but_the_mac_covers_the_url_as_sent(creds, sandbox):
    body = ("<Root><Customer><CustomerBaseInformation><Name>Pascal Oy</Name></CustomerBaseInformation>"
            "</Customer></Root>")  # fmt: skip
    assert b"<InsertedDataIdentifier>" in raw(creds, "POST", "Customer.nv", body, method="add")
    assert b"<Name>Pascal Oy</Name>" in raw(creds, "GET", "CustomerList.nv", keyword="pascal")


def test_duplicate_codes_are_refused_only_when_the_company_says_so(nv, sandbox):
    nv.add_customer({"customerbaseinformation": {"internalidentifier": "10001", "name": "Toinen Fjordkaffe"}})
    sandbox.control("POST", "netvisor/behaviour", json={"unique_customer_codes": True})
    with pytest.raises(NetvisorDuplicateData, match="customer code 10001"):
        nv.add_customer({"customerbaseinformation": {"internalidentifier": "10001", "name": "Kolmas"}})
