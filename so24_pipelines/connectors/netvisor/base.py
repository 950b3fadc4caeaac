"""The Netvisor client core: signing, one call at a time per company, XML in and out, named errors.

Built on the shared RestClient (transport retries, connect budget, scrubbed messages) with what
Netvisor needs on top (reference/netvisor/API.md):

- Every attempt is signed afresh (auth.py): a new TransactionId, timestamps and MAC.
- Calls to one company are serialised (lock.py): Netvisor refuses overlapping calls. The lock is
  held for one logical call, transport retries included.
- Answers are XML; `ResponseStatus` decides (envelope.py). FAILED becomes the named error for
  Netvisor's code (errors.py), carrying its status text.
- Retries: RestClient repeats reads after 5xx, dropped connections and malformed bodies, and
  repeats a write only when it is marked repeatable. Here reads and `method=edit` (the same message
  twice leaves the same record) are repeatable; `method=add` is not, because a lost answer may hide
  a created record: the caller looks the record up before adding again. TECHNICAL_ERROR and
  SYSTEM_MAINTANANCE (which include Netvisor's refusal of an overlapping call) are retried the same
  way, with backoff, outside the lock so another thread's call can go first.
- Every list carries `as_of`, Netvisor's `TimeStamp` of that answer: the next `changedsince`
  watermark, read from Netvisor's clock rather than ours.

RestClient's `request` sends JSON bodies only; the XML message reaches the wire through the session
(transport.py). A `data` / `content_type` parameter on RestClient.request would make that detour
unnecessary.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lxml import etree
from requests.structures import CaseInsensitiveDict

from so24_pipelines.connectors.errors import ConfigError, ConnectorError, TransientError
from so24_pipelines.connectors.http import RestClient, RetryPolicy
from so24_pipelines.connectors.netvisor import envelope, messages
from so24_pipelines.connectors.netvisor.auth import NetvisorAuth, new_transaction_id
from so24_pipelines.connectors.netvisor.credentials import NetvisorCredentials
from so24_pipelines.connectors.netvisor.envelope import Reply
from so24_pipelines.connectors.netvisor.lock import CompanyLock, company_key
from so24_pipelines.connectors.netvisor.records import to_dict
from so24_pipelines.connectors.netvisor.times import DEFAULT_TIMEZONE
from so24_pipelines.connectors.netvisor.transport import NetvisorSession

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://isvapi.netvisor.fi"
DEFAULT_SENDER = "so24-pipelines"


class Serialiser(Protocol):
    def hold(self, call: str | None = None) -> Any: ...


class Listing(list):  # type: ignore[type-arg]
    """A list of records plus `as_of`: Netvisor's TimeStamp of the answer they came in."""

    def __init__(self, records: list[dict[str, Any]], as_of: datetime | None) -> None:
        super().__init__(records)
        self.as_of = as_of


class NetvisorBase(RestClient):
    """Shared plumbing; use `NetvisorClient`, which adds the resource calls."""

    def __init__(
        self,
        base_url: str,
        credentials: NetvisorCredentials,
        *,
        sender: str = DEFAULT_SENDER,
        language: str = "EN",
        mac_algorithm: str = "HMACSHA256",
        mac_text_encoding: str = "iso-8859-15",
        request_encoding: str = "iso-8859-15",
        use_http_status_codes: bool = False,
        timezone: str = DEFAULT_TIMEZONE,
        timeout: float | tuple[float, float] = (5.0, 120.0),
        retry: RetryPolicy | None = None,
        company_lock: Serialiser | None = None,
        lock_dir: str | os.PathLike[str] | None = None,
        lock_wait_seconds: float = 600.0,
        session: NetvisorSession | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        transaction_ids: Callable[[], str] = new_transaction_id,
    ) -> None:
        if request_encoding not in messages.ENCODINGS:
            raise ConfigError(f"netvisor.request_encoding must be one of {', '.join(messages.ENCODINGS)}")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                "netvisor.timezone must be an IANA time zone name such as Europe/Helsinki"
            ) from None
        try:
            auth = NetvisorAuth(
                credentials, sender=sender, language=language, algorithm=mac_algorithm,
                text_encoding=mac_text_encoding, use_http_status_codes=use_http_status_codes,
                clock=clock, transaction_ids=transaction_ids,
            )  # fmt: skip
        except ValueError as exc:
            raise ConfigError(f"Netvisor settings: {exc}") from None
        self._transport = session or NetvisorSession()
        super().__init__(
            base_url, name="netvisor", setting="netvisor.base_url", auth=auth, headers={"Accept": "text/xml"},
            timeout=timeout, retry=retry, session=self._transport, sleep=sleep,
        )  # fmt: skip
        self.organisation_id = credentials.organisation_id
        self.request_encoding = request_encoding
        self.timezone = timezone
        self._status_sleep = sleep
        self._status_rng = random.Random()
        self._company_lock = company_lock or CompanyLock(
            company_key(urlsplit(self.base_url).netloc, credentials.organisation_id),
            lock_dir=lock_dir, wait_seconds=lock_wait_seconds,
        )  # fmt: skip

    # ---- hooks -------------------------------------------------------------------------------

    def decode_body(self, content: bytes, response: Any) -> Reply:
        return Reply(envelope.parse(content), CaseInsensitiveDict(response.headers))

    # ---- one call --------------------------------------------------------------------------

    def call(
        self,
        method: str,
        resource: str,
        params: Mapping[str, Any] | None = None,
        *,
        message: etree._Element | None = None,
        repeatable: bool | None = None,
    ) -> Reply:
        """One Netvisor call: serialised, signed, retried as the module doc says; the OK answer."""
        method = method.upper()
        name = self.call_name(method, resource)
        again = (method == "GET") if repeatable is None else repeatable
        body = messages.encode(message, self.request_encoding) if message is not None else None
        failures = 0
        while True:
            with self._company_lock.hold(name):
                if body is None:
                    reply = self.request(method, resource, params=params, idempotent=again)
                else:
                    with self._transport.sending(*body):
                        reply = self.request(method, resource, params=params, idempotent=again)
            if not isinstance(reply, Reply):
                raise ConnectorError("empty answer", call=name)
            error = envelope.failure(reply.root, call=name)
            if error is None:
                return reply
            failures += 1
            if not (again and isinstance(error, TransientError)) or failures >= self.retry.attempts:
                raise error
            delay = self.retry.backoff(failures, self._status_rng)
            log.warning("%s (retry %d of %d in %.2fs)", error, failures, self.retry.attempts - 1, delay)
            self._status_sleep(delay)

    def as_of(self, reply: Reply, call: str) -> datetime | None:
        return envelope.timestamp(reply.root, self.timezone, call=call)

    def listing(self, reply: Reply, container: str, item: str, call: str) -> Listing:
        """The `item` records under `Root/<container>` (an empty or missing container is no records)."""
        parent = reply.root.find(container)
        records = [] if parent is None else to_dict(parent, call=call).get(item, [])
        return Listing(records, self.as_of(reply, call))

    def one(self, reply: Reply, tag: str, call: str) -> dict[str, Any]:
        element = reply.root.find(tag)
        if element is None:
            raise ConnectorError(f"answer has no {tag} element", call=call)
        return to_dict(element, call=call)

    def inserted_key(self, reply: Reply, call: str) -> int:
        """`Replies/InsertedDataIdentifier` of a `method=add`: the new NetvisorKey."""
        text = (reply.root.findtext("Replies/InsertedDataIdentifier") or "").strip()
        if not text.isdigit():
            raise ConnectorError("answer to method=add has no InsertedDataIdentifier", call=call)
        return int(text)
