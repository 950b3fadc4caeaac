"""Untrusted XML, parsed one way for every connector: no entities, no DTD, no network.

A vendor answer (24SO's SOAP, Netvisor's envelopes) is text from outside: resolving entities or
loading a DTD would let it read local files or call out (XXE), and an entity bomb would eat memory.
The parser refuses all three; a document that still declares a DTD is refused outright, since
no vendor the hub talks to sends one. Callers turn the two errors into their own words (a SOAP
fault, a retry).
"""

from __future__ import annotations

from lxml import etree

from so24_pipelines.connectors.errors import ConnectorError

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class MalformedXml(ValueError):
    """The bytes are not a well-formed XML document (a cut or garbled answer: worth a retry)."""


def parse_untrusted(data: bytes) -> etree._Element:
    """The document's root; MalformedXml when it is not XML, ConnectorError when it carries a DTD."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedXml(exc.msg) from None
    if root.getroottree().docinfo.doctype:
        raise ConnectorError("refused an answer that carries a DTD")
    return root
