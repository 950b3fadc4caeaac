"""Reading a 24SO SOAP answer safely and turning every kind of bad answer into a typed error.

An answer can be: a proper envelope; a soap:Fault (HTTP 500, ASMX style); the rate-limit fault
("Limit exceeded by N. Request is blocked. Quarantine ends at <time>"); the not-authenticated
fault; an HTML error page from a proxy; or a truncated body. Each gets an error that names the
call, so a run log says which operation failed and why. DTDs and entities are refused: nothing in
a SOAP answer needs them, and they are the door for entity-expansion attacks.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from lxml import etree

from so24_pipelines.connectors.errors import AuthError, ConnectorError, RateLimited, TransientError
from so24_pipelines.connectors.xml import MalformedXml, parse_untrusted

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"

_QUARANTINE = re.compile(r"Quarantine ends at\s+([0-9T:\-\.\s/Z+]+)", re.IGNORECASE)
NOT_AUTHENTICATED_MARKERS = ("not authenticated", "authenticate.asmx", "no session", "not logged in")


class SessionExpired(AuthError):
    """The session cookie is no longer valid; the client logs in again once and retries."""


def parse_xml(data: bytes, *, call: str) -> etree._Element:
    """Parse bytes with entities, DTDs and network access forbidden (connectors/xml.py)."""
    try:
        return parse_untrusted(data)
    except MalformedXml as exc:
        raise TransientError(f"malformed SOAP envelope ({exc})", call=call) from None
    except ConnectorError as exc:
        raise ConnectorError(str(exc), call=call) from None


def _quarantine_seconds(message: str, now: datetime | None = None) -> float | None:
    match = _QUARANTINE.search(message)
    if not match:
        return None
    text = match.group(1).strip().rstrip(".").replace("Z", "")
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S"):
        try:
            ends = datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        now = now or datetime.now(UTC)
        return max(0.0, (ends - now).total_seconds())
    return None


def classify_fault(faultcode: str, message: str, *, call: str) -> ConnectorError:
    """Map a soap:Fault to the error class the retry logic acts on."""
    lowered = message.lower()
    if "limit exceeded" in lowered:
        return RateLimited(message, call=call, retry_after=_quarantine_seconds(message))
    if any(marker in lowered for marker in NOT_AUTHENTICATED_MARKERS):
        return SessionExpired(message, call=call)
    if "identityid is blocked" in lowered:
        return AuthError(message, call=call)
    if faultcode.lower().endswith("client"):
        return ConnectorError(f"24SO refused the request: {message}", call=call)
    return TransientError(f"24SO server fault: {message}", call=call)


def check_answer(status: int, content_type: str, data: bytes, *, call: str) -> etree._Element:
    """Return the parsed envelope of a good answer; raise a typed error for anything else."""
    media = content_type.split(";")[0].strip().lower()
    if "html" in media or data.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        raise TransientError(f"got an HTML page (HTTP {status}) instead of a SOAP envelope", call=call)
    if not data.strip():
        raise TransientError(f"empty answer (HTTP {status})", call=call)
    root = parse_xml(data, call=call)
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise TransientError(f"answer is not a SOAP 1.1 envelope (root {root.tag})", call=call)
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise TransientError("SOAP envelope without a Body", call=call)
    fault = body.find(f"{{{SOAP_ENV}}}Fault")
    if fault is not None:
        code = (fault.findtext("faultcode") or "").strip()
        message = (fault.findtext("faultstring") or "").strip()
        raise classify_fault(code, message, call=call)
    if status >= 500:
        raise TransientError(f"HTTP {status} without a SOAP fault", call=call)
    if status >= 400:
        raise ConnectorError(f"HTTP {status}", call=call)
    return root


def result_element(envelope: etree._Element, operation: str) -> etree._Element | None:
    """The <OpResult> element of a document/literal wrapped answer (None for an empty result)."""
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    response = body.find(f"{{http://24sevenOffice.com/webservices}}{operation}Response") if body is not None else None
    if response is None:
        raise TransientError(f"answer has no {operation}Response element", call=operation)
    return response.find(f"{{http://24sevenOffice.com/webservices}}{operation}Result")
