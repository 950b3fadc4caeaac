"""Import messages: DTD order, empty elements, attributes and the request encoding."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from so24_pipelines.connectors.netvisor import AUTOMATIC, Attr
from so24_pipelines.connectors.netvisor.errors import NetvisorUnencodable
from so24_pipelines.connectors.netvisor.messages import build, encode


def text(root: etree._Element) -> str:
    return etree.tostring(root, encoding="unicode")


def test_elements_follow_the_documented_order_whatever_the_dict_order() -> None:
    root = build("customer", {
        "customeradditionalinformation": {"comment": "x"},
        "customerbaseinformation": {"country": "FI", "name": "Saimaan Puutarha Oy", "internalidentifier": "3300"},
    })  # fmt: skip
    assert text(root) == (
        "<root><customer><customerbaseinformation><internalidentifier>3300</internalidentifier>"
        '<name>Saimaan Puutarha Oy</name><country type="ISO-3166">FI</country></customerbaseinformation>'
        "<customeradditionalinformation><comment>x</comment></customeradditionalinformation></customer></root>"
    )


def test_unknown_elements_are_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="internalidentifer"):
        build("customer", {"customerbaseinformation": {"internalidentifer": "1"}})
    with pytest.raises(ValueError, match="unknown element"):
        build("product", {"productbaseinformation": {"unitweight": 1}})


def test_none_is_an_empty_element_and_automatic_asks_for_the_next_code() -> None:
    root = build("customer", {"customerbaseinformation": {"internalidentifier": AUTOMATIC, "email": None}})
    assert text(root) == (
        '<root><customer><customerbaseinformation><internalidentifier type="automatic"/><email/>'
        "</customerbaseinformation></customer></root>"
    )


def test_values_are_written_in_netvisor_forms() -> None:
    root = build("product", {
        "productbaseinformation": {"productcode": "RB-1001", "name": "Hylly", "unitprice": Decimal("189.50"),
                                   "isactive": True, "issalesproduct": False, "countryoforigin": "FI"},
        "productbookkeepingdetails": {"defaultvatpercentage": Decimal("25.5")},
    })  # fmt: skip
    base = root.find("product/productbaseinformation")
    assert base is not None
    assert base.findtext("unitprice") == "189,50" and base.find("unitprice").get("type") == "net"
    assert base.findtext("isactive") == "1" and base.findtext("issalesproduct") == "0"
    assert root.findtext("product/productbookkeepingdetails/defaultvatpercentage") == "25,5"
    gross = build("product", {"productbaseinformation": {"unitprice": Attr(Decimal("12.40"), type="gross")}})
    assert gross.find("product/productbaseinformation/unitprice").get("type") == "gross"
    with pytest.raises(TypeError):
        build("product", {"productbaseinformation": {"description": object()}})
    assert (
        build("customer", {"customeradditionalinformation": {"comment": date(2025, 1, 6)}}).findtext(
            "customer/customeradditionalinformation/comment"
        )
        == "2025-01-06"
    )


def test_vendor_bank_accounts_repeat() -> None:
    root = build("vendor", {"vendorbaseinformation": {"name": "V", "organizationid": "1234567-1", "vendorbankaccounts": {
        "vendordomesticbankaccounts": {"vendordomesticbankaccount": [{"iban": "FI1"}, {"iban": "FI2"}]}}}})  # fmt: skip
    assert [e.text for e in root.iter("iban")] == ["FI1", "FI2"]


def test_iso_8859_15_carries_nordic_letters_and_refuses_what_it_cannot() -> None:
    root = build("customer", {"customerbaseinformation": {"name": "Šiškin Äänekoski €"}})
    data, content_type = encode(root, "iso-8859-15")
    assert content_type == "text/xml; charset=iso-8859-15" and not data.startswith(b"<?xml")
    assert "Šiškin Äänekoski €".encode("iso-8859-15") in data
    polish = build("customer", {"customerbaseinformation": {"name": "Łódź Oy"}})
    with pytest.raises(NetvisorUnencodable, match="Ł"):
        encode(polish, "iso-8859-15")
    data, content_type = encode(polish, "utf-8")
    assert content_type == "text/xml; charset=utf-8" and "Łódź".encode() in data
