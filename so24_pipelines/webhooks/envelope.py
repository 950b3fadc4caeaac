"""What the inbox needs to know about one delivery: event id, event name, entity key, time.

The event id decides what counts as a duplicate, and senders redeliver (a timeout on their side,
a retry after a 5xx, a manual "resend" in their UI). When the payload carries the sender's own
delivery id we use it; otherwise the id is a SHA-256 of the source and the exact raw body, so a
redelivered identical body collapses into the stored event while two different changes of the
same entity (same key, different body) stay two events. Ids are prefixed with the source because
two senders' id spaces can overlap.

`occurred_at` is the sender's time of the change when the payload has one. Deliveries can arrive
out of order (retries, parallel senders); consumers that care order by it, falling back to `seq`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from so24_pipelines.webhooks.sources import WebhookSource

MAX_EVENT_NAME_LENGTH = 200


class EventNameError(ValueError):
    """The delivery names no usable event in its body, its event header or the ?event= parameter."""


@dataclass(frozen=True, slots=True)
class Envelope:
    event_id: str
    event: str
    entity_key: str | None
    occurred_at: str | None


def normalize_time(value: Any) -> str | None:
    """ISO-8601 with microseconds, so stored times compare correctly as text.

    Offset-aware times are converted to UTC. Times without an offset (Rackbeat documents
    "2025-01-08 10:30:00") stay naive: guessing the sender's zone would silently shift them.
    Numbers are Unix seconds. Anything unparseable is None; the raw value stays in the payload.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            parsed = datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.isoformat(timespec="microseconds")


def _dig(payload: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = payload
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        text = str(value).strip()
        return text or None
    return None


def body_hash(source: str, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(source.encode("utf-8"))
    digest.update(b"\x00")
    digest.update(body)
    return digest.hexdigest()


def describe(
    source: WebhookSource,
    body: bytes,
    payload: Mapping[str, Any],
    headers: Mapping[str, str],
    query: Mapping[str, str],
) -> Envelope:
    """Derive the inbox columns for one delivery; raises EventNameError when it has no name."""
    sender_id = next((t for f in source.id_fields if (t := _scalar_text(payload.get(f)))), None)
    event_id = (
        f"{source.name}:{sender_id}" if sender_id else f"{source.name}:sha256:{body_hash(source.name, body)}"
    )

    event = _scalar_text(payload.get("event"))
    if event is None and source.event_header:
        event = (headers.get(source.event_header) or "").strip() or None
    if event is None:
        event = (query.get("event") or "").strip() or None
    if event is None:
        raise EventNameError(
            f'no event name: send it as "event" in the body'
            f"{f', the {source.event_header} header' if source.event_header else ''}"
            " or ?event= in the registered URL"
        )
    if len(event) > MAX_EVENT_NAME_LENGTH:
        raise EventNameError(f"event name longer than {MAX_EVENT_NAME_LENGTH} characters")

    entity_key = _scalar_text(payload.get(source.key_field)) if source.key_field else None
    occurred_at = next(
        (t for path in source.time_paths if (t := normalize_time(_dig(payload, path))) is not None), None
    )
    return Envelope(event_id=event_id, event=event, entity_key=entity_key, occurred_at=occurred_at)
