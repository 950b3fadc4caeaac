"""Building the XML message a Netvisor import (`customer.nv`, `product.nv`, `vendor.nv`) takes.

A message is `<root><customer>...</customer></root>` with lower-case element names as documented
(reference §5), no XML declaration ("the body starts with <root>", §1). Netvisor validates against
its DTD, so the elements must come in DTD order; callers pass nested dicts in any order and this
module writes them in the order below (from the documentation, completed from a client's recorded
messages where the documentation lists only some fields). Unknown names raise ValueError: a typo
would otherwise be an INVALID_DATA per record at run time.

Values: str as is; Decimal / int / float with a decimal comma; bool as 1 / 0; date as YYYY-MM-DD;
None as an empty element, which on an edit *blanks* the field (§1) -- leave a key out to keep a
field. Country elements get `type="ISO-3166"` and `unitprice` `type="net"` unless an `Attr` says
otherwise; `AUTOMATIC` as the customer code lets Netvisor assign the next free one.

Encoding: ISO-8859-15 (the vendor's rule for Nordic letters) or UTF-8 with a charset in the
Content-Type (what a working client sends); `netvisor.request_encoding` chooses, because the
reference cannot say which the service prefers (§8.4). A character the encoding cannot carry
raises NetvisorUnencodable instead of becoming `&#...;` or `?`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from so24_pipelines.connectors.netvisor.errors import NetvisorUnencodable
from so24_pipelines.connectors.netvisor.numbers import format_decimal

ENCODINGS = ("iso-8859-15", "utf-8")


@dataclass(frozen=True)
class Attr:
    """A value with attributes, e.g. `Attr(Decimal("12.40"), type="gross")` for a gross unit price."""

    value: Any
    attrs: dict[str, str] = field(default_factory=dict)

    def __init__(self, value: Any, **attrs: str) -> None:
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "attrs", attrs)


AUTOMATIC = Attr(None, type="automatic")

ORDER: dict[str, tuple[str, ...]] = {
    "customer": ("customerbaseinformation", "customerfinvoicedetails", "customerdeliverydetails",
                 "customercontactdetails", "customeradditionalinformation"),
    "customerbaseinformation": ("internalidentifier", "externalidentifier", "organizationunitnumber", "name",
                                "nameextension", "streetaddress", "additionaladdressline", "city", "postnumber",
                                "country", "customergroupname", "phonenumber", "faxnumber", "email",
                                "homepageuri", "isactive", "emailinvoicingaddress"),
    "customerfinvoicedetails": ("finvoiceaddress", "finvoiceroutercode"),
    "customerdeliverydetails": ("deliveryname", "deliverystreetaddress", "deliverycity", "deliverypostnumber",
                                "deliverycountry"),
    "customercontactdetails": ("contactperson", "contactpersonemail", "contactpersonphone"),
    "customeradditionalinformation": ("comment", "customerreferencenumber", "balancelimit", "invoicinglanguage",
                                      "yourdefaultreference", "defaulttextbeforeinvoicelines",
                                      "defaulttextafterinvoicelines"),
    "product": ("productbaseinformation", "productbookkeepingdetails", "productadditionalinformation"),
    "productbaseinformation": ("productcode", "productgroup", "name", "description", "unitprice", "unit",
                               "purchaseprice", "tariffheading", "comissionpercentage", "isactive",
                               "issalesproduct", "inventoryenabled", "countryoforigin"),
    "productbookkeepingdetails": ("defaultvatpercentage",),
    "productadditionalinformation": ("productnetweight", "productgrossweight"),
    "vendor": ("vendorbaseinformation",),
    "vendorbaseinformation": ("code", "name", "address", "postcode", "city", "country", "organizationid",
                              "groupname", "vendorbankaccounts"),
    "vendorbankaccounts": ("vendordomesticbankaccounts", "vendorforeignbankaccounts"),
    "vendordomesticbankaccounts": ("vendordomesticbankaccount",),
    "vendorforeignbankaccounts": ("vendorforeignbankaccount",),
    "vendordomesticbankaccount": ("netvisorkey", "iban", "bankname", "isdefault"),
    "vendorforeignbankaccount": ("netvisorkey", "bban", "bicswift", "bankname", "isdefault"),
}  # fmt: skip
DEFAULT_ATTRS: dict[str, dict[str, str]] = {
    "country": {"type": "ISO-3166"},
    "deliverycountry": {"type": "ISO-3166"},
    "countryoforigin": {"type": "ISO-3166"},
    "unitprice": {"type": "net"},
}
REPEATED = frozenset({"vendordomesticbankaccount", "vendorforeignbankaccount"})


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal | int | float):
        return format_decimal(value)
    if isinstance(value, datetime):
        raise TypeError("Netvisor import fields take dates, not datetimes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise TypeError(f"cannot write a {type(value).__name__} into a Netvisor message")


def _fill(parent: etree._Element, payload: Mapping[str, Any]) -> None:
    allowed = ORDER[parent.tag]
    unknown = sorted(set(payload) - set(allowed))
    if unknown:
        raise ValueError(f"unknown element(s) {unknown} in {parent.tag}; known: {list(allowed)}")
    for name in allowed:
        if name not in payload:
            continue
        value = payload[name]
        items: Sequence[Any] = value if name in REPEATED else [value]
        if name in REPEATED and not isinstance(value, list | tuple):
            raise TypeError(f"{name} takes a list")
        for item in items:
            child = etree.SubElement(parent, name)
            if name in ORDER:
                if not isinstance(item, Mapping):
                    raise TypeError(f"{name} takes a mapping of its elements")
                _fill(child, item)
                continue
            attrs = dict(DEFAULT_ATTRS.get(name, {}))
            if isinstance(item, Attr):
                attrs.update(item.attrs)
                item = item.value
            for key, attr in attrs.items():
                child.set(key, attr)
            child.text = _text(item)


def build(kind: str, payload: Mapping[str, Any]) -> etree._Element:
    """`<root><kind>...</kind></root>` for kind customer, product or vendor."""
    if kind not in ("customer", "product", "vendor"):
        raise ValueError(f"no Netvisor message {kind!r}")
    root = etree.Element("root")
    _fill(etree.SubElement(root, kind), payload)
    return root


def encode(root: etree._Element, encoding: str) -> tuple[bytes, str]:
    """The body bytes and their Content-Type."""
    if encoding not in ENCODINGS:
        raise ValueError(f"request encoding must be one of {', '.join(ENCODINGS)}")
    text = etree.tostring(root, encoding="unicode")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise NetvisorUnencodable(
            f"{bad!r} cannot be sent in {encoding} (netvisor.request_encoding: utf-8 would carry it)"
        ) from None
    return data, f"text/xml; charset={encoding}"
