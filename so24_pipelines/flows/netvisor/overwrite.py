"""What a business-ID link overwrites on the Netvisor customer card, shown before it is written.

Seed 003: when a Rackbeat customer and a Netvisor customer share a business ID (Y-tunnus), "the
Netvisor customer card is overwritten with Rackbeat's data". Only that, and only as far as it goes:

- the fields are the ones spec `netvisor_customers_to_netvisor` owns (name, business ID, address,
  phone, e-mail), with Rackbeat's values; nothing else on the card is touched (an import edit
  changes only the elements it sends);
- an empty Rackbeat value overwrites nothing (the spec leaves empty values out), so no Netvisor
  field is blanked;
- the customer code is kept: it is create-only in the spec, the number invoices carry in
  Netvisor, and the link is recorded in the id map, so it need not change to be found again.

`changes` compares the payload with the card as N2 staged it, field by field, so the preview (and
the sync log's reason) lists exactly what will change, old and new value; a card that already
holds Rackbeat's data has nothing to change and is only linked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from so24_pipelines.mapping.paths import leaves

CARD_COLUMNS: dict[str, str] = {
    "customerbaseinformation.externalidentifier": "business_id_text",
    "customerbaseinformation.name": "name",
    "customerbaseinformation.streetaddress": "street",
    "customerbaseinformation.postnumber": "post_number",
    "customerbaseinformation.city": "city",
    "customerbaseinformation.country": "country",
    "customerbaseinformation.phonenumber": "phone",
    "customerbaseinformation.email": "email",
}
"""Payload path (the import's element) -> the staged card column holding Netvisor's current value."""


@dataclass(frozen=True)
class Change:
    """One card field the overwrite replaces: Netvisor's value now, Rackbeat's value after."""

    field: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.field}: {self.before!r} → {self.after!r}"


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def changes(payload: Mapping[str, Any], card: Mapping[str, Any] | None) -> list[Change]:
    """The fields of `payload` (create-only fields already left out) whose value differs on `card`."""
    found = []
    for path, value in sorted(leaves(payload).items()):
        column = CARD_COLUMNS.get(path)
        before = _text(card.get(column)) if card is not None and column else "(not read)"
        after = _text(value)
        if before != after:
            found.append(Change(path.rsplit(".", 1)[-1], before, after))
    return found


def describe_changes(found: list[Change]) -> str:
    """`name: 'A' → 'B'; city: …`, or a note that nothing changes."""
    return (
        "; ".join(str(c) for c in found)
        if found
        else "nothing to overwrite: the card already holds Rackbeat's data"
    )
