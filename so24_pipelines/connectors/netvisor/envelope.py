"""Reading a Netvisor answer safely: XML with `Root/ResponseStatus` first.

    <Root><ResponseStatus><Status>OK</Status><TimeStamp>1.10.2009 16:03:24</TimeStamp></ResponseStatus>...
    <Root><ResponseStatus><Status>FAILED</Status><Status>INVALID_DATA :: ...</Status>...</ResponseStatus></Root>

The body is parsed with entities, DTDs and network access forbidden, and an answer carrying a
DOCTYPE is refused: nothing Netvisor sends needs them, and they are the door for entity-expansion
attacks. The bytes go to the parser as they came, so the XML declaration decides the encoding
(Netvisor's recorded answers declare UTF-8; ISO-8859-15 works the same way).

(This parser has the settings of `connectors/so24/envelope.parse_xml`, which a Netvisor module may
not import: the import rules keep one system's room out of another's. Once that function lives at
the connectors' top level this module should use it.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from so24_pipelines.connectors.errors import ConnectorError
from so24_pipelines.connectors.netvisor.errors import NetvisorStatus, from_status
from so24_pipelines.connectors.netvisor.times import parse_timestamp
from so24_pipelines.connectors.xml import MalformedXml, parse_untrusted


@dataclass(frozen=True)
class Reply:
    """A decoded answer: the root element and the response headers (pagination lives there), whose
    names are case-insensitive as in HTTP (servers send `x-netvisor-pagination-next-page` too)."""

    root: etree._Element
    headers: Mapping[str, str]


def parse(data: bytes) -> etree._Element:
    """The root of an answer; ValueError for a body that is not XML (the client retries those)."""
    if not data.strip():
        raise ValueError("empty body")
    try:
        return parse_untrusted(data)
    except MalformedXml as exc:
        raise ValueError(f"malformed XML ({exc})") from None
    except ConnectorError as exc:
        raise ConnectorError(f"Netvisor: {exc}") from None


def failure(root: etree._Element, *, call: str) -> NetvisorStatus | None:
    """The named error of a FAILED answer, or None for OK. An answer without a status is an error."""
    statuses = [(s.text or "").strip() for s in root.findall("ResponseStatus/Status")]
    if statuses[:1] == ["OK"]:
        return None
    if statuses[:1] == ["FAILED"] and len(statuses) >= 2:
        return from_status(statuses[1], call=call)
    raise ConnectorError(f"answer has no readable ResponseStatus (root {root.tag})", call=call)


def timestamp(root: etree._Element, zone: str, *, call: str) -> datetime | None:
    """`ResponseStatus/TimeStamp`: Netvisor's clock when it answered (a safe `changedsince` watermark)."""
    return parse_timestamp(root.findtext("ResponseStatus/TimeStamp"), zone, call=call)
