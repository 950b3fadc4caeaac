"""The one description of every 24SO type the emulator speaks; WSDLs, parsing and answers derive from it.

24SO's services are ASMX: each type is an `xs:sequence`, so element ORDER is part of the contract
(zeep in strict mode rejects an answer whose elements are out of order or unknown). All services
share the namespace http://24sevenOffice.com/webservices, yet same-named types differ per service
(`Address` in CompanyService is not `Address` in PersonService), so every service carries its own
type table and nothing is looked up across services.

A type is written as one line of fields, `Name:type` with flags: `!` minOccurs=1 (must always be
on the wire), `?` nillable (may be sent as xsi:nil), `*` maxOccurs=unbounded, `~` the WSDL declares
the type's .NET "not set" value as the element's default (24SO's classes carry [DefaultValue] on
most optional fields, and ASMX publishes it), or `=value` for any other declared default (`=` alone
is the empty string). A default is part of what a client compiles from the WSDL, so the
emulator declares exactly the ones 24SO does.
Types named `ArrayOfX` whose only field is unbounded are ASMX list wrappers; their Python value is
a list. The field type `any` is an untyped element (the WSDL declares no type: xs:anyType).
"""

from __future__ import annotations

from dataclasses import dataclass, field

NAMESPACE = "http://24sevenOffice.com/webservices"
GUID_NAMESPACE = "http://microsoft.com/wsdl/types/"

# xsd builtins and the value .NET uses as "not set" for each (an element carrying it means nothing).
BUILTINS: dict[str, str | None] = {
    "string": "",
    "int": "-2147483648",
    "long": "-9223372036854775808",
    "short": "-32768",
    "decimal": "-79228162514264337593543950335",
    "double": "-1.7976931348623157E+308",
    "boolean": None,
    "dateTime": "0001-01-01T00:00:00",
    "guid": "00000000-0000-0000-0000-000000000000",
    "any": None,
}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: str
    required: bool = False
    nillable: bool = False
    many: bool = False
    default: str | None = None  # the WSDL's `default=` for the element; None = none declared


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    params: tuple[Field, ...]
    result: Field | None
    doc: str
    header: str | None = None  # name of an optional SOAP header element (legacy auth on PersonService)

    @property
    def action(self) -> str:
        return f"{NAMESPACE}/{self.name}"


@dataclass(frozen=True)
class ServiceSchema:
    """One ASMX service: its address, its WSDL names and its own type table."""

    name: str  # wsdl:service name, e.g. "ProductService"
    path: str  # the real path below the host, e.g. "/Logistics/Product/V001/ProductService.asmx"
    doc: str
    complex_types: dict[str, tuple[Field, ...]]
    enums: dict[str, tuple[str, ...]]
    operations: dict[str, Operation]
    header_elements: dict[str, str] = field(default_factory=dict)  # element name -> complex type
    # Types that also take any attribute (xs:anyAttribute), as .NET's SoapHeader subclasses do: a
    # client built from the real WSDL may put attributes on the header, and they must stay legal.
    any_attribute: frozenset[str] = frozenset()

    @property
    def port(self) -> str:
        return f"{self.name}Soap"

    def fields(self, type_name: str) -> tuple[Field, ...]:
        return self.complex_types[type_name]

    def is_array(self, type_name: str) -> bool:
        fields = self.complex_types.get(type_name)
        return fields is not None and len(fields) == 1 and fields[0].many

    def kind(self, type_name: str) -> str:
        """'builtin', 'enum', 'array' or 'complex'."""
        if type_name in BUILTINS:
            return "builtin"
        if type_name in self.enums:
            return "enum"
        return "array" if self.is_array(type_name) else "complex"


def parse_fields(spec: str) -> tuple[Field, ...]:
    """Turn `"Id:int!~ Name:string Rows:ArrayOfRow Flag:boolean?=false"` into Fields (order kept)."""
    out: list[Field] = []
    for token in spec.split():
        name, _, rest = token.partition(":")
        rest, has_default, default = rest.partition("=")
        type_name = rest.rstrip("!?*~")
        flags = rest[len(type_name) :]
        if not name or not type_name or set(flags) - set("!?*~") or (has_default and "~" in flags):
            raise ValueError(f"bad field spec {token!r}")
        if "~" in flags:
            default = BUILTINS.get(type_name)
            if default is None:
                raise ValueError(f"{token!r}: type {type_name!r} has no .NET 'not set' value for `~`")
        out.append(
            Field(
                name,
                type_name,
                "!" in flags,
                "?" in flags,
                "*" in flags,
                default if has_default or "~" in flags else None,
            )
        )
    return tuple(out)


def op(name: str, params: str, result: str | None, doc: str, header: str | None = None) -> Operation:
    """An operation: request wrapper fields, and the single `<Op>Result` field (None when void)."""
    res = parse_fields(result) if result else ()
    if len(res) > 1:
        raise ValueError(f"{name}: an ASMX operation has at most one result element")
    return Operation(name, parse_fields(params), res[0] if res else None, doc, header)


def build_service(
    name: str,
    path: str,
    doc: str,
    types: dict[str, str],
    enums: dict[str, str],
    operations: list[Operation],
    header_elements: dict[str, str] | None = None,
    any_attribute: tuple[str, ...] = (),
) -> ServiceSchema:
    """Assemble a ServiceSchema and check that every referenced type is declared in THIS service."""
    schema = ServiceSchema(
        name=name,
        path=path,
        doc=doc,
        complex_types={k: parse_fields(v) for k, v in types.items()},
        enums={k: tuple(v.split()) for k, v in enums.items()},
        operations={o.name: o for o in operations},
        header_elements=dict(header_elements or {}),
        any_attribute=frozenset(any_attribute),
    )
    known = set(BUILTINS) | set(schema.complex_types) | set(schema.enums)
    referenced: list[tuple[str, Field]] = [(t, f) for t, fs in schema.complex_types.items() for f in fs]
    for o in operations:
        referenced += [(o.name, f) for f in o.params]
        if o.result:
            referenced.append((o.name, o.result))
    referenced += [(el, Field(el, t)) for el, t in schema.header_elements.items()]
    for owner, f in referenced:
        if f.type not in known:
            raise ValueError(f"{name}: {owner}.{f.name} refers to undeclared type {f.type!r}")
        if f.default is not None and f.type in schema.enums and f.default not in schema.enums[f.type]:
            raise ValueError(f"{name}: {owner}.{f.name} defaults to {f.default!r}, not a {f.type} value")
    undeclared = sorted(schema.any_attribute - set(schema.complex_types))
    if undeclared:
        raise ValueError(f"{name}: any_attribute names undeclared complex types {undeclared}")
    return schema


def reachable_types(schema: ServiceSchema) -> list[str]:
    """Complex types and enums the operations (and headers) need, in first-use order."""
    seen: list[str] = []

    def visit(type_name: str) -> None:
        if type_name in BUILTINS or type_name in seen:
            return
        seen.append(type_name)
        for f in schema.complex_types.get(type_name, ()):
            visit(f.type)

    for o in schema.operations.values():
        for f in o.params:
            visit(f.type)
        if o.result:
            visit(o.result.type)
    for t in schema.header_elements.values():
        visit(t)
    return seen


def uses_guid(schema: ServiceSchema) -> bool:
    types = reachable_types(schema)
    fields = [f for t in types for f in schema.complex_types.get(t, ())]
    for o in schema.operations.values():
        fields += list(o.params) + ([o.result] if o.result else [])
    return any(f.type == "guid" for f in fields)
