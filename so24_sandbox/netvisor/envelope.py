"""The XML answers of the emulated API: `Root/ResponseStatus` and what follows it.

    <?xml version="1.0" encoding="utf-8" standalone="yes"?>
    <Root>
      <ResponseStatus><Status>OK</Status><TimeStamp>1.10.2009 16:03:24</TimeStamp></ResponseStatus>
      ... the resource's element(s) ...
    </Root>

A failure carries `Status` twice (`FAILED`, then `<CODE> :: <text>`) and nothing else. Every answer
is HTTP 200 (reference §7) unless the request sent `X-Netvisor-Authentication-UseHTTPResponseStatusCodes:
1` and `behaviour.http_status_codes` is on; which codes Netvisor then uses is unknown, so the
sandbox's choice (401 auth, 400 data, 403 access, 409 not unique, 503 technical) is an assumption.

The encoding is UTF-8 with the declaration Netvisor's recorded answers carry; `behaviour.
response_encoding` switches to ISO-8859-15 so a client's reading of both is tested.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree
from starlette.responses import Response

from so24_sandbox.netvisor import statuses
from so24_sandbox.netvisor.values import stamp

HTTP_STATUS = {
    statuses.AUTHENTICATION_FAILED: 401,
    statuses.SERVICE_ACCESS_ERROR: 403,
    statuses.REQUEST_NOT_UNIQUE: 409,
    statuses.INVALID_DATA: 400,
    statuses.INVALID_DATA_SIZE: 400,
    statuses.DUPLICATE_DATA: 400,
    statuses.TECHNICAL_ERROR: 503,
}


def element(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, tag, attrs)
    if text is not None:
        child.text = text
    return child


def new_root() -> etree._Element:
    return etree.Element("Root")


def _status(root: etree._Element, at: datetime, zone: str, *texts: str) -> None:
    status = etree.Element("ResponseStatus")
    for text in texts:
        element(status, "Status", text)
    element(status, "TimeStamp", stamp(at, zone))
    root.insert(0, status)


def render(root: etree._Element, encoding: str, status: int = 200) -> Response:
    body = etree.tostring(root, xml_declaration=False, encoding=encoding)
    declaration = f'<?xml version="1.0" encoding="{encoding}" standalone="yes"?>\n'.encode("ascii")
    return Response(declaration + body, status_code=status, media_type=f"text/xml; charset={encoding}")


def ok(root: etree._Element, at: datetime, zone: str, encoding: str) -> Response:
    _status(root, at, zone, "OK")
    return render(root, encoding)


def failed(
    failure: statuses.NetvisorFailure,
    language: str,
    at: datetime,
    zone: str,
    encoding: str,
    *,
    http_codes: bool,
) -> Response:
    root = new_root()
    _status(root, at, zone, "FAILED", failure.status_text(language))
    return render(root, encoding, HTTP_STATUS.get(failure.code, 500) if http_codes else 200)
