"""Netvisor's failure codes and the texts the sandbox answers them with, per interface language.

A failure answers `Status` twice: `FAILED`, then `<CODE> :: <text>`. The codes are Netvisor's own
(reference §1). Of the texts only two are sourced: the Finnish "partner not found" text from a
client's recorded answer, and the English `Data form incorrect:. Customer not found with Netvisor
identifier: N` (reference §1, the odd `:.` included). The others are the sandbox's wording in the
same style; clients must branch on the code, never on the text, because the text follows the
`X-Netvisor-Interface-Language` header (FI, EN, SE; FI when missing or unknown, as the vendor's
default).
"""

from __future__ import annotations

AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
INVALID_DATA = "INVALID_DATA"
INVALID_DATA_SIZE = "INVALID_DATA_SIZE"
DUPLICATE_DATA = "DUPLICATE_DATA"
REQUEST_NOT_UNIQUE = "REQUEST_NOT_UNIQUE"
SERVICE_ACCESS_ERROR = "SERVICE_ACCESS_ERROR"
TECHNICAL_ERROR = "TECHNICAL_ERROR"

LANGUAGES = ("FI", "EN", "SE")

TEXTS: dict[str, dict[str, str]] = {
    "missing_header": {
        "FI": "Pakollinen otsake puuttuu tai on virheellinen: {header}",
        "EN": "A required header is missing or invalid: {header}",
        "SE": "Ett obligatoriskt huvud saknas eller är ogiltigt: {header}",
    },
    "partner_not_found": {
        "FI": "Integraatiokumppania ei löydy, katso dokumentaatio",
        "EN": "Integration partner not found, see the documentation",
        "SE": "Integrationspartnern hittades inte, se dokumentationen",
    },
    "customer_not_found": {
        "FI": "Integraatiokäyttäjää ei löydy, katso dokumentaatio",
        "EN": "Integration user not found, see the documentation",
        "SE": "Integrationsanvändaren hittades inte, se dokumentationen",
    },
    "algorithm": {
        "FI": "MAC-laskenta-algoritmia {algorithm} ei tueta",
        "EN": "MAC calculation algorithm {algorithm} is not supported",
        "SE": "MAC-beräkningsalgoritmen {algorithm} stöds inte",
    },
    "mac": {
        "FI": "MAC-tarkiste on virheellinen",
        "EN": "The MAC is invalid",
        "SE": "MAC-kontrollsumman är ogiltig",
    },
    "organisation": {
        "FI": "Integraatiokäyttäjällä ei ole oikeutta yritykseen {organisation}",
        "EN": "The integration user has no access to company {organisation}",
        "SE": "Integrationsanvändaren har ingen behörighet till företaget {organisation}",
    },
    "not_unique": {
        "FI": "Tapahtumatunniste on jo käytetty: {transaction}",
        "EN": "The transaction identifier has already been used: {transaction}",
        "SE": "Transaktionsidentifieraren har redan använts: {transaction}",
    },
    "overlap": {
        "FI": "Yritykselle on jo käynnissä rajapintakutsu, vain yksi kutsu kerrallaan",
        "EN": "Another call to this company is still being processed, one call at a time",
        "SE": "Ett annat anrop till företaget pågår redan, ett anrop åt gången",
    },
    "data": {
        "FI": "Virheellinen tietomuoto:. {detail}",
        "EN": "Data form incorrect:. {detail}",
        "SE": "Felaktigt dataformat:. {detail}",
    },
    "duplicate": {
        "FI": "Tieto on jo olemassa:. {detail}",
        "EN": "Data already exists:. {detail}",
        "SE": "Uppgiften finns redan:. {detail}",
    },
    "size": {
        "FI": "Liian monta tunnistetta:. {detail}",
        "EN": "Too many identifiers:. {detail}",
        "SE": "För många identifierare:. {detail}",
    },
    "unknown_resource": {
        "FI": "Resurssia ei löydy: {resource}",
        "EN": "Resource not found: {resource}",
        "SE": "Resursen hittades inte: {resource}",
    },
}


def language_of(header: str | None) -> str:
    value = (header or "").strip().upper()
    return value if value in LANGUAGES else "FI"


class NetvisorFailure(Exception):
    """A refusal the API renders as a FAILED envelope: `code` and a TEXTS key with its fields."""

    def __init__(self, code: str, text: str, **fields: object) -> None:
        self.code = code
        self.text = text
        self.fields = fields
        super().__init__(f"{code} :: {text}")

    def status_text(self, language: str) -> str:
        template = TEXTS[self.text][language_of(language)]
        return f"{self.code} :: {template.format(**self.fields)}"


def invalid(detail: str) -> NetvisorFailure:
    """INVALID_DATA with an English detail (the detail is data, not translated)."""
    return NetvisorFailure(INVALID_DATA, "data", detail=detail)
