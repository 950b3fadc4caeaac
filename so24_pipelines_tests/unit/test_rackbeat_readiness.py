"""Readiness report: what counts as ready, and that every problem says what to create and where."""

from __future__ import annotations

import pytest

from so24_pipelines.connectors.errors import ConfigError
from so24_pipelines.flows.rackbeat.readiness import HUB_FIELDS, Prerequisite, ReadinessReport, _group


def test_missing_group_names_number_name_and_where() -> None:
    item = _group(None, "customer", 1, "Customers")
    assert not item.ok
    assert item.fix == "Create customer group number 1 named 'Customers' in Rackbeat (Settings -> Customer groups)"


def test_group_with_another_name_must_be_renamed_but_case_does_not_matter() -> None:
    renamed = _group({"number": 1, "name": "Kunder"}, "customer", 1, "Customers")
    assert not renamed.ok and renamed.fix is not None and "Rename customer group number 1 to 'Customers'" in renamed.fix
    assert _group({"number": 1, "name": " suppliers "}, "supplier", 1, "Suppliers").ok


def test_report_lists_every_problem_and_marks_them_in_markdown() -> None:
    report = ReadinessReport(
        (
            Prerequisite("API key", True, "account Demo"),
            Prerequisite("payment term", False, "none defined", "Create at least one payment term"),
            Prerequisite("customer group 1 'Customers'", False, "missing", "Create customer group number 1"),
        )
    )
    assert not report.ok
    assert report.problems == ["Create at least one payment term", "Create customer group number 1"]
    markdown = report.to_markdown()
    assert "NOT ready: 2 to fix" in markdown
    assert "| payment term | **no** | none defined | Create at least one payment term |" in markdown
    assert "| API key | yes | account Demo |  |" in markdown


def test_cells_with_pipes_do_not_break_the_table() -> None:
    report = ReadinessReport((Prerequisite("x", False, "a|b", "fix | it"),))
    assert "a\\|b" in report.to_markdown() and "fix \\| it" in report.to_markdown()


def test_field_id_of_a_missing_field_is_a_config_error_naming_the_field() -> None:
    report = ReadinessReport((Prerequisite("API key", True, "ok"),), {"products": 7})
    assert report.ok and report.field_id("products") == 7
    with pytest.raises(ConfigError, match="'24so customer id'"):
        report.field_id("customers")


def test_hub_fields_cover_products_customers_and_suppliers() -> None:
    assert HUB_FIELDS == {
        "products": ("24so product id", "item"),
        "customers": ("24so customer id", "customer"),
        "suppliers": ("24so supplier id", "supplier"),
    }
