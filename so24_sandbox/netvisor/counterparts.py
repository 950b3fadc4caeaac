"""The N2 matching cases between the Netvisor seed and the Rackbeat sandbox (GET /_sandbox/netvisor/matching-cases).

The Rackbeat sandbox's seed holds two customers, one supplier and three products; they give one
code case, one name case and the product-code cases. The business-ID, non-numeric-code and
ambiguous-name cases (and a second name case) need five more Rackbeat customers, listed in
RACKBEAT_CUSTOMERS in the body POST /_sandbox/rackbeat/customers takes; a test or the demo creates
them before matching (the Rackbeat seed is another system's file). A Finnish business ID reaches
Rackbeat's `company_vat` in either form the cascade must normalise: the VAT number (`FI` + the eight
digits) or the business ID itself.

Each case names the Rackbeat record, the Netvisor record(s) by code and NetvisorKey, and the outcome
seed 003 asks for. "register only" cases have no counterpart on the other side.
"""

from __future__ import annotations

from typing import Any

RACKBEAT_CUSTOMERS: tuple[dict[str, Any], ...] = (
    {"number": 10003, "name": "Saimaan Puutarhat Oy", "company_vat": "FI29051872", "address_city": "Lappeenranta",
     "address_country": "FI"},
    {"number": 10004, "name": "Lapin Lanka Oy", "address_city": "Rovaniemi", "address_country": "FI"},
    {"number": 10005, "name": "Kahvila Aalto", "address_city": "Tampere", "address_country": "FI"},
    {"number": 10006, "name": "Äänekosken Öljy", "company_vat": "0737546-2", "address_city": "Äänekoski",
     "address_country": "FI"},
    {"number": 10007, "name": "Koivisto Rauta Oy", "address_city": "Kuopio", "address_country": "FI"},
)  # fmt: skip

CASES: tuple[dict[str, Any], ...] = (
    {"register": "customers", "rackbeat": 10001, "netvisor": [{"key": 101, "code": "10001"}], "outcome": "code",
     "why": "the customer code equals the Rackbeat number; the names differ"},
    {"register": "customers", "rackbeat": 10002, "netvisor": [{"key": 102, "code": "7002"}], "outcome": "name",
     "why": "no code or business ID in common; the exact name is the same"},
    {"register": "customers", "rackbeat": 10003, "netvisor": [{"key": 103, "code": "3300"}],
     "outcome": "business_id", "why": "FI29051872 is business ID 2905187-2; the Netvisor card is overwritten"},
    {"register": "customers", "rackbeat": 10004, "netvisor": [{"key": 104, "code": "LL-12"}],
     "outcome": "non_numeric_code", "why": "the Netvisor customer code is not digits only: reported, not guessed"},
    {"register": "customers", "rackbeat": 10005,
     "netvisor": [{"key": 105, "code": "4101"}, {"key": 106, "code": "4102"}],
     "outcome": "ambiguous", "why": "two Netvisor customers carry the name: held with the reason"},
    {"register": "customers", "rackbeat": 10006, "netvisor": [{"key": 107, "code": "5005"}],
     "outcome": "business_id", "why": "the same business ID 0737546-2; names differ; the card is overwritten"},
    {"register": "customers", "rackbeat": 10007, "netvisor": [{"key": 110, "code": "6010"}], "outcome": "name",
     "why": "no code or business ID in common; the exact name is the same"},
    {"register": "customers", "rackbeat": None, "netvisor": [{"key": 108, "code": "5009"}],
     "outcome": "netvisor_only", "why": "no Rackbeat customer"},
    {"register": "customers", "rackbeat": None, "netvisor": [{"key": 109, "code": ""}],
     "outcome": "netvisor_only", "why": "a private customer without code or business ID"},
    {"register": "suppliers", "rackbeat": 20001, "netvisor": [{"key": 201, "code": "20001"}], "outcome": "code",
     "why": "the vendor code equals the Rackbeat supplier number"},
    {"register": "suppliers", "rackbeat": None, "netvisor": [{"key": 202, "code": "V-300"}],
     "outcome": "netvisor_only", "why": "no Rackbeat supplier"},
    {"register": "products", "rackbeat": "RB-1001", "netvisor": [{"key": 301, "code": "RB-1001"}],
     "outcome": "code", "why": "the product code decides (the names are in different languages)"},
    {"register": "products", "rackbeat": "RB-1002", "netvisor": [{"key": 302, "code": "RB-1002"}],
     "outcome": "code", "why": "the product code decides"},
    {"register": "products", "rackbeat": "RB-1003", "netvisor": [], "outcome": "rackbeat_only",
     "why": "no Netvisor product with that code"},
    {"register": "products", "rackbeat": None, "netvisor": [{"key": 303, "code": "NV-2001"}],
     "outcome": "netvisor_only", "why": "letters in the code"},
    {"register": "products", "rackbeat": None, "netvisor": [{"key": 304, "code": "4001"}],
     "outcome": "netvisor_only", "why": "digits only in the code"},
    {"register": "products", "rackbeat": None, "netvisor": [{"key": 305, "code": "NV-9999"}],
     "outcome": "netvisor_only", "why": "a deleted product"},
)  # fmt: skip
