"""Field tables: how an import element becomes a stored value and how it is rendered back.

Netvisor names a field differently on the way in and out (`additionaladdressline` in, then
`AdditionalStreetAddress`; `customerreferencenumber` in, `ReferenceNumber` out; `defaultvatpercentage`
in, `DefaultVatPercent` out). Each register lists its fields once as `Spec(import name, rendered
name, kind, max length)`; this module applies a message block to a record (an empty element sets
the field empty, reference §1) and renders a record's block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from so24_sandbox.netvisor.bodies import Node
from so24_sandbox.netvisor.envelope import element
from so24_sandbox.netvisor.statuses import invalid
from so24_sandbox.netvisor.store import Record
from so24_sandbox.netvisor.values import BadValue, flag, number, parse_flag, parse_number

_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class Spec:
    name: str  # the import element, lower case
    out: str | None  # the rendered element; None: stored, not rendered
    kind: str = "text"  # text | flag | number | country
    max_len: int | None = None


def read_value(spec: Spec, node: Node) -> object:
    """The stored value of one import element; INVALID_DATA naming the element when it is wrong."""
    text = node.text
    if text is None:
        return False if spec.kind == "flag" else None
    try:
        if spec.kind == "flag":
            return parse_flag(text)
        if spec.kind == "number":
            return parse_number(text)
    except BadValue as exc:
        raise invalid(f"{spec.name}: {exc}") from None
    if spec.kind == "country":
        if not _COUNTRY.fullmatch(text):
            raise invalid(f"{spec.name}: '{text}' is not an ISO-3166 country code")
        kind = node.attrs.get("type")
        if kind is not None and kind.upper() != "ISO-3166":
            raise invalid(f"{spec.name}: type must be ISO-3166")
    if spec.max_len is not None and len(text) > spec.max_len:
        raise invalid(f"{spec.name}: longer than {spec.max_len} characters")
    return text


def apply(record: Record, block: Node | None, specs: tuple[Spec, ...]) -> None:
    """Set every field the block names (and only those): an edit sends just what changes."""
    if block is None:
        return
    by_name = {s.name: s for s in specs}
    for child in block.children:
        spec = by_name.get(child.tag)
        if spec is not None:
            record[spec.name] = read_value(spec, child)


def rendered(spec: Spec, value: object) -> str:
    if value is None:
        return ""
    if spec.kind == "flag":
        return flag(bool(value))
    if spec.kind == "number" and isinstance(value, Decimal):
        return number(value)
    return str(value)


def render_block(parent: etree._Element, tag: str, record: Record, specs: tuple[Spec, ...]) -> etree._Element:
    block = element(parent, tag)
    for spec in specs:
        if spec.out is None:
            continue
        attrs = {"type": "ISO-3166"} if spec.kind == "country" else {}
        element(block, spec.out, rendered(spec, record.get(spec.name)), **attrs)
    return block
