"""Retailers (the brand's B2B customers) as LNB holds them.

A retailer's `reference` is the brand's own customer code, set by the brand's ERP integration;
orders carry it as `retailer_reference` and the hub matches it to a 24SO customer (reference §7).
A retailer a sales rep created in the app may have no reference at all, or a code that is no
customer number: the seed holds both, because an order from such a retailer must be blocked.
The sandbox keeps a private numeric `id` so the control API can address a retailer that has no
reference; the API itself never shows it (v2 replaced numeric ids with references, §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Retailer:
    id: int
    reference: str | None
    name: str
    email: str
    country: str
    vat_number: str | None
    address_1: str
    zipcode: str
    city: str
    tel: str | None = None


def address_json(retailer: Retailer) -> dict[str, Any]:
    """An Address (PHP Retailer/Address model), as on orders' billing and delivery addresses."""
    return {
        "reference": retailer.reference,
        "company": retailer.name,
        "country": retailer.country,
        "contact_name": None,
        "contact_email": retailer.email,
        "tel": retailer.tel,
        "address_1": retailer.address_1,
        "address_2": None,
        "zipcode": retailer.zipcode,
        "city": retailer.city,
        "vat_number": retailer.vat_number,
    }


def retailer_json(retailer: Retailer) -> dict[str, Any]:
    return {
        "reference": retailer.reference,
        "name": retailer.name,
        "email": retailer.email,
        "country": retailer.country,
        "vat_number": retailer.vat_number,
        "billing_address": address_json(retailer),
        "delivery_address": address_json(retailer),
    }
