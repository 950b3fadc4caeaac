"""Requests from XML to Python values, read against the same type table the WSDL is built from.

The envelope is parsed with entities, DTDs and network access off, and any DOCTYPE is refused:
nothing in SOAP needs them. Values follow .NET's reading rules that matter to clients:
- an element holding the type's "not set" sentinel (int.MinValue, 0001-01-01, empty GUID ...)
  counts as absent, which is how 24SO does partial updates;
- xsi:nil counts as absent;
- every child must be in the 24SO namespace and named in the type: a typo or an unqualified
  element is refused with a soap:Client fault naming it (24SO would silently ignore it and the
  data would be lost, which is worse to debug).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from so24_sandbox.so24.serialize import SOAP_NS, XSI_NS
from so24_sandbox.so24.types import BUILTINS, NAMESPACE, Field, ServiceSchema
from so24_sandbox.so24.values import ValueFormatError, parse_scalar

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=True
)
_NIL = f"{{{XSI_NS}}}nil"
_SENTINELS = {t: parse_scalar(t, s) for t, s in BUILTINS.items() if s is not None}


class ClientFault(Exception):
    """The request is at fault: answered as soap:Client, HTTP 500, like ASMX."""


@dataclass(frozen=True)
class SoapRequest:
    operation: str
    element: etree._Element


def parse_envelope(body: bytes) -> SoapRequest:
    """The operation wrapper element inside a SOAP 1.1 envelope."""
    if not body.strip():
        raise ClientFault("The request body is empty; expected a SOAP 1.1 envelope.")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ClientFault(f"The request is not well-formed XML: {exc.msg}") from None
    if root.getroottree().docinfo.doctype:
        raise ClientFault("A DOCTYPE is not allowed in a SOAP request.")
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        raise ClientFault(f"Expected a SOAP 1.1 Envelope, got {root.tag}.")
    soap_body = root.find(f"{{{SOAP_NS}}}Body")
    if soap_body is None:
        raise ClientFault("The SOAP envelope has no Body.")
    children = [c for c in soap_body if isinstance(c.tag, str)]
    if not children:
        raise ClientFault("The SOAP Body is empty; expected an operation element.")
    qname = etree.QName(children[0])
    if qname.namespace != NAMESPACE:
        raise ClientFault(f"Operation element {qname.localname} must be in namespace {NAMESPACE}.")
    return SoapRequest(qname.localname, children[0])


def _is_nil(el: etree._Element) -> bool:
    return el.get(_NIL) in ("true", "1")


class Reader:
    """Reads elements of one service's types into dicts (complex), lists (ArrayOfX) and scalars."""

    def __init__(self, schema: ServiceSchema) -> None:
        self.schema = schema

    def read_fields(self, owner: str, fields: tuple[Field, ...], element: etree._Element) -> dict:
        by_name = {f.name: f for f in fields}
        out: dict = {}
        for child in element:
            if not isinstance(child.tag, str):
                continue
            qname = etree.QName(child)
            f = by_name.get(qname.localname)
            if f is None:
                raise ClientFault(f"{owner} has no element named {qname.localname!r}.")
            if qname.namespace != NAMESPACE:
                raise ClientFault(f"{owner}.{f.name} must be in namespace {NAMESPACE}.")
            value = self.read_value(f"{owner}.{f.name}", f.type, child)
            if f.many:
                out.setdefault(f.name, [])
                if value is not None:
                    out[f.name].append(value)
            elif value is not None:
                out[f.name] = value
        return out

    def read_value(self, where: str, type_name: str, el: etree._Element):
        if _is_nil(el):
            return None
        kind = self.schema.kind(type_name)
        if kind == "builtin":
            text = el.text or ""
            if type_name != "string" and not text.strip():
                return None
            try:
                value = parse_scalar(type_name, text)
            except ValueFormatError as exc:
                raise ClientFault(f"{where}: {exc}.") from None
            return None if _SENTINELS.get(type_name, object()) == value else value
        if kind == "enum":
            text = (el.text or "").strip()
            if text not in self.schema.enums[type_name]:
                allowed = ", ".join(self.schema.enums[type_name][:12])
                raise ClientFault(f"{where}: {text!r} is not a valid {type_name} (e.g. {allowed}).")
            return text
        fields = self.schema.fields(type_name)
        values = self.read_fields(type_name, fields, el)
        if kind == "array":
            return values.get(fields[0].name, [])
        return values

    def read_operation(self, request: SoapRequest) -> dict:
        operation = self.schema.operations.get(request.operation)
        if operation is None:
            raise ClientFault(f"{self.schema.name} has no operation {request.operation!r}.")
        return self.read_fields(request.operation, operation.params, request.element)
