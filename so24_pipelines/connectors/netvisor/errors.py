"""Named errors for Netvisor's failure codes, each carrying Netvisor's own status text.

A failed call answers `Status` twice: `FAILED`, then `<CODE> :: <text>` (reference §1). The error
class follows the code (the text is in the interface language and is for people, never for
branching); `code` and `status_text` keep both for the run log. Each class is also one of the
project's typed errors, so the loader acts on Netvisor's answer like on any other system's:

    AUTHENTICATION_FAILED  NetvisorAuthenticationFailed  AuthError        keys, ids, MAC or clock wrong
    SERVICE_ACCESS_ERROR   NetvisorAccessDenied          AuthError        the admin has not granted
                                                                          the integration this resource
    REQUEST_NOT_UNIQUE     NetvisorRequestNotUnique      ConnectorError   a TransactionId reused; the
                                                                          client makes one per attempt,
                                                                          so this is a bug or a replay
    INVALID_DATA           NetvisorInvalidData           RecordRejected   this record or lookup; skip it
    INVALID_DATA_SIZE      NetvisorInvalidDataSize       RecordRejected
    DUPLICATE_DATA         NetvisorDuplicateData         RecordRejected
    PERIOD_LOCK            NetvisorPeriodLocked          RecordRejected   the accounting period is locked
    TECHNICAL_ERROR        NetvisorTechnicalError        TransientError   also an overlapping call
    SYSTEM_MAINTANANCE     NetvisorMaintenance           TransientError   (sic, Netvisor's spelling)
    anything else          NetvisorError                 ConnectorError

NetvisorFormatError is ours: a number or time in an answer that is not in Netvisor's format. It is
raised instead of guessing (a `1.500` could be one and a half or fifteen hundred).
"""

from __future__ import annotations

from so24_pipelines.connectors.errors import AuthError, ConnectorError, RecordRejected, TransientError


class NetvisorStatus(ConnectorError):
    """Mixed into every Netvisor failure: `code` and the full `status_text` (`CODE :: text`)."""

    def __init__(self, status_text: str, *, code: str, call: str | None = None) -> None:
        self.code = code
        self.status_text = status_text
        super().__init__(f"Netvisor answered {status_text}", call=call)


class NetvisorError(NetvisorStatus):
    """A failure code this connector does not know."""


class NetvisorAuthenticationFailed(NetvisorStatus, AuthError):
    pass


class NetvisorAccessDenied(NetvisorStatus, AuthError):
    pass


class NetvisorRequestNotUnique(NetvisorStatus):
    pass


class NetvisorInvalidData(NetvisorStatus, RecordRejected):
    pass


class NetvisorInvalidDataSize(NetvisorStatus, RecordRejected):
    pass


class NetvisorDuplicateData(NetvisorStatus, RecordRejected):
    pass


class NetvisorPeriodLocked(NetvisorStatus, RecordRejected):
    pass


class NetvisorTechnicalError(NetvisorStatus, TransientError):
    pass


class NetvisorMaintenance(NetvisorStatus, TransientError):
    pass


BY_CODE: dict[str, type[NetvisorStatus]] = {
    "AUTHENTICATION_FAILED": NetvisorAuthenticationFailed,
    "SERVICE_ACCESS_ERROR": NetvisorAccessDenied,
    "REQUEST_NOT_UNIQUE": NetvisorRequestNotUnique,
    "INVALID_DATA": NetvisorInvalidData,
    "INVALID_DATA_SIZE": NetvisorInvalidDataSize,
    "DUPLICATE_DATA": NetvisorDuplicateData,
    "PERIOD_LOCK": NetvisorPeriodLocked,
    "TECHNICAL_ERROR": NetvisorTechnicalError,
    "SYSTEM_MAINTANANCE": NetvisorMaintenance,
    "SYSTEM_MAINTENANCE": NetvisorMaintenance,
}


def from_status(status_text: str, *, call: str | None) -> NetvisorStatus:
    """The error for a `CODE :: text` status (a bare text without ` :: ` is its own code)."""
    code = status_text.split("::", 1)[0].strip().upper()
    return BY_CODE.get(code, NetvisorError)(status_text.strip(), code=code, call=call)


class NetvisorFormatError(ConnectorError):
    """A value in an answer is not in Netvisor's documented form; never coerced, always named."""


class NetvisorUnencodable(RecordRejected):
    """A record holds a character the request encoding (ISO-8859-15 by default) cannot carry.

    Refused before sending: letting the serializer turn it into a character reference or a '?'
    would change the customer's name in Netvisor without anyone seeing it.
    """
