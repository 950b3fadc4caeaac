"""Loader target for N2's overwrite: a business-ID link writes Rackbeat's data onto the Netvisor card.

The records are the Rackbeat customers N2 linked by business ID (overwrite.py says which fields
and why only those); each `create` edits the linked Netvisor customer (`customer.nv?method=edit`,
only the owned elements, never the customer code) and returns it as `Found`, with what changed in
the `how` the sync log keeps: the id map then links the two, and a rerun with unchanged Rackbeat
data plans `unchanged` and writes nothing. A card that already holds Rackbeat's data is linked
without an edit. An edit is idempotent, so the loader's look-up after a crash (`find_by_business_key`,
the Rackbeat number) simply names the linked customer and the edit is sent again. `written` keeps
the cards edited, which N2 then stages again as Netvisor holds them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from so24_pipelines.connectors.netvisor import NetvisorClient
from so24_pipelines.flows.netvisor.payloads import without
from so24_pipelines.sync.records import Found, MappedRecord


@dataclass(frozen=True)
class CardLink:
    """The Netvisor customer a Rackbeat customer was linked to by business ID, and what changes."""

    netvisor_key: str
    business_id: str
    changes: str
    changed: bool


class NetvisorCardOverwrite:
    system = "netvisor"
    entity = "customers"

    def __init__(
        self, client: NetvisorClient, cards: Mapping[str, CardLink], *, create_only: Iterable[str] = ()
    ) -> None:
        self.client = client
        self.cards = dict(cards)
        self.create_only = tuple(create_only)
        self.written: set[str] = set()
        self._lock = threading.Lock()

    def _edit(self, key: str, record: MappedRecord) -> None:
        self.client.edit_customer(int(key), without(record.payload, self.create_only))
        with self._lock:
            self.written.add(key)

    def create(self, record: MappedRecord) -> Found:
        card = self.cards[record.source_key]
        if not card.changed:
            return Found(
                card.netvisor_key,
                f"linked to Netvisor customer {card.netvisor_key} by business ID {card.business_id}; {card.changes}",
            )
        self._edit(card.netvisor_key, record)
        return Found(
            card.netvisor_key,
            f"Netvisor customer {card.netvisor_key} overwritten with Rackbeat customer {record.source_key}'s data "
            f"(same business ID {card.business_id}; seed 003): {card.changes}",
        )

    def update(self, target_key: str, record: MappedRecord) -> None:
        self._edit(target_key, record)

    def find_by_business_key(self, business_key: str) -> str | None:
        card = self.cards.get(business_key)
        return card.netvisor_key if card is not None else None
