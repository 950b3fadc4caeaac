"""Records as JSON for the control API, using the WSDL field names, in WSDL order.

Decimals travel as strings ("249.50", so no float rounding creeps into a test's expectations),
date-times as ISO strings in UTC without offset. Reading JSON back goes through the same type table
as SOAP requests, so a control-API edit is checked exactly like a client's save; an unknown key is
refused with its name. A few emulator facts that are not WSDL fields are exposed under readable
names (EXTRAS), e.g. a person's IsEmployee or a company's Active flag.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from so24_sandbox.so24.types import ServiceSchema
from so24_sandbox.so24.values import ValueFormatError, format_datetime, format_decimal, parse_scalar

# internal key -> (JSON key, xsd type), per entity
EXTRAS: dict[str, dict[str, tuple[str, str]]] = {
    "companies": {"_active": ("Active", "boolean")},
    "persons": {"_employee": ("IsEmployee", "boolean")},
    "projects": {"_active": ("Active", "boolean"), "_work_types": ("WorkTypeIds", "int*")},
    "work_types": {"_active": ("Active", "boolean")},
    "orders": {"_registered": ("DateRegistered", "dateTime")},
    "categories": {"_changed": ("DateChanged", "dateTime")},
    "hours": {"_changed": ("DateChanged", "dateTime")},
}


def _scalar_out(value):
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    return value


def to_json(schema: ServiceSchema, type_name: str, value, extras: dict[str, tuple[str, str]] | None = None):
    """A record (or nested value) of `type_name` as JSON-ready data."""
    kind = schema.kind(type_name)
    if kind in ("builtin", "enum"):
        return _scalar_out(value)
    fields = schema.fields(type_name)
    if kind == "array":
        return [None if v is None else to_json(schema, fields[0].type, v) for v in value]
    out = {}
    for f in fields:
        v = value.get(f.name)
        if v is not None and v != "":
            out[f.name] = [to_json(schema, f.type, x) for x in v] if f.many else to_json(schema, f.type, v)
    for key, (json_key, _type) in (extras or {}).items():
        if key in value:
            v = value[key]
            out[json_key] = [_scalar_out(x) for x in v] if isinstance(v, list) else _scalar_out(v)
    return out


def _scalar_in(type_name: str, value, where: str):
    if value is None:
        return None
    if type_name == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true or false, got {value!r}")
        return value
    if type_name in ("int", "long", "short"):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"{where}: expected an integer, got {value!r}")
        value = str(value)
    elif (
        type_name in ("decimal", "double") and isinstance(value, int | float) and not isinstance(value, bool)
    ):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected a string, got {value!r}")
    if type_name == "string":
        if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
            raise ValueError(f"{where}: control characters are not allowed in XML text")
        return value
    try:
        return parse_scalar(type_name, value)
    except ValueFormatError as exc:
        raise ValueError(f"{where}: {exc}") from None


def from_json(
    schema: ServiceSchema, type_name: str, data, where: str, extras: dict[str, tuple[str, str]] | None = None
):
    """JSON from a control-API body to a record of `type_name`; ValueError names the bad key."""
    kind = schema.kind(type_name)
    if kind == "builtin":
        return _scalar_in(type_name, data, where)
    if kind == "enum":
        if data not in schema.enums[type_name]:
            raise ValueError(f"{where}: {data!r} is not a valid {type_name}")
        return data
    fields = {f.name: f for f in schema.fields(type_name)}
    if kind == "array":
        item = next(iter(fields.values()))
        if not isinstance(data, list):
            raise ValueError(f"{where}: expected a list")
        return [from_json(schema, item.type, x, f"{where}[{i}]") for i, x in enumerate(data)]
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object")
    by_json = {json_key: (key, t) for key, (json_key, t) in (extras or {}).items()}
    out: dict = {}
    for key, value in data.items():
        if key in fields:
            f = fields[key]
            if value is None:
                continue
            if f.many:
                if not isinstance(value, list):
                    raise ValueError(f"{where}.{key}: expected a list")
                out[key] = [from_json(schema, f.type, x, f"{where}.{key}[{i}]") for i, x in enumerate(value)]
            else:
                out[key] = from_json(schema, f.type, value, f"{where}.{key}")
        elif key in by_json:
            internal, t = by_json[key]
            if t.endswith("*"):
                if not isinstance(value, list):
                    raise ValueError(f"{where}.{key}: expected a list")
                out[internal] = [_scalar_in(t[:-1], x, f"{where}.{key}[{i}]") for i, x in enumerate(value)]
            else:
                out[internal] = _scalar_in(t, value, f"{where}.{key}")
        else:
            raise ValueError(
                f"{where}: unknown field {key!r} (use the WSDL field names, e.g. {next(iter(fields))})"
            )
    return out
