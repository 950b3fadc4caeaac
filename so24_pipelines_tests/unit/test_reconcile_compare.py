"""X7's record-by-record comparison and its differences table, one function at a time."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from so24_pipelines.flows.reconcile.compare import RECORD, Sides, compare, normal, stock_differences, value_at
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync import MappedRecord
from so24_pipelines.sync.differences import read_differences, record_differences


def test_values_compare_as_the_same_value_whatever_their_spelling() -> None:
    assert normal(4321.5) == normal(Decimal("4321.50")) == normal("4321.5") == "4321.5"
    assert normal("") is None and normal("  ") is None and normal(None) is None
    assert normal(" Oslo  sentrum ") == "Oslo sentrum"
    assert normal(0.0) == normal("0") == "0"
    assert value_at({"group": {"number": 7, "name": "Tools"}}, "group") == 7
    assert value_at({"physical": {"weight": 1.5}}, "physical.weight") == 1.5


def _sides(so24: dict[str, MappedRecord], other: dict[str, dict], linked: dict[str, str]) -> Sides:
    return Sides(
        so24=so24, other=other, linked=linked,
        holder=lambda r: r.get("so24_id"), business_key=lambda r: r.get("number"),
    )  # fmt: skip


def test_each_kind_of_difference_is_named() -> None:
    so24 = {
        "1": MappedRecord("1", {"number": "A", "name": "Same", "sales_price": Decimal("10.00")}, "A"),
        "2": MappedRecord("2", {"number": "B", "name": "New name"}, "B"),
        "3": MappedRecord("3", {"number": "C", "name": "Never sent"}, "C"),
        "4": MappedRecord("4", {"number": "D", "name": "Deleted there"}, "D"),
        "5": MappedRecord("5", {}, None, "product number too long"),
    }
    other = {
        "A": {"number": "A", "name": "Same", "sales_price": 10},
        "B": {"number": "B", "name": "Old name"},
        "E": {"number": "E", "name": "Its 24SO record is gone", "so24_id": "9"},
        "F": {"number": "F", "name": "Made over there"},
    }
    linked = {"1": "A", "2": "B", "4": "D", "9": "E"}
    own = compare(
        "products",
        "rackbeat",
        _sides(so24, other, linked),
        ("name", "sales_price"),
        others_are_differences=False,
    )
    found = {(d.key, d.field, d.kind) for d in own.differences}
    assert found == {
        ("2", "name", "field"),
        ("3", RECORD, "only_in_so24"),
        ("4", RECORD, "missing_in_rackbeat"),
        ("9", RECORD, "missing_in_so24"),
    }
    assert (own.paired, own.skipped_by_flow, own.others_own) == (2, 1, 1)
    both = compare(
        "products", "rackbeat", _sides(so24, other, linked), ("name",), others_are_differences=True
    )
    assert ("rackbeat:F", RECORD, "only_in_rackbeat") in {(d.key, d.field, d.kind) for d in both.differences}
    skipped = compare("products", "rackbeat", _sides(so24, other, linked), ("name",), others_are_differences=True,
                      others_skipped={"F"})  # fmt: skip
    assert "rackbeat:F" not in {d.key for d in skipped.differences} and skipped.skipped_by_flow == 2


def test_a_record_not_in_the_id_map_is_paired_by_its_link_then_its_number() -> None:
    so24 = {
        "1": MappedRecord("1", {"number": "A", "name": "x"}, "A"),
        "2": MappedRecord("2", {"number": "B", "name": "y"}, "B"),
    }
    other = {"Z": {"number": "Z", "name": "x", "so24_id": "1"}, "B": {"number": "B", "name": "y"}}
    result = compare("products", "rackbeat", _sides(so24, other, {}), ("name",), others_are_differences=True)
    assert result.differences == [] and result.pairs == {"1": "Z", "2": "B"}


def test_an_empty_number_reads_back_as_zero_and_is_no_difference() -> None:
    so24 = {"1": MappedRecord("1", {"number": "A", "recommended_cost_price": None}, "A")}
    other = {"A": {"number": "A", "recommended_cost_price": 0.0}}
    result = compare("products", "rackbeat", _sides(so24, other, {"1": "A"}), ("recommended_cost_price",),
                     others_are_differences=False)  # fmt: skip
    assert result.differences == []


def test_stock_is_compared_on_paired_products_only() -> None:
    found = stock_differences(
        "stock", {"1": "A", "2": "B"}, {"1": "5", "2": None, "3": "8"}, {"A": 5.0, "B": 2}
    )
    assert [(d.key, d.so24_value, d.other_value) for d in found] == [("2", None, "2")]


def test_a_difference_seen_on_two_nights_is_one_row_with_its_age_and_closes_when_gone(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    night = datetime(2026, 3, 1, 2, 0)
    row = ("products", "1010", "sales_price", "field", "4321.5", "1104", False, "edited", "R1 writes ...")
    with transaction(db) as con:
        record_differences(con, "rackbeat", ["products"], [row], "run-1", night)
        record_differences(con, "rackbeat", ["products"], [row], "run-2", night + timedelta(days=1))
    with connect(db) as con:
        (seen,) = read_differences(con, "rackbeat")
    assert (seen.first_seen, seen.last_seen, seen.age_days, seen.open) == (
        night,
        night + timedelta(days=1),
        1.0,
        True,
    )

    with transaction(db) as con:
        record_differences(
            con, "rackbeat", ["stock"], [], "run-3", night + timedelta(days=2)
        )  # another entity
        assert len(read_differences(con, "rackbeat")) == 1
        record_differences(con, "rackbeat", ["products"], [], "run-4", night + timedelta(days=3))
        assert read_differences(con, "rackbeat") == []
        (closed,) = read_differences(con, "rackbeat", open_only=False)
        assert closed.resolved_at == night + timedelta(days=3)
        record_differences(con, "rackbeat", ["products"], [row], "run-5", night + timedelta(days=4))
        (again,) = read_differences(con, "rackbeat")
    assert again.first_seen == night + timedelta(days=4) and again.resolved_at is None


def test_the_check_passes_on_pending_warns_on_unexplained_and_fails_above_the_threshold(
    tmp_path: Path,
) -> None:
    import dagster as dg

    from so24_pipelines.defs.reconcile.definitions import verdict

    db = tmp_path / "s.duckdb"

    def night(*rows: tuple) -> dg.AssetCheckResult:
        with transaction(db) as con:
            record_differences(con, "rackbeat", ["products"], list(rows), "run")
        return verdict(str(db), "rackbeat", "rackbeat", fail_above=1)

    pending = ("products", "1", "name", "field", "a", "b", True, "staged", None)
    assert night(pending).passed
    unexplained = ("products", "2", "name", "field", "a", "b", False, "edited in Rackbeat", None)
    warned = night(pending, unexplained)
    assert not warned.passed and warned.severity == dg.AssetCheckSeverity.WARN
    failed = night(
        pending, unexplained, ("products", "3", RECORD, "only_in_so24", "present", None, False, "new", None)
    )
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR
    assert "2 unexplained difference(s)" in failed.description
