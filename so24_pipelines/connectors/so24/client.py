"""The 24SevenOffice SOAP client: one login reused, identity switching, retries, typed errors.

Quirks this class absorbs (see the 24SO reference):
- Login returns the session id as a plain string ("" on bad credentials); every later call must
  carry it as the `ASP.NET_SessionId` cookie, on both hosts. Logins are throttled by 24SO, so the
  session is reused and checked with HasSession; a fresh login happens only when it is gone.
- One user may reach several companies (identities); SetIdentityById switches the session.
- The hourly request limit answers with a fault "Limit exceeded ... Quarantine ends at <time>":
  the client waits until then (bounded) instead of failing, and paces itself with a token bucket.
- Server faults, dropped connections, HTML error pages and truncated envelopes are transient and
  retried with backoff, but only for calls that are safe to repeat: a create is never retried
  blindly (the loader resolves it by lookup instead), so a retry cannot duplicate a record.
- A host that cannot be connected to at all (refused, unknown name, TLS, connect timeout) gets
  `connect_budget` seconds of retries with a `connect_timeout` of a few seconds, then
  UnreachableError naming the URL and the setting (so24.base_url / so24.webservices_url); for the
  next `connect_budget` seconds calls to that host fail at once. A WSDL that cannot be loaded is
  retried by the one retry loop of the call (never a loop inside a loop), and it is safe to retry
  even for a write, since nothing was sent.
- zeep builds every request (so the envelope matches the WSDL), while bulk answers are read into
  columns straight from the XML (fastparse) because zeep's object graph is the slow part.
- Decimals are sent as decimal.Decimal, never float: zeep writes floats with str(), which can
  produce exponent notation that .NET refuses.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
import zeep
from lxml import etree
from zeep.helpers import serialize_object
from zeep.transports import Transport

from so24_pipelines.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    RateLimited,
    TransientError,
    UnreachableError,
    url_for_message,
)
from so24_pipelines.connectors.http import connect_failure, never_sent, split_timeout
from so24_pipelines.connectors.ratelimit import TokenBucket
from so24_pipelines.connectors.so24.endpoints import ENDPOINTS, Endpoint
from so24_pipelines.connectors.so24.envelope import SessionExpired, check_answer, result_element

log = logging.getLogger(__name__)
T = TypeVar("T")

_WSDL_CACHE: dict[str, zeep.Client] = {}
_WSDL_LOCK = threading.Lock()
SYSTEM = "24SO"


class _WsdlUnavailable(TransientError):
    """The service's ?WSDL did not load (HTTP error, not XML): nothing was sent, safe to retry."""


@dataclass(frozen=True)
class So24Credentials:
    """Kept apart from the client's other settings so its repr can never print a password."""

    application_id: str
    username: str
    password: str

    def __repr__(self) -> str:
        return f"So24Credentials(application_id=***, username={self.username!r}, password=***)"


class So24Client:
    """A 24SO session and the calls the hub makes. Thread-safe for concurrent calls."""

    def __init__(
        self,
        *,
        base_url: str,
        credentials: So24Credentials,
        webservices_url: str | None = None,
        identity_id: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 5,
        requests_per_hour: int = 7200,
        max_limit_wait: float = 3600.0,
        backoff_base: float = 0.5,
        connect_timeout: float | None = None,
        connect_budget: float = 20.0,
    ) -> None:
        for key, value in (
            ("SO24_APPLICATION_ID", credentials.application_id),
            ("SO24_USERNAME", credentials.username),
            ("SO24_PASSWORD", credentials.password),
        ):
            if not value:
                raise ConfigError(f"{key} is not set")
        try:
            uuid.UUID(credentials.application_id.strip())
        except ValueError:
            raise ConfigError(
                "SO24_APPLICATION_ID is not a GUID (24SO's Credential.ApplicationId is one, e.g. "
                "00000000-0000-0000-0000-000000000000)"
            ) from None
        self.base_url = base_url.rstrip("/")
        self.webservices_url = (webservices_url or base_url).rstrip("/")
        self._credentials = credentials
        self.identity_id = identity_id or None
        self.timeout = timeout
        connect, _ = split_timeout(timeout)
        self.connect_timeout = min(connect_timeout, timeout) if connect_timeout is not None else connect
        self.connect_budget = connect_budget
        self._timeouts = (self.connect_timeout, timeout)
        self._down: dict[str, tuple[float, UnreachableError]] = {}  # host -> (when given up, verdict)
        self.max_retries = max_retries
        self.max_limit_wait = max_limit_wait
        self.backoff_base = backoff_base
        # 24SO counts requests per hour; pace at that average with room for a burst.
        self._bucket = TokenBucket(rate_per_second=requests_per_hour / 3600.0, burst=max(1, min(120, requests_per_hour)))
        self._http = requests.Session()
        self._http.headers["User-Agent"] = "so24-pipelines"
        self._session_id: str | None = None
        self._login_lock = threading.Lock()
        self._services: dict[str, Any] = {}
        self.calls = 0
        self.logins = 0

    # -- plumbing ---------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> So24Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def address(self, endpoint: Endpoint) -> str:
        return self._host(endpoint) + endpoint.path

    def _host(self, endpoint: Endpoint) -> str:
        return self.webservices_url if endpoint.on_webservices_host else self.base_url

    def _setting(self, host: str) -> str:
        return "so24.webservices_url" if host != self.base_url else "so24.base_url"

    def _zeep(self, service: str) -> tuple[zeep.Client, Any]:
        """A zeep client per service, built once per process from the service's own ?WSDL.

        One attempt per call: the caller's retry loop (`_with_retries`) decides about another.
        """
        if service in self._services:
            return self._services[service]
        endpoint = ENDPOINTS[service]
        address = self.address(endpoint)
        wsdl_url = address + "?WSDL"
        with _WSDL_LOCK:
            client = _WSDL_CACHE.get(wsdl_url)
            if client is None:
                transport = Transport(
                    session=requests.Session(), timeout=self._timeouts, operation_timeout=self._timeouts
                )
                settings = zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True)
                try:
                    client = zeep.Client(wsdl_url, transport=transport, settings=settings)
                except (requests.RequestException, etree.XMLSyntaxError, zeep.exceptions.Error) as exc:
                    raise self._wsdl_failure(service, endpoint, exc) from None
                _WSDL_CACHE[wsdl_url] = client
        proxy = client.create_service(endpoint.binding, address)
        self._services[service] = (client, proxy)
        return client, proxy

    def _wsdl_failure(self, service: str, endpoint: Endpoint, exc: Exception) -> ConnectorError:
        """What a ?WSDL that did not load means: no connection (UnreachableError), a URL where no
        24SO service is (4xx: ConfigError, retrying cannot help), or a passing failure (retried)."""
        call = f"{service}?WSDL"
        address = self.address(endpoint)
        host = self._host(endpoint)
        why = connect_failure(exc)
        if why is not None:
            return UnreachableError(why, call=call, url=address, reason=why)
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        where = f"Check {self._setting(host)} ({url_for_message(host)})"
        if status is not None and 400 <= status < 500 and status not in (408, 429):
            return ConfigError(
                f"{url_for_message(address)} answered HTTP {status} for its WSDL: no 24SO service there. "
                f"{where}: is it the right URL?",
                call=call,
            )
        detail = f"HTTP {status}" if status is not None else type(exc).__name__
        return _WsdlUnavailable(
            f"could not load the WSDL from {url_for_message(address)} ({detail}). {where}: is it the right "
            "URL, and is 24SO up?",
            call=call,
        )

    def _backoff(self, attempt: int) -> float:
        return min(30.0, self.backoff_base * (2**attempt)) * random.uniform(0.5, 1.0)

    def _send(self, service: str, operation: str, kwargs: dict[str, Any], *, with_session: bool) -> tuple[int, str, bytes]:
        """One HTTP round trip: zeep builds the envelope, requests carries it."""
        client, proxy = self._zeep(service)
        call = f"{service}.{operation}"
        try:
            envelope = client.create_message(proxy, operation, **kwargs)
        except (zeep.exceptions.ValidationError, TypeError) as exc:
            raise ConnectorError(f"bad request arguments: {exc}", call=call) from None
        body = etree.tostring(envelope, encoding="utf-8", xml_declaration=True)
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"http://24sevenOffice.com/webservices/{operation}"',
        }
        if with_session and self._session_id:
            headers["Cookie"] = f"ASP.NET_SessionId={self._session_id}"
        self._bucket.acquire()
        self.calls += 1
        address = self.address(ENDPOINTS[service])
        try:
            resp = self._http.post(address, data=body, headers=headers, timeout=self._timeouts)
            return resp.status_code, resp.headers.get("Content-Type", ""), resp.content
        except requests.RequestException as exc:
            why = connect_failure(exc)
            if why is not None:
                raise UnreachableError(why, call=call, url=address, reason=why, retry_safe=never_sent(exc)) from None
            if isinstance(exc, requests.Timeout):
                raise TransientError(f"no answer within {self.timeout:.0f} s", call=call) from None
            raise TransientError(f"connection failed ({type(exc).__name__})", call=call) from None

    def _post(self, service: str, operation: str, kwargs: dict[str, Any], *, with_session: bool) -> etree._Element:
        """One round trip; returns the parsed envelope or raises a typed error naming the call."""
        status, ctype, data = self._send(service, operation, kwargs, with_session=with_session)
        return check_answer(status, ctype, data, call=f"{service}.{operation}")

    def _with_retries(self, call: str, attempt_fn: Callable[[], T], *, idempotent: bool) -> T:
        host = self._host(ENDPOINTS[call.split(".", 1)[0]])
        self._fail_fast_if_down(host, call)
        relogged = False
        attempt = 0
        started = time.monotonic()
        while True:
            try:
                answer = attempt_fn()
                self._down.pop(host, None)
                return answer
            except SessionExpired:
                if relogged:
                    raise
                relogged = True
                log.info("%s: session gone, logging in again", call)
                self._session_id = None
                self.ensure_session()
            except RateLimited as exc:
                if attempt >= self.max_retries:
                    raise
                wait = exc.retry_after if exc.retry_after is not None else self._backoff(attempt)
                if wait > self.max_limit_wait:
                    raise
                log.warning("%s: 24SO request limit reached, waiting %.1f s", call, wait)
                time.sleep(wait + 0.05)
                attempt += 1
            except UnreachableError as exc:
                self._retry_connect_or_raise(exc, host, call, attempt, started, exc.retry_safe or idempotent)
                attempt += 1
            except TransientError as exc:
                if not (idempotent or isinstance(exc, _WsdlUnavailable)) or attempt >= self.max_retries:
                    raise
                wait = self._backoff(attempt)
                log.warning("%s: %s; retry %d in %.1f s", call, exc, attempt + 1, wait)
                time.sleep(wait)
                attempt += 1

    def _fail_fast_if_down(self, host: str, call: str) -> None:
        """Within connect_budget seconds of giving up on a host, fail without a new attempt."""
        down = self._down.get(host)
        if down is None:
            return
        since = time.monotonic() - down[0]
        if since < self.connect_budget:
            raise down[1].again(call, since)
        self._down.pop(host, None)

    def _retry_connect_or_raise(
        self, exc: UnreachableError, host: str, call: str, attempt: int, started: float, safe: bool
    ) -> None:
        """Sleep before another connect attempt, or raise UnreachableError once the budget is spent."""
        elapsed = time.monotonic() - started
        wait = self._backoff(attempt)
        if not safe or attempt >= self.max_retries or elapsed + wait + self.connect_timeout > self.connect_budget:
            final = UnreachableError.after(
                call=call, url=exc.url, reason=exc.reason, system=SYSTEM, setting=self._setting(host),
                configured=host, attempts=attempt + 1, seconds=elapsed, retry_safe=exc.retry_safe,
            )  # fmt: skip
            self._down[host] = (time.monotonic(), final)
            raise final from None
        log.warning("%s: cannot connect to %s (%s); retry %d in %.1f s", call, exc.url, exc.reason, attempt + 1, wait)
        time.sleep(wait)

    # -- session ----------------------------------------------------------------------------

    def ensure_session(self) -> None:
        """Log in once and reuse the session; HasSession tells whether it is still alive."""
        with self._login_lock:
            if self._session_id and self._has_session():
                return
            self._login()

    def _has_session(self) -> bool:
        env = self._with_retries(
            "Authenticate.HasSession",
            lambda: self._post("Authenticate", "HasSession", {}, with_session=True),
            idempotent=True,
        )
        result = result_element(env, "HasSession")
        return result is not None and (result.text or "").strip().lower() == "true"

    def _login(self) -> None:
        creds = self._credentials
        credential = {"ApplicationId": creds.application_id, "Username": creds.username, "Password": creds.password}
        if self.identity_id:
            credential["IdentityId"] = self.identity_id
        env = self._with_retries(
            "Authenticate.Login",
            lambda: self._post("Authenticate", "Login", {"credential": credential}, with_session=False),
            idempotent=True,
        )
        result = result_element(env, "Login")
        session_id = (result.text or "").strip() if result is not None else ""
        self.logins += 1
        if not session_id:
            raise AuthError(
                "24SO refused the login: check SO24_APPLICATION_ID, SO24_USERNAME and SO24_PASSWORD",
                call="Authenticate.Login",
            )
        self._session_id = session_id

    # -- calls ------------------------------------------------------------------------------

    def envelope(self, service: str, operation: str, *, idempotent: bool = True, **kwargs: Any) -> etree._Element:
        """Call an operation and return the raw parsed envelope (for fastparse)."""
        if self._session_id is None:
            self.ensure_session()
        return self._with_retries(
            f"{service}.{operation}",
            lambda: self._post(service, operation, kwargs, with_session=True),
            idempotent=idempotent,
        )

    def call(self, service: str, operation: str, *, idempotent: bool = True, **kwargs: Any) -> Any:
        """Call an operation and return zeep's result as plain Python (dicts, lists, Decimal)."""
        env = self.envelope(service, operation, idempotent=idempotent, **kwargs)
        client, proxy = self._zeep(service)  # loaded by the call above
        op = proxy._binding.get(operation)
        try:
            result = op.process_reply(env)
        except zeep.exceptions.Error as exc:
            raise TransientError(f"answer does not match the WSDL: {exc}", call=f"{service}.{operation}") from None
        return serialize_object(result, target_cls=dict)

    def raw(self, service: str, operation: str, **kwargs: Any) -> bytes:
        """The answer's bytes after the same checks (benchmarks replay them through each parser)."""
        if self._session_id is None:
            self.ensure_session()

        def attempt() -> bytes:
            status, ctype, data = self._send(service, operation, kwargs, with_session=True)
            check_answer(status, ctype, data, call=f"{service}.{operation}")
            return data

        return self._with_retries(f"{service}.{operation}", attempt, idempotent=True)

    def result(self, service: str, operation: str, **kwargs: Any) -> etree._Element | None:
        """The <OpResult> element of a call, for callers that read columns from the XML."""
        return result_element(self.envelope(service, operation, **kwargs), operation)
