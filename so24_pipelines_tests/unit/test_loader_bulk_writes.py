"""A target that writes in bulk (`write_many`): one call per batch, one outcome per record."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from so24_pipelines.connectors.errors import AuthError, RecordRejected, TransientError
from so24_pipelines.sync import MappedRecord
from so24_pipelines.sync.loader import load


class BulkStock:
    system, entity, upserts_by_key = "shop", "stock", True

    def __init__(self, refuse: frozenset[str] = frozenset(), fail_call: Exception | None = None) -> None:
        self.calls: list[list[str]] = []
        self.held: dict[str, object] = {}
        self.refuse, self.fail_call = refuse, fail_call

    def write_many(self, records: Sequence[MappedRecord]) -> list[str | Exception]:
        self.calls.append([r.source_key for r in records])
        if self.fail_call is not None:
            raise self.fail_call
        out: list[str | Exception] = []
        for r in records:
            if r.source_key in self.refuse:
                out.append(RecordRejected(f"unknown code {r.payload['code']}"))
            else:
                self.held[r.payload["code"]] = r.payload["qty"]
                out.append(str(r.payload["code"]))
        return out

    def create(self, record: MappedRecord) -> str:
        raise AssertionError("a bulk target is written through write_many only")

    update = find_by_business_key = create


def records(qty: int = 5, n: int = 5) -> list[MappedRecord]:
    return [MappedRecord(f"p{i}", {"code": f"EAN{i}", "qty": qty}, business_key=f"EAN{i}") for i in range(n)]


def test_one_call_per_batch_and_only_changed_figures_the_next_time(tmp_path: Path) -> None:
    db, target = tmp_path / "s.duckdb", BulkStock()
    _, report = load(db, "L1", records(), target, run_id="r1", batch_size=2)
    assert [len(c) for c in target.calls] == [2, 2, 1] and report.created == 5
    changed = [*records(n=4), MappedRecord("p4", {"code": "EAN4", "qty": 9}, business_key="EAN4")]
    _, report = load(db, "L1", changed, target, run_id="r2", batch_size=2)
    assert target.calls[3:] == [["p4"]], "only the changed figure is sent"
    assert (report.updated, report.unchanged) == (1, 4) and target.held["EAN4"] == 9


def test_a_refused_item_fails_alone_with_the_targets_words(tmp_path: Path) -> None:
    _, report = load(tmp_path / "s.duckdb", "L1", records(), BulkStock(frozenset({"p2"})), run_id="r1")
    assert (report.created, report.failed) == (4, 1)
    assert "unknown code EAN2" in str(report.failures)


def test_a_failed_call_fails_its_batch_and_a_bad_credential_stops_the_load(tmp_path: Path) -> None:
    _, report = load(tmp_path / "a.duckdb", "L1", records(), BulkStock(fail_call=TransientError("HTTP 502")), run_id="r1")
    assert report.failed == 5
    with pytest.raises(AuthError):
        load(tmp_path / "b.duckdb", "L1", records(), BulkStock(fail_call=AuthError("bad token")), run_id="r1")
