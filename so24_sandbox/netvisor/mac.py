"""The MAC the emulated Netvisor expects, recomputed from the request (reference §3).

The fields are joined with `&` in this order; the URL is the full request URL *with* its query
string, exactly as sent:

    HMACSHA256  URL, Sender, CustomerId, Timestamp, Language, Organisation-ID, TransactionId,
                TimestampUnix, CustomerKey, PartnerKey   -> HMAC-SHA256, key "CustomerKey&PartnerKey"
    SHA256      the same without TimestampUnix           -> plain SHA-256 (older scheme)
    MD5         the same without TimestampUnix           -> plain MD5 (deprecated)

Text becomes bytes in `encoding` (behaviour.mac_text_encoding); a value that encoding cannot hold
makes no valid MAC. The digest must be the lower-case hex (upper case is refused: the reference pins lower case), compared
in constant time. Written apart
from the connector's implementation on purpose, so one cannot hide a mistake in the other.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass


@dataclass(frozen=True)
class MacInput:
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


def expected(algorithm: str, given: MacInput, encoding: str) -> str | None:
    """The lower-case hex MAC for `algorithm`, or None when the text cannot be encoded."""
    head = [given.url, given.sender, given.customer_id, given.timestamp, given.language,
            given.organisation_id, given.transaction_id]  # fmt: skip
    keys = [given.customer_key, given.partner_key]
    try:
        if algorithm == "HMACSHA256":
            message = "&".join([*head, given.timestamp_unix, *keys]).encode(encoding)
            key = "&".join(keys).encode(encoding)
            return hmac.new(key, message, hashlib.sha256).hexdigest()
        message = "&".join([*head, *keys]).encode(encoding)
    except UnicodeEncodeError:
        return None
    if algorithm == "SHA256":
        return hashlib.sha256(message).hexdigest()
    if algorithm == "MD5":
        return hashlib.md5(message).hexdigest()  # noqa: S324 - Netvisor's deprecated scheme
    return None


def matches(algorithm: str, given: MacInput, mac: str, encoding: str) -> bool:
    want = expected(algorithm, given, encoding)
    return want is not None and hmac.compare_digest(want.encode(), mac.strip().encode())
