"""With faults injected into 24SO the extraction still completes with the fault-free result."""

from __future__ import annotations

import pytest

from so24_pipelines_tests.e2e.so24_harness import materialize_extraction, resources, rows

pytestmark = pytest.mark.reliability

TABLES = ("so24_products", "so24_companies", "so24_orders", "so24_order_rows", "so24_projects", "so24_persons")


def _snapshot(db) -> dict[str, list[tuple]]:
    return {t: rows(db, f"SELECT * EXCLUDE (_extracted_at) FROM staging.{t} ORDER BY ALL") for t in TABLES}  # noqa: S608


def test_ten_percent_faults_give_the_same_staged_result(sandbox, tmp_path):
    clean_db, faulty_db = tmp_path / "clean.duckdb", tmp_path / "faulty.duckdb"
    assert materialize_extraction(resources(sandbox, clean_db)).success

    sandbox.control(
        "POST", "24so/faults",
        json={"rate": 0.1, "kinds": ["5xx", "limit", "drop", "malformed", "html", "latency"], "seed": 11, "latency_ms": 50},
    )
    result = materialize_extraction(resources(sandbox, faulty_db, max_retries=8))
    injected = sandbox.control("GET", "24so/faults").json()["injected"]
    sandbox.control("DELETE", "24so/faults")

    assert result.success
    assert sum(injected.values()) > 0
    assert _snapshot(faulty_db) == _snapshot(clean_db)
