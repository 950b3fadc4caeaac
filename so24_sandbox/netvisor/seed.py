"""The companies the sandbox starts with, shaped for the N2 matching cascade (seed 003).

Sandbox Tukku Oy (2745291-2) is the company paired with the Rackbeat sandbox's account
(so24_sandbox/rackbeat/seed.py). Its registers hold one case of each rule the cascade knows:

    customer   10001  Fjordkaffe AS Suomen sivuliike  code matches Rackbeat customer 10001 (name differs)
    customer   7002   Nordlys Interiør AS             name only: matches Rackbeat customer 10002
    customer   3300   Saimaan Puutarha Oy             business ID 2905187-2 only (see counterparts.py)
    customer   LL-12  Lapin Lanka Oy                  non-numeric code: reported, never matched by code
    customer   4101   Kahvila Aalto  } one name, two Netvisor customers: a Rackbeat "Kahvila Aalto"
    customer   4102   Kahvila Aalto  } is ambiguous and must be held
    customer   5005   Äänekosken Öljy Oy              business ID 0737546-2 only (see counterparts.py)
    customer   5009   Šiškin Kauppa Oy                Netvisor only; Š exists in ISO-8859-15, not -1
    customer   (none) Matti Meikäläinen               Netvisor only: a private customer, no code, no business ID
    customer   6010   Koivisto Rauta Oy               name only (see counterparts.py)
    vendor     20001  Bergen Emballasje AS            code matches Rackbeat supplier 20001
    vendor     V-300  Pakkaus Virtanen Oy             Netvisor only
    product    RB-1001, RB-1002                       product code matches Rackbeat (names in Finnish)
    product    NV-2001, 4001                          Netvisor only (a letter code and a digit code)
    product    NV-9999                                deleted (productlist.nv?deleted=0 leaves it out)

Rackbeat's RB-1003 has no Netvisor product. Toinen Testi Oy (2468013-5) holds one customer and one
product, so calls to two companies can be told apart. Every seeded record was changed at
SEEDED_AT, so a `changedsince` after it returns only what a test changed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from so24_sandbox.netvisor.credentials import COMPANY_NAMES, MAIN_ORGANISATION_ID, SECOND_ORGANISATION_ID
from so24_sandbox.netvisor.store import NetvisorStore
from so24_sandbox.netvisor.vendors import number_accounts

SEEDED_AT = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


def _customer(code: str | None, name: str, business_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "internalidentifier": code, "externalidentifier": business_id, "name": name, "country": "FI",
        "isactive": True, **extra,
    }  # fmt: skip


CUSTOMERS = (
    _customer("10001", "Fjordkaffe AS Suomen sivuliike", streetaddress="Mannerheimintie 12", city="Helsinki",
              postnumber="00100", customergroupname="Kotimaa", email="osto@fjordkaffe.example"),
    _customer("7002", "Nordlys Interiør AS", streetaddress="Storgata 12", city="Tromsø", postnumber="9008",
              country="NO"),
    _customer("3300", "Saimaan Puutarha Oy", "2905187-2", streetaddress="Satamatie 4", city="Lappeenranta",
              postnumber="53100", customergroupname="Kotimaa", balancelimit=Decimal("1500.50")),
    _customer("LL-12", "Lapin Lanka Oy", streetaddress="Koskikatu 9", city="Rovaniemi", postnumber="96200"),
    _customer("4101", "Kahvila Aalto", streetaddress="Aleksanterinkatu 3", city="Tampere", postnumber="33100"),
    _customer("4102", "Kahvila Aalto", streetaddress="Hämeenkatu 20", city="Turku", postnumber="20500"),
    _customer("5005", "Äänekosken Öljy Oy", "0737546-2", streetaddress="Teollisuustie 1", city="Äänekoski",
              postnumber="44100", customergroupname="Kotimaa"),
    _customer("5009", "Šiškin Kauppa Oy", streetaddress="Kauppakatu 5", city="Joensuu", postnumber="80100"),
    _customer(None, "Matti Meikäläinen", streetaddress="Pajukuja 2", city="Lahti", postnumber="15100"),
    _customer("6010", "Koivisto Rauta Oy", streetaddress="Puijonkatu 8", city="Kuopio", postnumber="70100"),
)  # fmt: skip
VENDORS = (
    {"code": "20001", "name": "Bergen Emballasje AS", "address": "Sandviksveien 20", "postcode": "5035",
     "city": "Bergen", "country": "NO", "organizationid": "NO987654321", "groupname": "Ulkomaiset"},
    {"code": "V-300", "name": "Pakkaus Virtanen Oy", "address": "Tehtaankatu 7", "postcode": "15140",
     "city": "Lahti", "country": "FI", "organizationid": "1234567-1", "groupname": "Kotimaiset",
     "domestic": [{"iban": "FI2112345600000785", "bankname": "Nordea", "isdefault": True}]},
)  # fmt: skip


def _product(code: str, name: str, price: str, **extra: Any) -> dict[str, Any]:
    return {
        "productcode": code, "name": name, "unitprice": Decimal(price).quantize(Decimal("1e-12")),
        "unit": "kpl", "productgroup": "Varasto", "defaultvatpercentage": Decimal("25.5"),
        "isactive": True, "issalesproduct": True, "deleted": False, **extra,
    }  # fmt: skip


PRODUCTS = (
    _product("RB-1001", "Varastohylly 180 cm", "189.00", purchaseprice=Decimal("104.50"),
             eancode="7090000010015", inventoryamount=Decimal("12.00")),
    _product("RB-1002", "Muovilaatikko 40 l", "16.40", eancode="7090000010022", inventoryamount=Decimal("140.00")),
    _product("NV-2001", "Tarrakirjoitin", "299.90", productgroup="Laitteet"),
    _product("4001", "Kuljetuslava EUR", "12.5", unit="kpl"),
    _product("NV-9999", "Vanha malli", "1.00", isactive=False, deleted=True),
)  # fmt: skip


def load(store: NetvisorStore) -> None:
    main = store.add_company(MAIN_ORGANISATION_ID, COMPANY_NAMES[MAIN_ORGANISATION_ID])
    for customer in CUSTOMERS:
        if customer.get("customergroupname"):
            main.customer_group(customer["customergroupname"])
        main.insert("customers", dict(customer), SEEDED_AT)
    for vendor in VENDORS:
        number_accounts(main, main.insert("vendors", {"domestic": [], "foreign": [], **vendor}, SEEDED_AT))
    for product in PRODUCTS:
        main.product_group(product["productgroup"])
        main.insert("products", dict(product), SEEDED_AT)
    second = store.add_company(SECOND_ORGANISATION_ID, COMPANY_NAMES[SECOND_ORGANISATION_ID])
    second.insert("customers", _customer("1", "Toisen Asiakas Oy", "1967543-8"), SEEDED_AT)
    second.product_group("Varasto")
    second.insert("products", _product("T-1", "Toisen tuote", "10.00"), SEEDED_AT)
