"""Typed errors every connector raises, so the loader and the assets can tell what to do.

Transient errors are retried inside the connector first; whatever escapes is either permanent for
that record (RecordRejected: skip it with the reason, keep the batch going) or for the whole flow
(AuthError, ConfigError: stop the run with a message that says what to fix).
"""

from __future__ import annotations


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
