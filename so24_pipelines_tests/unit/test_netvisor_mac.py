"""Netvisor's MAC (reference/netvisor/API.md §3): the pinned vectors, in the connector and the sandbox.

The only published vector is the legacy MD5 one from a maintained client's tests; it pins the shared
field order URL, Sender, CustomerId, Timestamp, Language, Organisation-ID, TransactionId,
CustomerKey, PartnerKey. The HMACSHA256 and SHA256 vectors are built here from the reference's
wording as literal text, so a change of order, separator, key or encoding in either
implementation fails them.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import pytest
import requests

from so24_pipelines.connectors.netvisor import mac
from so24_pipelines.connectors.netvisor.auth import NetvisorAuth
from so24_pipelines.connectors.netvisor.credentials import NetvisorCredentials
from so24_sandbox.netvisor import mac as sandbox_mac

URL = "http://integrationdemo.netvisor.fi/accounting.nv"
SENDER, CUSTOMER_ID, ORGANISATION = "Testiclient", "Integraatiokayttajan tunnus", "1967543-8"
CUSTOMER_KEY, PARTNER_KEY = "7cd680e89e880553358bc07cd28b0ee2", "07f94228d149a96b2f25e3edad55096e"
TIMESTAMP, TRANSACTION, UNIX = "2009-01-12 15:49:12.221", "123456", "1231775352"

PUBLISHED_MD5 = "6b2783906969630c1b6649bf5b0e6620"  # the client's tests/test_auth.py
HMAC_VECTOR = "f473c84224100b07abc764dbf5c2102d802a7c17694f67bcaa06c583cdfca690"
SHA256_VECTOR = "cd39e4566936ffd41e67cc8a819bf314a5f1016ca0159854d0f2dd447a86db8e"
LITERAL_HMAC_MESSAGE = (
    "http://integrationdemo.netvisor.fi/accounting.nv&Testiclient&Integraatiokayttajan tunnus"
    "&2009-01-12 15:49:12.221&FI&1967543-8&123456&1231775352"
    "&7cd680e89e880553358bc07cd28b0ee2&07f94228d149a96b2f25e3edad55096e"
)


def fields(**changes: str) -> mac.MacFields:
    base = dict(url=URL, sender=SENDER, customer_id=CUSTOMER_ID, timestamp=TIMESTAMP, language="FI",
                organisation_id=ORGANISATION, transaction_id=TRANSACTION, timestamp_unix=UNIX,
                customer_key=CUSTOMER_KEY, partner_key=PARTNER_KEY)  # fmt: skip
    return mac.MacFields(**{**base, **changes})


def sandbox_input(f: mac.MacFields) -> sandbox_mac.MacInput:
    return sandbox_mac.MacInput(**vars(f))


@pytest.mark.parametrize(("algorithm", "vector"), [("MD5", PUBLISHED_MD5), ("HMACSHA256", HMAC_VECTOR),
                                                    ("SHA256", SHA256_VECTOR)])  # fmt: skip
def test_both_implementations_reproduce_the_vectors(algorithm: str, vector: str) -> None:
    assert mac.compute(fields(), algorithm) == vector
    assert sandbox_mac.expected(algorithm, sandbox_input(fields()), "iso-8859-15") == vector
    assert sandbox_mac.matches(algorithm, sandbox_input(fields()), vector, "iso-8859-15")


def test_hmac_is_keyed_by_customer_key_and_partner_key_over_the_literal_message() -> None:
    key = f"{CUSTOMER_KEY}&{PARTNER_KEY}".encode("iso-8859-15")
    independent = hmac.new(key, LITERAL_HMAC_MESSAGE.encode("iso-8859-15"), hashlib.sha256).hexdigest()
    assert mac.message(fields(), "HMACSHA256") == LITERAL_HMAC_MESSAGE
    assert independent == HMAC_VECTOR
    assert hashlib.sha256(mac.message(fields(), "SHA256").encode()).hexdigest() == SHA256_VECTOR


@pytest.mark.parametrize("field", ["url", "sender", "customer_id", "timestamp", "language", "organisation_id",
                                   "transaction_id", "timestamp_unix", "customer_key", "partner_key"])  # fmt: skip
def test_every_field_is_covered_by_the_hmac(field: str) -> None:
    assert mac.compute(fields(**{field: "x"})) != HMAC_VECTOR


def test_the_query_string_is_signed() -> None:
    plain = mac.compute(fields(url="https://isvapi.netvisor.fi/getcustomer.nv?id=123"))
    other = mac.compute(fields(url="https://isvapi.netvisor.fi/getcustomer.nv?id=124"))
    assert plain != other


def test_the_sandbox_refuses_upper_case_hex_and_a_wrong_key() -> None:
    given = sandbox_input(fields())
    assert not sandbox_mac.matches("HMACSHA256", given, HMAC_VECTOR.upper(), "iso-8859-15")
    wrong = sandbox_input(fields(partner_key="0" * 32))
    assert not sandbox_mac.matches("HMACSHA256", wrong, HMAC_VECTOR, "iso-8859-15")


def test_text_encodings_differ_only_where_iso_8859_15_differs() -> None:
    nordic = fields(sender="Jyväskylän Öljy")
    assert mac.compute(nordic, encoding="iso-8859-15") == mac.compute(nordic, encoding="iso-8859-1")
    euro = fields(sender="Šiškin €")
    assert len(mac.compute(euro, encoding="iso-8859-15")) == 64
    with pytest.raises(ValueError, match="iso-8859-1"):
        mac.compute(euro, encoding="iso-8859-1")
    assert sandbox_mac.expected("HMACSHA256", sandbox_input(euro), "iso-8859-1") is None


def test_timestamp_header_is_utc_with_exactly_three_decimals() -> None:
    helsinki = timezone(timedelta(hours=2))
    assert mac.timestamp(datetime(2009, 1, 12, 17, 49, 12, 221_999, tzinfo=helsinki)) == TIMESTAMP
    assert mac.timestamp(datetime(2009, 1, 12, 15, 49, 12, tzinfo=UTC)) == "2009-01-12 15:49:12.000"


def _prepared(auth: NetvisorAuth, url: str) -> requests.PreparedRequest:
    return requests.Request("GET", url, auth=auth).prepare()


CREDS = NetvisorCredentials(CUSTOMER_ID, CUSTOMER_KEY, "xxx_yyy", PARTNER_KEY, ORGANISATION)


def test_each_request_gets_a_fresh_transaction_id_and_its_own_mac() -> None:
    auth = NetvisorAuth(CREDS, sender=SENDER, language="FI", clock=lambda: 1231775352.221)
    first = _prepared(auth, "https://isvapi.netvisor.fi/customerlist.nv?keyword=Äänekoski Öljy")
    second = _prepared(auth, "https://isvapi.netvisor.fi/customerlist.nv?keyword=Äänekoski Öljy")
    h1, h2 = first.headers, second.headers
    assert h1["X-Netvisor-Authentication-TransactionId"] != h2["X-Netvisor-Authentication-TransactionId"]
    assert h1["X-Netvisor-Authentication-MAC"] != h2["X-Netvisor-Authentication-MAC"]
    assert h1["X-Netvisor-Authentication-Timestamp"] == TIMESTAMP
    assert h1["X-Netvisor-Authentication-TimestampUnix"] == UNIX
    assert h1["X-Netvisor-Authentication-MACHashCalculationAlgorithm"] == "HMACSHA256"
    assert "X-Netvisor-Authentication-UseHTTPResponseStatusCodes" not in h1
    assert "%C3%84%C3%A4nekoski" in str(first.url)  # signed as sent: percent-encoded
    signed = mac.compute(
        fields(url=str(first.url), transaction_id=h1["X-Netvisor-Authentication-TransactionId"])
    )
    assert h1["X-Netvisor-Authentication-MAC"] == signed


def test_sha256_mode_sends_no_unix_timestamp_and_keys_never_show() -> None:
    auth = NetvisorAuth(CREDS, sender=SENDER, algorithm="SHA256", use_http_status_codes=True)
    headers = _prepared(auth, URL).headers
    assert "X-Netvisor-Authentication-TimestampUnix" not in headers
    assert headers["X-Netvisor-Authentication-UseHTTPResponseStatusCodes"] == "1"
    shown = f"{auth!r} {CREDS!r} {headers}"
    assert CUSTOMER_KEY not in shown and PARTNER_KEY not in shown


def test_md5_and_unknown_languages_are_refused() -> None:
    with pytest.raises(ValueError, match="MD5"):
        NetvisorAuth(CREDS, sender=SENDER, algorithm="MD5")
    with pytest.raises(ValueError, match="language"):
        NetvisorAuth(CREDS, sender=SENDER, language="NO")


@pytest.mark.parametrize("sender", ["", "   ", "Jyväskylä hub", "line\nbreak"])
def test_the_sender_must_be_printable_ascii_because_it_travels_in_a_header(sender: str) -> None:
    with pytest.raises(ValueError, match="sender"):
        NetvisorAuth(CREDS, sender=sender)
