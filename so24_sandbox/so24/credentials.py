"""The fixed sandbox account: one community user who may work on two companies (identities).

These are sandbox-only values, published on purpose (GET /_sandbox/24so/credentials):

    ApplicationId  2b4e0f6a-7c31-4d52-9e24-50ff1ce0a24b
    Username       demo@so24.example
    Password       sandbox-24so
    Identities     4a1d7c2e-0b6f-4e1a-9c24-000000000001  Nordlys Handel AS (NO, NOK; the default)
                   4a1d7c2e-0b6f-4e1a-9c24-000000000002  Nordlys Handel Sverige AB (SE, SEK)

Login without IdentityId (or with the empty GUID) lands on the first identity, as 24SO does for a
user's default client; SetIdentityById switches an existing session to the other.
"""

from __future__ import annotations

from dataclasses import dataclass

APPLICATION_ID = "2b4e0f6a-7c31-4d52-9e24-50ff1ce0a24b"
USERNAME = "demo@so24.example"
PASSWORD = "sandbox-24so"
USER_GUID = "7e57d00d-24a0-4c0f-8e24-0000000000aa"
USER_NAME = "Demo Integrator"


@dataclass(frozen=True)
class IdentityInfo:
    """One 24SO client (company) the user can act on; id offsets keep the data sets' ids apart."""

    id: str
    name: str
    client_id: int
    country: str
    currency: str
    id_offset: int


IDENTITIES: tuple[IdentityInfo, ...] = (
    IdentityInfo("4a1d7c2e-0b6f-4e1a-9c24-000000000001", "Nordlys Handel AS", 702401, "NO", "NOK", 0),
    IdentityInfo(
        "4a1d7c2e-0b6f-4e1a-9c24-000000000002", "Nordlys Handel Sverige AB", 702402, "SE", "SEK", 50_000_000
    ),
)
DEFAULT_IDENTITY = IDENTITIES[0]


def identity_by_id(identity_id: str | None) -> IdentityInfo | None:
    wanted = (identity_id or "").strip().lower()
    return next((i for i in IDENTITIES if i.id == wanted), None)


def public_credentials() -> dict:
    return {
        "application_id": APPLICATION_ID,
        "username": USERNAME,
        "password": PASSWORD,
        "identities": [{"id": i.id, "name": i.name} for i in IDENTITIES],
    }
