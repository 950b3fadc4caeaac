"""Record by record: 24SO's records as the owning flow maps them, against the other side as read.

Why the 24SO side is *mapped* rather than read raw: the fields a flow owns are the target paths of
its mapping spec (`Spec.owned_fields`), and what 24SO "says" for a target field is what the spec
makes of it (fallbacks such as invoice address before postal address, trimming, decimals). So the
payload the flow would send now is compared with the target record at the same paths, and that
payload is also the repair the flow would write.

Records are paired the way the flows pair them: first the flow's id map (24SO id -> target key),
then the link the target holds (Rackbeat's "24so ... id" field, Ongoing's productCode), then the
business key (the number). What is left over is a named difference:
- `only_in_so24`: 24SO has it, the flow would send it, the other side has nothing;
- `missing_in_<other>`: the id map links it, but the linked record is gone from the other side
  (deleted there);
- `missing_in_so24`: a linked record of the other side whose 24SO record is gone;
- `only_in_<other>`: the other side's own record, a difference only where the flow's direction
  brings such records to 24SO (R1/R2 `rackbeat` or `both`); otherwise it is counted, not listed;
- `field`: both sides have it and an owned field differs.
Records the flow itself skips (no number, a number over 25 characters) are counted apart: the
flow's own preview already lists them with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from so24_pipelines.mapping.paths import leaves
from so24_pipelines.sync import MappedRecord

RECORD = "<record>"
"""The `field` of a whole-record difference (only on one side, missing on one side)."""


@dataclass(frozen=True)
class Difference:
    """One difference of one record; `key` is the 24SO id, or the other side's key when 24SO has none."""

    entity: str
    key: str
    field: str
    kind: str
    so24_value: str | None
    other_value: str | None
    pending: bool = False
    explanation: str | None = None
    repair: str | None = None


@dataclass
class EntityComparison:
    """What comparing one entity of one pair found."""

    entity: str
    so24_count: int = 0
    other_count: int = 0
    paired: int = 0
    skipped_by_flow: int = 0
    others_own: int = 0
    differences: list[Difference] = field(default_factory=list)
    # 24SO key -> (target key, the payload the flow would send): the repair preview's input
    payloads: dict[str, tuple[str | None, dict[str, Any]]] = field(default_factory=dict)
    # 24SO key -> target key of every record found on both sides (stock is compared on these)
    pairs: dict[str, str] = field(default_factory=dict)


def value_at(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path; a linked object read back in place of the number sent
    (Rackbeat answers `group: {number, name, ...}` to `group: 7`) counts as its number."""
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    if isinstance(node, Mapping) and "number" in node:
        return node["number"]
    return node


def normal(value: Any) -> str | None:
    """One text per value, so 4321.5 (JSON float), Decimal('4321.50') and '4321.5' are equal, and
    an empty string is no value (both APIs give '' and null for an empty field)."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value).lower()
    if isinstance(value, int | float | Decimal):
        try:
            number = Decimal(str(value)).normalize()
        except InvalidOperation:
            return str(value)
        return format(number, "f") if number != 0 else "0"
    text = " ".join(str(value).split())
    if not text:
        return None
    try:
        number = Decimal(text).normalize()
    except InvalidOperation:
        return text
    return format(number, "f") if number != 0 else "0"


def field_differences(
    entity: str, key: str, payload: Mapping[str, Any], other: Mapping[str, Any], owned: Iterable[str]
) -> list[Difference]:
    sent = leaves(payload)
    out = []
    for path in owned:
        ours, theirs = normal(sent.get(path)), normal(value_at(other, path))
        # A number the target cannot leave empty reads back as 0 (Rackbeat's cost price of a
        # product 24SO has none for): the same "nothing" on both sides, not a difference.
        if ours != theirs and {ours, theirs} != {None, "0"}:
            out.append(Difference(entity, key, path, "field", ours, theirs))
    return out


@dataclass(frozen=True)
class Sides:
    """Both sides of one entity, ready to compare.

    `so24`: 24SO id -> the record mapped by the owning flow's spec (skipped ones included);
    `other`: target key -> the other side's record; `linked`: 24SO id -> target key in the id map;
    `holder`: the other record -> the 24SO id it names itself (custom field, productCode) or None;
    `business_key`: the other record -> its business key (the number the flow matches on).
    """

    so24: Mapping[str, MappedRecord]
    other: Mapping[str, Mapping[str, Any]]
    linked: Mapping[str, str]
    holder: Callable[[Mapping[str, Any]], str | None]
    business_key: Callable[[Mapping[str, Any]], str | None]


def compare(
    entity: str, other_system: str, sides: Sides, owned: Iterable[str], *, others_are_differences: bool,
    others_skipped: Iterable[str] = (),
) -> EntityComparison:  # fmt: skip
    """Pair and compare (see the module doc); `others_skipped`: the other side's keys the way back
    skips now (its sync log says why), counted with the flow's skips rather than listed."""
    owned = tuple(owned)
    result = EntityComparison(entity, so24_count=len(sides.so24), other_count=len(sides.other))
    by_holder: dict[str, str] = {}
    by_business_key: dict[str, str] = {}
    for target_key, record in sides.other.items():
        if (holder := sides.holder(record)) is not None:
            by_holder.setdefault(holder, target_key)
        if (number := sides.business_key(record)) is not None:
            by_business_key.setdefault(number, target_key)
    used: set[str] = set()
    refused = set(others_skipped)
    linked_targets = {target: key for key, target in sides.linked.items()}
    for key, record in sides.so24.items():
        if record.skip_reason:
            result.skipped_by_flow += 1
            continue
        target_key = sides.linked.get(key)
        if target_key is None or target_key not in sides.other:
            found = by_holder.get(key) or by_business_key.get(str(record.business_key or ""))
            if found is None and target_key is not None:
                result.differences.append(
                    Difference(entity, key, RECORD, f"missing_in_{other_system}", "present", None)
                )
                result.payloads[key] = (target_key, dict(record.payload))
                continue
            target_key = found
        if target_key is None:
            result.differences.append(Difference(entity, key, RECORD, "only_in_so24", "present", None))
            result.payloads[key] = (None, dict(record.payload))
            continue
        used.add(target_key)
        result.paired += 1
        result.pairs[key] = target_key
        found_differences = field_differences(entity, key, record.payload, sides.other[target_key], owned)
        if found_differences:
            result.payloads[key] = (target_key, dict(record.payload))
        result.differences += found_differences
    for target_key, other in sides.other.items():
        if target_key in used:
            continue
        so24_key = linked_targets.get(target_key) or sides.holder(other)
        if so24_key is not None and so24_key not in sides.so24:
            result.differences.append(
                Difference(entity, so24_key, RECORD, "missing_in_so24", None, f"{other_system} {target_key}")
            )
        elif so24_key is not None:
            continue  # its 24SO record is skipped by the flow, or paired by another link
        elif others_are_differences and target_key in refused:
            result.skipped_by_flow += 1
        elif others_are_differences:
            result.differences.append(
                Difference(
                    entity, f"{other_system}:{target_key}", RECORD, f"only_in_{other_system}", None, "present"
                )
            )
        else:
            result.others_own += 1
    return result


def stock_differences(
    entity: str, pairs: Mapping[str, str], so24_stock: Mapping[str, Any], other_stock: Mapping[str, Any]
) -> list[Difference]:
    """24SO's stock of each paired product against the other side's figure (the stock master's)."""
    out = []
    for key, target_key in pairs.items():
        ours, theirs = normal(so24_stock.get(key)), normal(other_stock.get(target_key))
        if (ours or "0") != (theirs or "0"):
            out.append(Difference(entity, key, "stock", "field", ours, theirs))
    return out
