"""What a flow hands the loader: mapped records, and the target they go to.

The loader knows nothing about Rackbeat or Ongoing; it sees a `Target` with four promises. The
one that matters for "never create twice" (X3) is `find_by_business_key`: after a crash between
the target accepting a create and us recording it, the loader asks the target whether a record
with our business key exists before it creates again. So a flow must pick a business key that
the target stores and can search by (Rackbeat: product number, or the "24so product id" custom
field; Ongoing: article number; ...).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from so24_pipelines.connectors.errors import ConnectorError


@dataclass(frozen=True)
class MappedRecord:
    """One source record after mapping, ready to be written to one target entity.

    source_key: the record's id in the source system (stable, unique within the flow).
    payload: exactly what the target connector sends; the loader hashes it to detect changes.
    business_key: a key the target stores and can be searched by (see `Target.find_by_business_key`).
        Without it a create cannot be resolved after a crash, so the loader refuses to create the
        record unless the target upserts by key.
    skip_reason: set by the mapping when the record cannot go, in words a user can act on
        ("product number 'X' is 27 characters; Rackbeat allows 25"); the loader logs it, never sends.
    source_version: the source's change marker (e.g. 24SO DateChanged), kept in the sync log.
    """

    source_key: str
    payload: dict[str, Any] = field(default_factory=dict)
    business_key: str | None = None
    skip_reason: str | None = None
    source_version: str | None = None


@dataclass(frozen=True)
class Found:
    """What `Target.create` returns when the record was already there (match before create): the
    loader confirms the link in the id map as for a create, but logs it as `resolved` with `how`
    (linked as it was, or its owned fields written), so the sync log never says "create" for a
    record nobody created."""

    target_key: str
    how: str


def key_of(answer: str | Found) -> str:
    """The target key a `Target.create` answer carries, made or found."""
    return answer.target_key if isinstance(answer, Found) else answer


@runtime_checkable
class Target(Protocol):
    """One entity of one target system, as the loader writes it.

    Implementations must be safe to call from several threads at once (the loader sends with a
    bounded thread pool) and must raise the typed connector errors:
    RecordRejected (this record is refused; the batch goes on), TransientError (still failing after
    the connector's own retries; retried on a later tick), AuthError/ConfigError (the whole load stops).

    Optional attribute `upserts_by_key: bool` (read with default False): True when `create` is an
    upsert keyed on something in the payload, so sending the same create twice yields one record.
    Only such targets may receive records without a business key, and for them a create left
    unresolved by a crash is simply sent again.

    Optional method `write_many(records) -> Sequence[str | ConnectorError]`, for upserting targets
    whose API writes many records in one call (bulk stock): the loader then sends each batch of
    creates and updates in one call instead of one call per record. One answer per record, in
    order: its target key, or the error that refused it (or left it unknown). An error raised by
    the call itself is every record's answer. Being an upsert, a batch whose answer was lost is
    simply sent again.
    """

    system: str
    entity: str

    def create(self, record: MappedRecord) -> str | Found:
        """Create the record; return the target's key for it (`Found` when it was already there)."""
        ...

    def update(self, target_key: str, record: MappedRecord) -> None:
        """Overwrite the target record with the record's payload."""
        ...

    def find_by_business_key(self, business_key: str) -> str | None:
        """The target key of the record carrying this business key, or None if there is none."""
        ...


class BulkUpsertTarget(ABC):
    """A target whose API only writes many records at once, each an upsert keyed in the payload
    (LNB stock by code, Smartdok's export marks by hour id): a create and an update are the same
    call with one record, and sending a record twice leaves one. Subclasses give `system`,
    `entity`, `write_many` and `find_by_business_key`."""

    upserts_by_key = True
    system: str
    entity: str

    @abstractmethod
    def write_many(self, records: Sequence[MappedRecord]) -> list[str | ConnectorError]:
        """One answer per record, in order: its target key, or the error that refused it."""

    @abstractmethod
    def find_by_business_key(self, business_key: str) -> str | None:
        """The target key of the record carrying this business key, or None if there is none."""

    def create(self, record: MappedRecord) -> str:
        answer = self.write_many([record])[0]
        if isinstance(answer, ConnectorError):
            raise answer
        return answer

    def update(self, target_key: str, record: MappedRecord) -> None:
        self.create(record)


def bulk_writer(target: object) -> Callable[[Sequence[MappedRecord]], Sequence[object]] | None:
    """The target's `write_many`, when it has one and upserts by key (else None: one call per record)."""
    write_many = getattr(target, "write_many", None)
    return write_many if callable(write_many) and upserts_by_key(target) else None


def upserts_by_key(target: object) -> bool:
    """The target's `upserts_by_key` flag, False when the target does not declare it."""
    return bool(getattr(target, "upserts_by_key", False))
