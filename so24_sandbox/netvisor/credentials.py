"""The sandbox's published Netvisor credentials: partners, integration users and companies.

Netvisor authenticates a call with two key pairs (reference §2): the software partner's (PartnerId
+ PartnerKey, issued by Netvisor partner support) and the company's integration user's (CustomerId +
CustomerKey, created by the company's admin). The keys never travel; they only key the MAC. The
user may act for the companies (Organisation IDs = business IDs) its admin granted it.

    partner   so24_sbx            key 5c3d0e6b9a7f41d28e0b6c1f4a9d2e73
    user      SO24HUB-SANDBOX     key a1f08c47d2b94e6f8c3e5b7d9a0f1c26   company 2745291-2 (Sandbox Tukku Oy)
    user      SO24HUB-TOINEN      key 7e2b9d40c5f64a1e9b8d3c2f0e6a5b14   company 2468013-5 (Toinen Testi Oy)

Test values for a local emulator, published on purpose (GET /_sandbox/netvisor/credentials).
"""

from __future__ import annotations

from dataclasses import dataclass

MAIN_ORGANISATION_ID = "2745291-2"
SECOND_ORGANISATION_ID = "2468013-5"
COMPANY_NAMES = {MAIN_ORGANISATION_ID: "Sandbox Tukku Oy", SECOND_ORGANISATION_ID: "Toinen Testi Oy"}

PARTNER_ID = "so24_sbx"
PARTNER_KEYS = {PARTNER_ID: "5c3d0e6b9a7f41d28e0b6c1f4a9d2e73"}


@dataclass(frozen=True)
class IntegrationUser:
    customer_id: str
    customer_key: str
    organisations: tuple[str, ...]


USERS = {
    user.customer_id: user
    for user in (
        IntegrationUser("SO24HUB-SANDBOX", "a1f08c47d2b94e6f8c3e5b7d9a0f1c26", (MAIN_ORGANISATION_ID,)),
        IntegrationUser("SO24HUB-TOINEN", "7e2b9d40c5f64a1e9b8d3c2f0e6a5b14", (SECOND_ORGANISATION_ID,)),
    )
}
MAIN_USER = USERS["SO24HUB-SANDBOX"]
SECOND_USER = USERS["SO24HUB-TOINEN"]
