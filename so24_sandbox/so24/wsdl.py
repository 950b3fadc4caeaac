"""WSDL documents generated from the type table, shaped like the ASMX ones 24SO serves.

What a client built for api.24sevenoffice.com depends on, and what is therefore reproduced:
target namespace http://24sevenOffice.com/webservices (capital O), `elementFormDefault=qualified`,
document/literal wrapped operations (request element = operation name, response `<Op>Response`
holding `<Op>Result`), messages `<Op>SoapIn`/`<Op>SoapOut` with a part named `parameters`,
SOAPAction `http://24sevenOffice.com/webservices/<Op>`, binding and port `<Service>Soap`, and
GUIDs typed in the separate namespace http://microsoft.com/wsdl/types/ as ASMX does. Only the
SOAP 1.1 binding is offered (the one zeep picks); the soap:address points at the sandbox.
"""

from __future__ import annotations

from lxml import etree

from so24_sandbox.so24.types import (
    GUID_NAMESPACE,
    NAMESPACE,
    Field,
    ServiceSchema,
    reachable_types,
    uses_guid,
)

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
XS_NS = "http://www.w3.org/2001/XMLSchema"
SOAP_BINDING_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
NSMAP = {"wsdl": WSDL_NS, "s": XS_NS, "soap": SOAP_BINDING_NS, "tns": NAMESPACE, "s1": GUID_NAMESPACE}
_GUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def _w(tag: str) -> str:
    return f"{{{WSDL_NS}}}{tag}"


def _s(tag: str) -> str:
    return f"{{{XS_NS}}}{tag}"


def _type_ref(schema: ServiceSchema, type_name: str) -> str | None:
    if type_name == "any":
        return None
    if type_name == "guid":
        return "s1:guid"
    if schema.kind(type_name) == "builtin":
        return f"s:{type_name}"
    return f"tns:{type_name}"


def _sequence(parent: etree._Element, schema: ServiceSchema, fields: tuple[Field, ...]) -> None:
    if not fields:
        return
    seq = etree.SubElement(parent, _s("sequence"))
    for f in fields:
        el = etree.SubElement(seq, _s("element"))
        el.set("minOccurs", "1" if f.required else "0")
        el.set("maxOccurs", "unbounded" if f.many else "1")
        if f.default is not None:
            el.set("default", f.default)
        el.set("name", f.name)
        if f.nillable:
            el.set("nillable", "true")
        ref = _type_ref(schema, f.type)
        if ref:
            el.set("type", ref)


def _types(root: etree._Element, schema: ServiceSchema) -> None:
    types = etree.SubElement(root, _w("types"))
    main = etree.SubElement(types, _s("schema"), elementFormDefault="qualified", targetNamespace=NAMESPACE)
    guid = uses_guid(schema)
    if guid:
        etree.SubElement(main, _s("import"), namespace=GUID_NAMESPACE)
    for o in schema.operations.values():
        for name, fields in ((o.name, o.params), (f"{o.name}Response", (o.result,) if o.result else ())):
            el = etree.SubElement(main, _s("element"), name=name)
            _sequence(etree.SubElement(el, _s("complexType")), schema, fields)
    for element_name, type_name in schema.header_elements.items():
        etree.SubElement(main, _s("element"), name=element_name, type=f"tns:{type_name}")
    for type_name in reachable_types(schema):
        if type_name in schema.enums:
            simple = etree.SubElement(main, _s("simpleType"), name=type_name)
            restriction = etree.SubElement(simple, _s("restriction"), base="s:string")
            for value in schema.enums[type_name]:
                etree.SubElement(restriction, _s("enumeration"), value=value)
        else:
            complex_type = etree.SubElement(main, _s("complexType"), name=type_name)
            _sequence(complex_type, schema, schema.fields(type_name))
            if type_name in schema.any_attribute:
                etree.SubElement(complex_type, _s("anyAttribute"))
    if guid:
        ms = etree.SubElement(
            types, _s("schema"), elementFormDefault="qualified", targetNamespace=GUID_NAMESPACE
        )
        simple = etree.SubElement(ms, _s("simpleType"), name="guid")
        restriction = etree.SubElement(simple, _s("restriction"), base="s:string")
        etree.SubElement(restriction, _s("pattern"), value=_GUID_PATTERN)


def build_wsdl(schema: ServiceSchema, address: str) -> bytes:
    """The WSDL of `schema` whose soap:address is `address` (the sandbox URL of the service)."""
    root = etree.Element(_w("definitions"), nsmap=NSMAP, targetNamespace=NAMESPACE)
    etree.SubElement(root, _w("documentation")).text = schema.doc
    _types(root, schema)
    for o in schema.operations.values():
        for suffix, element in (("SoapIn", o.name), ("SoapOut", f"{o.name}Response")):
            message = etree.SubElement(root, _w("message"), name=f"{o.name}{suffix}")
            etree.SubElement(message, _w("part"), name="parameters", element=f"tns:{element}")
        if o.header:
            message = etree.SubElement(root, _w("message"), name=f"{o.name}{o.header}")
            etree.SubElement(message, _w("part"), name=o.header, element=f"tns:{o.header}")
    port_type = etree.SubElement(root, _w("portType"), name=schema.port)
    for o in schema.operations.values():
        operation = etree.SubElement(port_type, _w("operation"), name=o.name)
        etree.SubElement(operation, _w("documentation")).text = o.doc
        etree.SubElement(operation, _w("input"), message=f"tns:{o.name}SoapIn")
        etree.SubElement(operation, _w("output"), message=f"tns:{o.name}SoapOut")
    binding = etree.SubElement(root, _w("binding"), name=schema.port, type=f"tns:{schema.port}")
    etree.SubElement(
        binding, f"{{{SOAP_BINDING_NS}}}binding", transport="http://schemas.xmlsoap.org/soap/http"
    )
    for o in schema.operations.values():
        operation = etree.SubElement(binding, _w("operation"), name=o.name)
        etree.SubElement(operation, f"{{{SOAP_BINDING_NS}}}operation", soapAction=o.action, style="document")
        wsdl_input = etree.SubElement(operation, _w("input"))
        etree.SubElement(wsdl_input, f"{{{SOAP_BINDING_NS}}}body", use="literal")
        if o.header:
            etree.SubElement(
                wsdl_input,
                f"{{{SOAP_BINDING_NS}}}header",
                message=f"tns:{o.name}{o.header}",
                part=o.header,
                use="literal",
            )
        wsdl_output = etree.SubElement(operation, _w("output"))
        etree.SubElement(wsdl_output, f"{{{SOAP_BINDING_NS}}}body", use="literal")
    service = etree.SubElement(root, _w("service"), name=schema.name)
    port = etree.SubElement(service, _w("port"), name=schema.port, binding=f"tns:{schema.port}")
    etree.SubElement(port, f"{{{SOAP_BINDING_NS}}}address", location=address)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
