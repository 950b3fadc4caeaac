"""One way for a sensor to read the webhook inbox: a cursor per event name, one run per event.

The inbox (webhooks/inbox.py) keeps every event until a flow marks it processed; a sensor reads
what arrived after its cursor, event name by event name (so a burst of one kind cannot starve
another), and starts runs with run_key = event id, so Dagster never starts two runs for one
event however often the sensor ticks. The cursor is JSON {event name: last seq seen}; a plain
number (how the R7 sensor kept it before) counts for every event name, so an upgrade skips
nothing and repeats nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from so24_pipelines.webhooks.inbox import Event, Inbox

EVENT_BATCH = 500


def _marks(cursor: str | None, names: Iterable[str]) -> dict[str, int]:
    if not cursor:
        return {}
    if cursor.strip().isdigit():
        return dict.fromkeys(names, int(cursor))
    return {name: int(seq) for name, seq in json.loads(cursor).items()}


def new_events(
    box: Inbox, cursor: str | None, names: Iterable[str], *, source: str, limit: int = EVENT_BATCH,
    include_processed: bool = False,
) -> tuple[dict[str, list[Event]], str]:
    """The unprocessed events of each name after the cursor (oldest first), and the cursor after them;
    `include_processed` for a sensor that does not own the events' processed mark (Inbox.pending)."""
    names = list(names)
    marks = _marks(cursor, names)
    found: dict[str, list[Event]] = {}
    for name in names:
        events = box.pending(
            after_seq=marks.get(name, 0), limit=limit, event=name, source=source, include_processed=include_processed
        )
        found[name] = events
        if events:
            marks[name] = events[-1].seq
    return found, json.dumps(marks, sort_keys=True)
