"""Answers as XML text, built from the type table by string joining (100k products must stay fast).

Rules that make a strict zeep client (and the real WSDL's schema) accept the answer:
- elements in the type's sequence order, every one in the 24SO namespace (default xmlns);
- an unset optional field is left out (ASMX omits values equal to the .NET default, so an empty
  string counts as unset), never written as a sentinel;
- a minOccurs=1 field is always written, as xsi:nil when it has no value and is nillable;
- returnProperties: only the requested fields of the top-level items are written (`Select`), and
  nested selections apply to a nested array's items (GetInvoices rowReturnProperties).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from so24_sandbox.so24.types import NAMESPACE, Field, Operation, ServiceSchema
from so24_sandbox.so24.values import format_datetime, format_decimal, format_double

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
ENVELOPE_OPEN = (
    '<?xml version="1.0" encoding="utf-8"?>'
    f'<soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:xsi="{XSI_NS}" xmlns:xsd="{XSD_NS}"><soap:Body>'
)
ENVELOPE_CLOSE = "</soap:Body></soap:Envelope>"


class SerializeError(RuntimeError):
    """The emulator's own data broke the contract (a bug here, never the client's fault)."""


@dataclass(frozen=True)
class Select:
    """Which fields of an item to write: None = all; `nested` narrows a field's own items."""

    fields: frozenset[str] | None = None
    nested: Mapping[str, Select] = field(default_factory=dict)


ALL = Select()


def escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text or "\r" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return text


def _bool(value: bool) -> str:
    return "true" if value else "false"


_FORMATTERS: dict[str, Callable[[object], str]] = {
    "string": lambda v: escape(str(v)),
    "any": lambda v: escape(str(v)),
    "int": str,
    "long": str,
    "short": str,
    "decimal": format_decimal,  # type: ignore[dict-item]
    "double": format_double,  # type: ignore[dict-item]
    "boolean": _bool,  # type: ignore[dict-item]
    "dateTime": format_datetime,  # type: ignore[dict-item]
    "guid": str,
}


@dataclass(frozen=True, slots=True)
class _Step:
    field: Field
    kind: str  # builtin | enum | array | complex
    fmt: Callable[[object], str] | None
    open: str
    close: str
    nil: str


class Serializer:
    """Writes values of one service's types; plans per (type, selection) are cached."""

    def __init__(self, schema: ServiceSchema) -> None:
        self.schema = schema
        self._plans: dict[tuple[str, frozenset[str] | None], tuple[_Step, ...]] = {}

    def _step(self, f: Field) -> _Step:
        kind = self.schema.kind(f.type)
        fmt = _FORMATTERS.get(f.type) if kind == "builtin" else (escape if kind == "enum" else None)
        return _Step(f, kind, fmt, f"<{f.name}>", f"</{f.name}>", f'<{f.name} xsi:nil="true" />')

    def _plan(self, type_name: str, fields: frozenset[str] | None) -> tuple[_Step, ...]:
        key = (type_name, fields)
        plan = self._plans.get(key)
        if plan is None:
            plan = tuple(
                self._step(f)
                for f in self.schema.fields(type_name)
                if fields is None or f.name in fields or f.required
            )
            self._plans[key] = plan
        return plan

    def write_complex(self, out: list[str], type_name: str, value: Mapping, select: Select = ALL) -> None:
        nested = select.nested
        for step in self._plan(type_name, select.fields):
            v = value.get(step.field.name)
            if v is None or v == "":
                if step.field.required:
                    if not step.field.nillable:
                        raise SerializeError(f"{type_name}.{step.field.name} is required but has no value")
                    out.append(step.nil)
                continue
            if step.fmt is not None:
                out.append(f"{step.open}{step.fmt(v)}{step.close}")
                continue
            out.append(step.open)
            sub = nested.get(step.field.name, ALL) if nested else ALL
            if step.kind == "array":
                self.write_items(out, step.field.type, v, sub)
            else:
                self.write_complex(out, step.field.type, v, sub)
            out.append(step.close)

    def write_items(self, out: list[str], array_type: str, items: list, select: Select = ALL) -> None:
        """The children of an ArrayOfX wrapper: one <X> per item, xsi:nil for a None item."""
        item = self.schema.fields(array_type)[0]
        step = self._step(item)
        for v in items:
            if v is None:
                if not item.nillable:
                    raise SerializeError(f"{array_type} cannot hold a nil {item.name}")
                out.append(step.nil)
            elif step.fmt is not None:
                out.append(f"{step.open}{step.fmt(v)}{step.close}")
            else:
                out.append(step.open)
                if step.kind == "array":
                    self.write_items(out, item.type, v, select)
                else:
                    self.write_complex(out, item.type, v, select)
                out.append(step.close)

    def write_field(self, out: list[str], f: Field, value, select: Select = ALL) -> None:
        """One element for field `f`, whatever its kind (used for operation results)."""
        if value is None:
            if f.required:
                if not f.nillable:
                    raise SerializeError(f"{f.name} is required but has no value")
                out.append(f'<{f.name} xsi:nil="true" />')
            return
        step = self._step(f)
        if step.fmt is not None:
            out.append(f"{step.open}{step.fmt(value)}{step.close}")
            return
        out.append(step.open)
        if step.kind == "array":
            self.write_items(out, f.type, value, select)
        else:
            self.write_complex(out, f.type, value, select)
        out.append(step.close)

    def response(self, operation: Operation, result, select: Select = ALL) -> bytes:
        """The whole envelope of a successful answer to `operation`."""
        out = [ENVELOPE_OPEN, f'<{operation.name}Response xmlns="{NAMESPACE}">']
        if operation.result is not None:
            self.write_field(out, operation.result, result, select)
        out.append(f"</{operation.name}Response>{ENVELOPE_CLOSE}")
        return "".join(out).encode("utf-8")


def fault_envelope(code: str, message: str) -> bytes:
    """An ASMX-style SOAP 1.1 fault (faultcode soap:Client or soap:Server)."""
    return (
        f"{ENVELOPE_OPEN}<soap:Fault><faultcode>{code}</faultcode>"
        f"<faultstring>{escape(message)}</faultstring><detail /></soap:Fault>{ENVELOPE_CLOSE}"
    ).encode()
