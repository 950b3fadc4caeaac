"""Netvisor's request MAC (reference/netvisor/API.md §3), computed per request.

The message is these values joined with `&`, in this order:

    URL (full, with the query string exactly as sent), Sender, CustomerId, Timestamp, Language,
    Organisation-ID, TransactionId, [TimestampUnix,] CustomerKey, PartnerKey

- HMACSHA256 (the current scheme, the default): HMAC-SHA256 over the message *with* TimestampUnix,
  keyed by `CustomerKey&PartnerKey`.
- SHA256 (the older scheme the vendor's security page still lists; reference §3 is unsure which of
  the two a new integration gets, hence the `netvisor.mac_algorithm` setting): plain SHA-256 over
  the message without TimestampUnix.
- MD5: deprecated; kept only because the one published test vector (a maintained client's
  tests) is MD5, and it pins the shared field order.

The digest is lower-case hex. Text becomes bytes as ISO-8859-15 by default (a write-up citing the
vendor) or ISO-8859-1 (the pinned client); the two differ only in eight characters (€ Š š Ž ž Œ œ Ÿ),
hence the `netvisor.mac_text_encoding` setting. A value that encoding cannot hold raises
ValueError instead of being replaced: a replaced character would only surface as AUTHENTICATION_FAILED.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

ALGORITHMS = ("HMACSHA256", "SHA256", "MD5")
TEXT_ENCODINGS = ("iso-8859-15", "iso-8859-1")


@dataclass(frozen=True)
class MacFields:
    """Everything the MAC covers; the two keys never leave this object except as the digest."""

    url: str
    sender: str
    customer_id: str
    timestamp: str
    language: str
    organisation_id: str
    transaction_id: str
    timestamp_unix: str
    customer_key: str
    partner_key: str

    def __repr__(self) -> str:
        return f"MacFields(url={self.url!r}, transaction_id={self.transaction_id!r}, keys=<hidden>)"


def message(fields: MacFields, algorithm: str) -> str:
    """The `&`-joined text the digest is taken over (TimestampUnix only under HMACSHA256)."""
    parts = [fields.url, fields.sender, fields.customer_id, fields.timestamp, fields.language,
             fields.organisation_id, fields.transaction_id]  # fmt: skip
    if algorithm == "HMACSHA256":
        parts.append(fields.timestamp_unix)
    return "&".join([*parts, fields.customer_key, fields.partner_key])


def _bytes(text: str, encoding: str, what: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        raise ValueError(f"the Netvisor MAC cannot carry a character of the {what} in {encoding}") from None


def compute(fields: MacFields, algorithm: str = "HMACSHA256", encoding: str = "iso-8859-15") -> str:
    """The lower-case hex MAC of one request."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown MAC algorithm {algorithm!r}; one of {', '.join(ALGORITHMS)}")
    if encoding not in TEXT_ENCODINGS:
        raise ValueError(f"unknown MAC text encoding {encoding!r}; one of {', '.join(TEXT_ENCODINGS)}")
    data = _bytes(message(fields, algorithm), encoding, "request (URL, sender, ids)")
    if algorithm == "HMACSHA256":
        key = _bytes(f"{fields.customer_key}&{fields.partner_key}", encoding, "keys")
        return hmac.new(key, data, hashlib.sha256).hexdigest()
    if algorithm == "SHA256":
        return hashlib.sha256(data).hexdigest()
    return hashlib.md5(data).hexdigest()  # noqa: S324 - Netvisor's deprecated scheme


def timestamp(moment: datetime) -> str:
    """`YYYY-MM-DD HH:MM:SS.fff` in UTC, exactly three decimals (the Timestamp header)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S.") + f"{utc.microsecond // 1000:03d}"
