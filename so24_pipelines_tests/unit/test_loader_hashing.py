"""The payload hash the loader diffs on must not drift between runs, machines or time zones."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from so24_pipelines.sync import MappedRecord, UnhashablePayload, canonical_json, payload_hash, plan


def test_dict_order_does_not_change_the_hash() -> None:
    one = {"b": 1, "a": {"y": [1, 2], "x": "æøå"}}
    two = {"a": {"x": "æøå", "y": [1, 2]}, "b": 1}
    assert payload_hash(one) == payload_hash(two)
    assert canonical_json(one) == '{"a":{"x":"æøå","y":[1,2]},"b":1}'


def test_decimals_hash_by_value_not_by_spelling() -> None:
    assert payload_hash({"price": Decimal("1.50")}) == payload_hash({"price": Decimal("1.5")})
    assert canonical_json({"q": Decimal("1E+2"), "z": Decimal("-0.00")}) == '{"q":"100","z":"0"}'
    assert payload_hash({"price": Decimal("1.5")}) != payload_hash({"price": Decimal("1.51")})


def test_aware_datetimes_hash_as_the_same_instant_in_utc() -> None:
    oslo_summer = timezone(timedelta(hours=2))
    local = datetime(2024, 6, 1, 14, 30, tzinfo=oslo_summer)
    utc = datetime(2024, 6, 1, 12, 30, tzinfo=UTC)
    assert payload_hash({"at": local}) == payload_hash({"at": utc})
    assert canonical_json({"at": local}) == '{"at":"2024-06-01T12:30:00+00:00"}'
    assert canonical_json({"d": date(2024, 1, 2), "n": datetime(2024, 1, 2, 3, 4)}) == (
        '{"d":"2024-01-02","n":"2024-01-02T03:04:00"}'
    )


def test_tuples_sets_and_uuids_have_one_form() -> None:
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert canonical_json({"t": (1, 2), "s": {"b", "a"}, "u": ident}) == (
        '{"s":["a","b"],"t":[1,2],"u":"12345678-1234-5678-1234-567812345678"}'
    )
    assert payload_hash({"s": {3, 1, 2}}) == payload_hash({"s": {2, 3, 1}})


@pytest.mark.parametrize(
    "bad",
    [{"x": float("nan")}, {"x": Decimal("Infinity")}, {"x": object()}, {1: "non-string key"}],
    ids=["nan", "decimal-inf", "object", "int-key"],
)
def test_values_without_a_canonical_form_are_refused_with_their_path(bad: dict[object, object]) -> None:
    with pytest.raises(UnhashablePayload, match=r"\$"):
        payload_hash(bad)


def test_unserialisable_payload_is_skipped_by_the_planner_with_the_reason(tmp_path: Path) -> None:
    the_plan = plan(
        tmp_path / "s.duckdb",
        "flow",
        [MappedRecord("1", {"weight": float("nan")}, business_key="A")],
        target_system="t",
        target_entity="e",
    )
    assert the_plan.items[0].action == "skip"
    assert "payload cannot be serialised: $.weight" in (the_plan.items[0].reason or "")
