"""The front door of the emulated API: headers, MAC, company access and TransactionId (reference §3).

Checked in this order, every refusal answered AUTHENTICATION_FAILED except the last:

1. the headers are all there: Sender, CustomerId, PartnerId, Timestamp (`YYYY-MM-DD HH:MM:SS.fff`,
   exactly three decimals), TransactionId, Interface-Language (FI/EN/SE), Organisation-ID and MAC;
   TimestampUnix (whole seconds) too under HMACSHA256;
2. the partner and the integration user exist;
3. the algorithm (`X-Netvisor-Authentication-MACHashCalculationAlgorithm`) is accepted; a request
   without the header is read as the legacy MD5 scheme, which older clients used without naming it;
4. the MAC matches (mac.py) over the URL exactly as received, query string included;
5. the user may act for the Organisation-ID;
6. the TransactionId is new for this user -> else REQUEST_NOT_UNIQUE.

The timestamp's freshness is not checked: the reference says nothing about a permitted clock skew.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.requests import Request

from so24_sandbox.netvisor import mac, statuses
from so24_sandbox.netvisor.behaviour import Behaviour
from so24_sandbox.netvisor.credentials import PARTNER_KEYS, USERS, IntegrationUser
from so24_sandbox.netvisor.statuses import NetvisorFailure
from so24_sandbox.netvisor.transactions import TransactionLog

H_SENDER = "X-Netvisor-Authentication-Sender"
H_CUSTOMER = "X-Netvisor-Authentication-CustomerId"
H_PARTNER = "X-Netvisor-Authentication-PartnerId"
H_TIMESTAMP = "X-Netvisor-Authentication-Timestamp"
H_TIMESTAMP_UNIX = "X-Netvisor-Authentication-TimestampUnix"
H_TRANSACTION = "X-Netvisor-Authentication-TransactionId"
H_LANGUAGE = "X-Netvisor-Interface-Language"
H_ORGANISATION = "X-Netvisor-Organisation-ID"
H_ALGORITHM = "X-Netvisor-Authentication-MACHashCalculationAlgorithm"
H_HTTP_CODES = "X-Netvisor-Authentication-UseHTTPResponseStatusCodes"
H_MAC = "X-Netvisor-Authentication-MAC"

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}")
_REQUIRED = (H_SENDER, H_CUSTOMER, H_PARTNER, H_TIMESTAMP, H_TRANSACTION, H_LANGUAGE, H_ORGANISATION, H_MAC)


@dataclass(frozen=True)
class Caller:
    user: IntegrationUser
    organisation_id: str
    language: str
    transaction_id: str


def _refused(text: str, **fields: object) -> NetvisorFailure:
    return NetvisorFailure(statuses.AUTHENTICATION_FAILED, text, **fields)


def authenticate(request: Request, behaviour: Behaviour, transactions: TransactionLog) -> Caller:
    """The verified caller, or NetvisorFailure for the first check that fails."""
    headers = request.headers
    for name in _REQUIRED:
        if not headers.get(name, "").strip():
            raise _refused("missing_header", header=name)
    language = headers[H_LANGUAGE].strip()
    if language.upper() not in statuses.LANGUAGES:
        raise _refused("missing_header", header=H_LANGUAGE)
    if not _TIMESTAMP.fullmatch(headers[H_TIMESTAMP]):
        raise _refused("missing_header", header=H_TIMESTAMP)
    partner_key = PARTNER_KEYS.get(headers[H_PARTNER])
    if partner_key is None:
        raise _refused("partner_not_found")
    user = USERS.get(headers[H_CUSTOMER])
    if user is None:
        raise _refused("customer_not_found")
    algorithm = headers.get(H_ALGORITHM, "MD5").strip().upper()
    if algorithm not in behaviour["accepted_algorithms"]:
        raise _refused("algorithm", algorithm=algorithm)
    unix = headers.get(H_TIMESTAMP_UNIX, "")
    if algorithm == "HMACSHA256" and not unix.isdigit():
        raise _refused("missing_header", header=H_TIMESTAMP_UNIX)
    given = mac.MacInput(
        url=str(request.url), sender=headers[H_SENDER], customer_id=user.customer_id,
        timestamp=headers[H_TIMESTAMP], language=language, organisation_id=headers[H_ORGANISATION],
        transaction_id=headers[H_TRANSACTION], timestamp_unix=unix, customer_key=user.customer_key,
        partner_key=partner_key,
    )  # fmt: skip
    if not mac.matches(algorithm, given, headers[H_MAC], behaviour["mac_text_encoding"]):
        raise _refused("mac")
    organisation = headers[H_ORGANISATION].strip()
    if organisation not in user.organisations:
        raise _refused("organisation", organisation=organisation)
    transaction = headers[H_TRANSACTION]
    if not transactions.first_use(user.customer_id, transaction):
        raise NetvisorFailure(statuses.REQUEST_NOT_UNIQUE, "not_unique", transaction=transaction)
    return Caller(user, organisation, language.upper(), transaction)


def wants_http_codes(request: Request) -> bool:
    return request.headers.get(H_HTTP_CODES, "").strip() == "1"
