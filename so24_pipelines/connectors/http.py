"""The REST client every HTTP connector (Ongoing, Rackbeat, LNB, Smartdok, Netvisor) builds on.

One `requests.Session` per client (connection reuse matters: the vendors sit behind TLS and a page
loop would otherwise pay a handshake per call), a token bucket shared by the client's threads,
retries with exponential backoff and jitter, and a mapping from HTTP outcomes to the typed errors
in `errors.py` so the loader can tell "skip this record" from "stop the flow" from "try later".

Decisions worth knowing before a subclass relies on them:

- Retries never repeat a write that may already have happened unless the method is idempotent.
  GET/PUT/DELETE/HEAD/OPTIONS are retried on 5xx, 408, dropped connections and malformed bodies;
  POST only when the request provably never left (connection refused, connect timeout) or on 429
  (the server refused before doing work). Pass `idempotent=True` for a POST the API upserts by key.
- A 429 with `Retry-After` (seconds or HTTP date) pauses the *whole client*, not just the thread
  that got it: the vendors count per credential, so the sibling threads would only collect 429s
  of their own. A Retry-After beyond `RetryPolicy.max_retry_after` is not slept inside a step; the
  RateLimited error goes up so Dagster's RetryPolicy can reschedule the run instead.
- A system that cannot be connected to at all (refused, host name not found, TLS handshake,
  connect timeout) is not worth minutes of retries: the connect timeout is small
  (`CONNECT_TIMEOUT`, also when a single number is given as the timeout), connection failures are
  retried only within `RetryPolicy.connect_budget` seconds, and then `UnreachableError` names the
  URL and the setting to check. For `connect_budget` seconds after that the client fails every
  call at once with the same verdict instead of trying again (a loader sending 500 records to a
  system that is down would otherwise spend the budget per record). Read timeouts, 5xx and
  dropped connections on a service that did answer keep the longer, Retry-After-aware retries.
- Errors name the call as "<system> <METHOD> <path>" without the query string (some vendors take
  API keys as query parameters) and never carry headers; messages from `requests` are scrubbed of
  URLs for the same reason and are not chained (`from None`), so a logged traceback cannot leak.
- 2xx bodies go through `decode_body` (JSON by default; Netvisor's XML overrides it). A body that
  does not decode is treated like a dropped connection: proxies and WAFs in front of these APIs
  answer 200 with an HTML page or a truncated body when an upstream times out.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from so24_pipelines.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    RateLimited,
    RecordRejected,
    TransientError,
    UnreachableError,
    url_for_message,
)
from so24_pipelines.connectors.ratelimit import TokenBucket

log = logging.getLogger(__name__)

T = TypeVar("T")
C = TypeVar("C")

_TRANSPORT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
REJECT_STATUSES = frozenset({400, 409, 422})
USER_AGENT = "so24-pipelines (+https://github.com/so24-pipelines)"
CONNECT_TIMEOUT = 5.0


class NotFound(ConnectorError):
    """HTTP 404 for a call that expected the resource to exist (pass `not_found_ok` to get None)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a client tries before an error escapes to the caller.

    `attempts` counts the first try. Backoff is exponential from `backoff_base`, capped at
    `backoff_max`, with "equal jitter" (half fixed, half random) so parallel workers that failed
    together do not come back together, yet never retry with zero delay.

    `connect_budget`: seconds a call may spend on connection failures (attempts, connect timeouts
    and the sleeps between them) before UnreachableError; no retry starts that could end past it.
    """

    attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 120.0
    connect_budget: float = 20.0

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** max(0, retry_number - 1)))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 10.2.3).

    Returns None when the header is absent or unreadable (callers fall back to backoff), and 0.0
    for a date in the past.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = now or datetime.now(UTC)
    return max(0.0, (when - reference).total_seconds())


_URL_RE = re.compile(r"https?://\S+|/\S*\?\S*")
_TAG_RE = re.compile(r"<[^>]+>")
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SPACE_RE = re.compile(r"\s+")


def _scrub(text: str, limit: int = 300) -> str:
    """Drop URLs (they may carry query secrets) and squeeze whitespace, for error messages."""
    cleaned = _SPACE_RE.sub(" ", _URL_RE.sub("<url>", text)).strip()
    return cleaned[:limit]


def never_sent(exc: BaseException) -> bool:
    """True when the request provably did not reach the server, so even a POST may be repeated."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if getattr(exc, "args", None) else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)


def connect_failure(exc: BaseException) -> str | None:
    """Why no connection could be made ("connection refused", "host name not found", ...), or None
    when `exc` is not a connection failure (it came after connecting: a read timeout, a dropped
    answer), so the caller keeps its usual retries for a service that did answer.
    """
    name = type(exc).__name__
    if isinstance(exc, requests.exceptions.SSLError):
        return f"{name}: TLS handshake failed"
    if isinstance(exc, requests.ConnectTimeout):
        return f"{name}: no connection within the connect timeout"
    if not isinstance(exc, requests.ConnectionError):
        return None
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(reason, urllib3.exceptions.NameResolutionError):
        return f"{name}: host name not found"
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        refused = "refused" in str(reason).lower()
        return f"{name}: {'connection refused' if refused else 'no connection to the host'}"
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError):
        return f"{name}: no connection within the connect timeout"
    if isinstance(reason, urllib3.exceptions.SSLError):
        return f"{name}: TLS handshake failed"
    if isinstance(reason, urllib3.exceptions.ProxyError):
        return f"{name}: the proxy refused the connection"
    return None


def split_timeout(timeout: float | tuple[float, float]) -> tuple[float, float]:
    """(connect, read) seconds; a single number caps the connect part at CONNECT_TIMEOUT."""
    if isinstance(timeout, tuple):
        return float(timeout[0]), float(timeout[1])
    return min(float(timeout), CONNECT_TIMEOUT), float(timeout)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot send a {type(value).__name__} as JSON")


class _Retryable(Exception):
    """Internal: an attempt failed in a way another attempt may fix. `safe`: repeatable for POST."""

    def __init__(self, error: TransientError, *, safe: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.safe = safe


class RestClient:
    """Base for REST connectors. Subclasses add typed methods and override the hooks.

    Hooks: `decode_body` (2xx payload), `error_details` (message and field errors of a refusal),
    `paginate` (drives any cursor scheme through a fetch function).

    The session is shared by the client's threads (urllib3's pool is thread-safe; we keep no
    cookies that could race). Auth is any `requests` auth object and never appears in repr().
    """

    def __init__(
        self,
        base_url: str,
        *,
        name: str = "rest",
        setting: str | None = None,
        auth: requests.auth.AuthBase | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | tuple[float, float] = (5.0, 60.0),
        retry: RetryPolicy | None = None,
        rate_limiter: TokenBucket | None = None,
        max_concurrent: int | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"{name} base URL must be an absolute http(s) URL")
        if parts.username or parts.password:
            raise ConfigError(f"{name} base URL must not contain credentials; pass them as auth")
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.setting = setting or f"{name}.base_url"
        self.retry = retry or RetryPolicy()
        self.rate_limiter = rate_limiter
        self._auth = auth
        self._timeout = split_timeout(timeout)
        self._session = session or requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        if headers:
            self._session.headers.update(headers)
        self._slots = threading.BoundedSemaphore(max_concurrent) if max_concurrent else None
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._cooldown_lock = threading.Lock()
        self._resume_at = 0.0
        self._down: tuple[float, UnreachableError] | None = None  # (when given up, verdict)
        # Requests sent, retries included (as So24Client.calls): what a run cost against a vendor's limit.
        self.calls = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> RestClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- hooks -----------------------------------------------------------------------------

    def decode_body(self, content: bytes, response: requests.Response) -> Any:
        """Turn a 2xx body into data. Raise ValueError for a body that is not what the API sends."""
        if not content.strip():
            return None
        return json.loads(content)

    def error_details(self, response: requests.Response) -> tuple[str, dict[str, list[str]]]:
        """The server's message and per-field errors of a refused request.

        Understands the shapes our vendors use: {"message"|"Message"|"error"|"title"|"detail"},
        field errors under "errors" (Laravel, ASP.NET Core: {field: [msgs]} or [{field, message}])
        or "modelState"/"ModelState" (ASP.NET Web API). Anything else: the scrubbed text.
        """
        text = response.text or ""
        try:
            body = json.loads(text)
        except ValueError:
            title = _TITLE_RE.search(text)
            plain = title.group(1) if title else _TAG_RE.sub(" ", text)
            return _scrub(plain) or response.reason or f"HTTP {response.status_code}", {}
        if not isinstance(body, dict):
            return _scrub(text), {}
        message = ""
        for key in ("message", "Message", "error_description", "error", "title", "detail"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message") or value.get("Message")
            if isinstance(value, str) and value.strip():
                message = value.strip()
                break
        fields: dict[str, list[str]] = {}
        for key in ("errors", "modelState", "ModelState"):
            raw = body.get(key)
            if isinstance(raw, dict):
                for field, msgs in raw.items():
                    items = msgs if isinstance(msgs, list) else [msgs]
                    fields.setdefault(str(field), []).extend(str(m) for m in items)
            elif isinstance(raw, list):
                for item in raw:
                    if isinstance(item, dict) and ("field" in item or "property" in item):
                        field = str(item.get("field", item.get("property")))
                        fields.setdefault(field, []).append(str(item.get("message", item)))
        if not message and fields:
            message = "; ".join(f"{f}: {', '.join(m)}" for f, m in fields.items())
        return _scrub(message or text) or f"HTTP {response.status_code}", fields

    def paginate(self, fetch_page: Callable[[C | None], tuple[Sequence[T], C | None]]) -> Iterator[T]:
        """Yield items page by page. `fetch_page(cursor)` returns (items, next cursor or None).

        The first call gets cursor None. A next cursor equal to the one just used is a server bug
        that would loop forever; it raises instead.
        """
        cursor: C | None = None
        while True:
            items, next_cursor = fetch_page(cursor)
            yield from items
            if next_cursor is None:
                return
            if cursor is not None and next_cursor == cursor:
                raise ConnectorError(f"paging did not advance past cursor {cursor!r}", call=self.name)
            cursor = next_cursor

    # ---- requests --------------------------------------------------------------------------

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)

    def call_name(self, method: str, path: str) -> str:
        return f"{self.name} {method.upper()} /{path.lstrip('/').split('?', 1)[0]}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        json_body: Any = None,
        not_found_ok: bool = False,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one logical call (with retries) and return the decoded 2xx body, or None.

        `params` with list values become repeated keys (`a=1&a=2`), which is what Ongoing and
        Rackbeat expect for array filters. Raises the typed errors described in the module doc.
        """
        method = method.upper()
        call = self.call_name(method, path)
        url = f"{self.base_url}/{path.lstrip('/')}"
        repeatable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        data = None
        if json_body is not None:
            data = json.dumps(json_body, default=_json_default).encode("utf-8")
        self._fail_fast_if_down(call)
        retry_number = 0
        started = self._clock()
        while True:
            try:
                answer = self._attempt(method, url, call, params, data, not_found_ok)
                self._down = None
                return answer
            except _Retryable as failure:
                retry_number += 1
                err = failure.error
                if isinstance(err, UnreachableError):
                    self._retry_connect_or_raise(err, url, call, retry_number, started, failure.safe or repeatable)
                    continue
                if retry_number >= self.retry.attempts or not (failure.safe or repeatable):
                    raise err from None
                retry_after = err.retry_after if isinstance(err, RateLimited) else None
                if retry_after is not None and retry_after > self.retry.max_retry_after:
                    raise err from None
                delay = self.retry.backoff(retry_number, self._rng)
                if retry_after is not None:
                    delay = retry_after + self._rng.uniform(0, self.retry.backoff_base)
                    self._cool_down(delay)
                log.warning(
                    "%s (retry %d of %d in %.2fs)", err, retry_number, self.retry.attempts - 1, delay
                )
                self._sleep(delay)

    # ---- internals -------------------------------------------------------------------------

    def _fail_fast_if_down(self, call: str) -> None:
        """Within connect_budget seconds of giving up on connecting, fail without a new attempt."""
        down = self._down
        if down is None:
            return
        since = self._clock() - down[0]
        if since < self.retry.connect_budget:
            raise down[1].again(call, since)
        self._down = None

    def _retry_connect_or_raise(
        self, err: UnreachableError, url: str, call: str, retry_number: int, started: float, safe: bool
    ) -> None:
        """Sleep before another connect attempt, or raise UnreachableError when the budget is spent."""
        elapsed = self._clock() - started
        delay = self.retry.backoff(retry_number, self._rng)
        over_budget = elapsed + delay + self._timeout[0] > self.retry.connect_budget
        if retry_number >= self.retry.attempts or not safe or over_budget:
            final = UnreachableError.after(
                call=call, url=url, reason=err.reason, system=self.name, setting=self.setting,
                configured=self.base_url, attempts=retry_number, seconds=elapsed, retry_safe=err.retry_safe,
            )  # fmt: skip
            self._down = (self._clock(), final)
            raise final from None
        log.warning(
            "%s: cannot connect to %s (%s); retry %d in %.2fs",
            call, url_for_message(url), err.reason, retry_number, delay,
        )  # fmt: skip
        self._sleep(delay)

    def _cool_down(self, seconds: float) -> None:
        with self._cooldown_lock:
            self._resume_at = max(self._resume_at, self._clock() + seconds)

    def _wait_for_cooldown(self) -> None:
        with self._cooldown_lock:
            wait = self._resume_at - self._clock()
        if wait > 0:
            self._sleep(wait)

    def _attempt(
        self,
        method: str,
        url: str,
        call: str,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None,
        data: bytes | None,
        not_found_ok: bool,
    ) -> Any:
        if self.rate_limiter is not None:
            self.rate_limiter.acquire()
        self._wait_for_cooldown()
        headers = {"Content-Type": "application/json"} if data is not None else None
        slot = self._slots if self._slots is not None else contextlib.nullcontext()
        try:
            with slot:
                self.calls += 1
                response = self._session.request(
                    method, url, params=params, data=data, headers=headers,
                    auth=self._auth, timeout=self._timeout,
                )
        except _TRANSPORT_ERRORS as exc:
            why = connect_failure(exc)
            if why is not None:
                err = UnreachableError(why, call=call, url=url, reason=why, retry_safe=never_sent(exc))
                raise _Retryable(err, safe=never_sent(exc)) from None
            reason = f"{type(exc).__name__}: {_scrub(str(exc), 200)}"
            raise _Retryable(TransientError(reason, call=call), safe=never_sent(exc)) from None
        except requests.RequestException as exc:  # invalid URL, headers, ...: retrying cannot help
            raise ConnectorError(f"{type(exc).__name__}: {_scrub(str(exc), 200)}", call=call) from None
        return self._handle(response, call, not_found_ok)

    def _handle(self, response: requests.Response, call: str, not_found_ok: bool) -> Any:
        status = response.status_code
        if 200 <= status < 300:
            try:
                return self.decode_body(response.content, response)
            except ValueError:
                kind = response.headers.get("Content-Type", "unknown content type")
                err = TransientError(f"HTTP {status} with an undecodable body ({_scrub(kind, 60)})", call=call)
                raise _Retryable(err, safe=False) from None
        if status == 404 and not_found_ok:
            return None
        message, fields = self.error_details(response)
        if status in (401, 403):
            raise AuthError(f"HTTP {status}: {message}", call=call)
        if status == 404:
            raise NotFound(f"HTTP 404: {message}", call=call)
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            err = RateLimited(f"HTTP 429: {message}", call=call, retry_after=retry_after)
            raise _Retryable(err, safe=True)
        if status == 408 or status >= 500:
            raise _Retryable(TransientError(f"HTTP {status}: {message}", call=call), safe=False)
        if status in REJECT_STATUSES:
            raise RecordRejected(message, call=call, field_errors=fields)
        raise ConnectorError(f"HTTP {status}: {message}", call=call)
