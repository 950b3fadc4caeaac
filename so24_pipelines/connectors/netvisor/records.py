"""Netvisor elements as Python dicts: element names kept, values typed exactly.

A record keeps Netvisor's element names (`Netvisorkey` in the customer list, `NetvisorKey` on the
card: the odd casing is Netvisor's and stays visible), nested blocks as dicts, and these values
typed, strictly (NetvisorFormatError names the field instead of guessing):

- keys and group ids -> int; decimal-comma amounts -> Decimal; `IsActive`-style flags (1/0) -> bool;
- everything else -> str, an empty element -> "" (a text Netvisor holds as empty, not unknown).

Blocks are dicts even when Netvisor sends them empty. Repeating elements (`Customer`, `Product`, `Vendor`, bank accounts) are lists even when one is
there. Attributes (`type="ISO-3166"`, `type="net"`) are dropped: the element names already say it.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from so24_pipelines.connectors.netvisor.errors import NetvisorFormatError
from so24_pipelines.connectors.netvisor.numbers import parse_decimal

INTEGERS = frozenset(
    {"Netvisorkey", "NetvisorKey", "CustomerGroupID", "CustomerGroupNetvisorKey", "ProductGroupID"}
)
DECIMALS = frozenset({
    "UnitPrice", "UnitGrossPrice", "PurchasePrice", "ComissionPercentage", "DefaultVatPercent", "UnitWeight",
    "InventoryAmount", "InventoryMidPrice", "InventoryValue", "InventoryReservedAmount", "InventoryOrderedAmount",
    "BalanceLimit",
})  # fmt: skip
FLAGS = frozenset({"IsActive", "IsSalesProduct", "IsDefault"})
CONTAINERS = frozenset({
    "CustomerBaseInformation", "CustomerFinvoiceDetails", "CustomerDeliveryDetails", "CustomerContactDetails",
    "CustomerAdditionalInformation", "ProductBaseInformation", "ProductBookkeepingDetails",
    "ProductInventoryDetails", "VendorBaseInformation", "VendorBankAccounts", "Replies",
})  # fmt: skip
LISTS = frozenset({"Customer", "Product", "Vendor", "VendorDomesticBankAccount", "VendorForeignBankAccount"})


def _scalar(tag: str, text: str, call: str | None) -> Any:
    if tag in INTEGERS:
        if not text:
            return None
        if not text.isdigit():
            raise NetvisorFormatError(f"{tag} {text!r} is not a Netvisor identifier", call=call)
        return int(text)
    if tag in DECIMALS:
        return parse_decimal(text, field=tag, call=call)
    if tag in FLAGS:
        if text not in ("0", "1"):
            raise NetvisorFormatError(f"{tag} {text!r} is not 1 or 0", call=call)
        return text == "1"
    return text


def to_dict(element: etree._Element, *, call: str | None = None) -> dict[str, Any]:
    """An element's children as a dict (see the module doc for types and lists)."""
    out: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        tag = str(child.tag)
        if len(child) or tag in CONTAINERS:
            value: Any = to_dict(child, call=call)
        else:
            value = _scalar(tag, (child.text or "").strip(), call)
        if tag in LISTS:
            out.setdefault(tag, []).append(value)
        else:
            out[tag] = value
    return out


def items(parent: etree._Element | None, tag: str, *, call: str | None = None) -> list[dict[str, Any]]:
    """Every `tag` child of `parent` as a dict (none when `parent` is missing or empty)."""
    if parent is None:
        return []
    return [to_dict(child, call=call) for child in parent if child.tag == tag]
