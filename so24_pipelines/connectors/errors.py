"""Typed errors every connector raises, so the loader and the assets can tell what to do.

Transient errors are retried inside the connector first; whatever escapes is either permanent for
that record (RecordRejected: skip it with the reason, keep the batch going) or for the whole flow
(AuthError, ConfigError, UnreachableError: stop the run with a message that says what to fix).

Messages name URLs through `url_for_message`: scheme, host, port and path only. Query strings go
(Le New Black and others take API keys as query parameters), and so does any user:password@.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def url_for_message(url: str) -> str:
    """`url` fit for a log line or an error: no user info, no query string, no fragment."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1]
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if port is not None:
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class ConnectorError(Exception):
    """Base class. `call` names the remote operation so a log line says which call failed."""

    def __init__(self, message: str, *, call: str | None = None) -> None:
        self.call = call
        super().__init__(f"{call}: {message}" if call else message)


class TransientError(ConnectorError):
    """Worth retrying: 5xx, dropped connection, malformed body, 24SO server fault."""


class RateLimited(TransientError):
    """The remote asked us to wait (HTTP 429 / 24SO 'Limit exceeded'); retry_after in seconds."""

    def __init__(self, message: str, *, call: str | None = None, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message, call=call)


class UnreachableError(TransientError):
    """No connection to the system at all: refused, host name not found, TLS handshake, connect timeout.

    The connector has already retried briefly (a bounded budget of seconds, not minutes); what
    escapes means the URL is wrong or the system is down, so the message carries the URL (via
    `url_for_message`) and what to check. `setting` is the settings key holding that URL.
    `retry_safe`: the request provably never left, so even a write may be repeated.
    """

    def __init__(
        self,
        message: str,
        *,
        call: str | None = None,
        url: str = "",
        setting: str | None = None,
        reason: str = "",
        retry_safe: bool = True,
    ) -> None:
        self.url = url_for_message(url) if url else ""
        self.setting = setting
        self.reason = reason
        self.retry_safe = retry_safe
        self.detail = message
        super().__init__(message, call=call)

    @classmethod
    def after(
        cls,
        *,
        call: str | None,
        url: str,
        reason: str,
        system: str,
        setting: str,
        configured: str,
        attempts: int,
        seconds: float,
        retry_safe: bool = True,
    ) -> UnreachableError:
        """The error a connector raises when its connect budget is spent, in the one wording.

        `url` is what was called, `configured` the value of `setting` it came from.
        """
        tries = f"{attempts} attempt{'s' * (attempts != 1)} in {seconds:.1f} s"
        host = (urlsplit(configured).hostname or "").lower()
        local = " (a local URL: is `so24 sandbox` or `make demo` running?)" if host in _LOCAL_HOSTS else ""
        message = (
            f"cannot connect to {url_for_message(url)} ({reason}; {tries}). Check {setting} "
            f"({url_for_message(configured)}): is it the right URL, and is {system} up and reachable "
            f"from here?{local}"
        )
        return cls(message, call=call, url=url, setting=setting, reason=reason, retry_safe=retry_safe)

    def again(self, call: str | None, since: float) -> UnreachableError:
        """The same verdict for another call made shortly after the budget was spent (no new attempt)."""
        return type(self)(
            f"{self.detail} (not tried again: gave up {since:.0f} s ago)", call=call, url=self.url,
            setting=self.setting, reason=self.reason, retry_safe=self.retry_safe,
        )  # fmt: skip


_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})  # noqa: S104 - a name, not a bind


class AuthError(ConnectorError):
    """Credentials refused or session unusable after a fresh login. Never retried blindly."""


class ConfigError(ConnectorError):
    """A setting or credential is missing or invalid; names the key."""


class RecordRejected(ConnectorError):
    """The remote refused one record (24SO APIException, REST 422). Skip it, keep the batch."""

    def __init__(
        self,
        message: str,
        *,
        call: str | None = None,
        field_errors: dict[str, list[str]] | None = None,
    ) -> None:
        self.field_errors = field_errors or {}
        super().__init__(message, call=call)


class So24Refused(RecordRejected):
    """24SO refused one item inside a normal answer, not with a fault.

    Save* calls return the refused item with an `APIException`; SetStockQuantity returns false.
    `reason` holds 24SO's own words (None when 24SO gave none). Still a RecordRejected, so the
    loader skips that record with the message and goes on with the batch.
    """

    def __init__(self, message: str, *, call: str | None = None, reason: str | None = None) -> None:
        self.reason = reason
        super().__init__(message, call=call)
