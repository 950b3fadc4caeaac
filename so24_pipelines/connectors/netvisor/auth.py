"""Signing every Netvisor request: the X-Netvisor-* headers and a MAC made for that request alone.

A `requests` auth object runs once per *prepared* request, so each attempt (a retry too) gets a
new TransactionId (uuid4 hex; Netvisor refuses a repeated one with REQUEST_NOT_UNIQUE), a fresh
Timestamp / TimestampUnix and a MAC over the URL exactly as it will be sent (query string included,
percent-encoding as `requests` wrote it). The keys stay inside this object; `repr()` hides them.

Headers (reference §3): Sender, CustomerId, PartnerId, Timestamp (UTC, three decimals),
TimestampUnix, TransactionId, Interface-Language (FI/EN/SE: the language of Netvisor's error
texts), Organisation-ID, MACHashCalculationAlgorithm, MAC, and UseHTTPResponseStatusCodes: 1 only
when asked (`netvisor.use_http_status_codes`; the reference does not know which codes come back).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import requests

from so24_pipelines.connectors.netvisor import mac
from so24_pipelines.connectors.netvisor.credentials import NetvisorCredentials

LANGUAGES = ("FI", "EN", "SE")


def new_transaction_id() -> str:
    return uuid.uuid4().hex


class NetvisorAuth(requests.auth.AuthBase):
    def __init__(
        self,
        credentials: NetvisorCredentials,
        *,
        sender: str,
        language: str = "EN",
        algorithm: str = "HMACSHA256",
        text_encoding: str = "iso-8859-15",
        use_http_status_codes: bool = False,
        clock: Callable[[], float] = time.time,
        transaction_ids: Callable[[], str] = new_transaction_id,
    ) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        if not sender.strip() or not sender.isascii() or not sender.isprintable():
            raise ValueError(
                "sender (the integration's name) must be printable ASCII: it travels in a header"
            )
        if algorithm not in mac.ALGORITHMS[:2]:
            raise ValueError("algorithm must be HMACSHA256 or SHA256 (MD5 is deprecated)")
        if text_encoding not in mac.TEXT_ENCODINGS:
            raise ValueError(f"text_encoding must be one of {', '.join(mac.TEXT_ENCODINGS)}")
        for what, value in (("sender", sender), ("customer id", credentials.customer_id)):
            try:
                value.encode(text_encoding)
            except UnicodeEncodeError:
                raise ValueError(f"the {what} holds a character {text_encoding} cannot carry") from None
        self._credentials = credentials
        self.sender = sender
        self.language = language
        self.algorithm = algorithm
        self.text_encoding = text_encoding
        self.use_http_status_codes = use_http_status_codes
        self._clock = clock
        self._transaction_ids = transaction_ids

    def __repr__(self) -> str:
        return f"NetvisorAuth(sender={self.sender!r}, algorithm={self.algorithm!r}, keys=<hidden>)"

    def headers_for(self, url: str) -> dict[str, str]:
        """Every authentication header for one request to `url` (the exact URL that is sent)."""
        now = self._clock()
        creds = self._credentials
        fields = mac.MacFields(
            url=url, sender=self.sender, customer_id=creds.customer_id,
            timestamp=mac.timestamp(datetime.fromtimestamp(now, UTC)), language=self.language,
            organisation_id=creds.organisation_id, transaction_id=self._transaction_ids(),
            timestamp_unix=str(int(now)), customer_key=creds.customer_key, partner_key=creds.partner_key,
        )  # fmt: skip
        headers = {
            "X-Netvisor-Authentication-Sender": fields.sender,
            "X-Netvisor-Authentication-CustomerId": fields.customer_id,
            "X-Netvisor-Authentication-PartnerId": creds.partner_id,
            "X-Netvisor-Authentication-Timestamp": fields.timestamp,
            "X-Netvisor-Authentication-TransactionId": fields.transaction_id,
            "X-Netvisor-Interface-Language": fields.language,
            "X-Netvisor-Organisation-ID": fields.organisation_id,
            "X-Netvisor-Authentication-MACHashCalculationAlgorithm": self.algorithm,
            "X-Netvisor-Authentication-MAC": mac.compute(fields, self.algorithm, self.text_encoding),
        }
        if self.algorithm == "HMACSHA256":
            headers["X-Netvisor-Authentication-TimestampUnix"] = fields.timestamp_unix
        if self.use_http_status_codes:
            headers["X-Netvisor-Authentication-UseHTTPResponseStatusCodes"] = "1"
        return headers

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(self.headers_for(str(request.url)))
        return request
