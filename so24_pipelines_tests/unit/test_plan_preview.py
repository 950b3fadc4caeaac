"""`Plan.to_markdown`: what will not stay as it is comes first; unchanged records are only counted."""

from __future__ import annotations

from so24_pipelines.sync import MappedRecord
from so24_pipelines.sync.planner import Plan, PlannedItem


def _item(action: str, key: str, reason: str | None = None) -> PlannedItem:
    return PlannedItem(action, MappedRecord(key, {"n": key}, business_key=f"B{key}"), reason=reason)  # type: ignore[arg-type]


def _plan(*items: PlannedItem) -> Plan:
    return Plan("R1.products", "rackbeat", "products", "so24", False, tuple(items))


def test_unchanged_rows_are_counted_not_listed_and_changes_come_first() -> None:
    unchanged = [_item("unchanged", str(n)) for n in range(100, 400)]
    changes = [
        _item("update", "7", "payload changed since last sent"),
        _item("create", "8"),
        _item("skip", "9", "name missing in 24SO"),
        _item("resolve", "10", "a create sent in run r1 was never confirmed"),
    ]
    text = _plan(*unchanged[:150], *changes, *unchanged[150:]).to_markdown(limit=50)
    lines = text.splitlines()
    assert lines[0] == "**R1.products** → rackbeat/products: skip 1, create 1, resolve 1, update 1, unchanged 300"
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| action")]
    assert [row.split(" | ")[0] for row in rows] == ["| skip", "| create", "| resolve", "| update"]
    assert "| skip | 9 | B9 | name missing in 24SO |" in rows
    assert "| update | 7 | B7 | payload changed since last sent |" in rows
    assert "| unchanged |" not in text
    assert "300 unchanged (same as last sent; not listed)" in text
    assert "more" not in text


def test_the_limit_counts_only_the_listed_rows() -> None:
    items = [_item("unchanged", str(n)) for n in range(80)] + [_item("create", f"c{n}") for n in range(5)]
    text = _plan(*items).to_markdown(limit=3)
    assert text.count("| create |") == 3
    assert "… and 2 more" in text
    assert "80 unchanged" in text


def test_a_tick_with_nothing_to_do_is_one_count_line() -> None:
    text = _plan(*[_item("unchanged", str(n)) for n in range(10)]).to_markdown()
    assert text.splitlines()[0].endswith("unchanged 10")
    assert "| action |" not in text and "10 unchanged" in text
    assert "nothing to do" in _plan().to_markdown()
