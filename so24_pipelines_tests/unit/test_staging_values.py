"""The value rules in Python (converter) and SQL (upsert) give the same answer for the same text."""

from __future__ import annotations

from collections import Counter

import duckdb
import pyarrow as pa
import pytest

from so24_pipelines.staging import values
from so24_pipelines.staging.tables import Column

CASES = {
    "INTEGER": ["7", " 7 ", "+7", "-7", "2.0", "5.", "007", "1.5", ".5", "0.0000001", "1e3", "0x10", "1_000",
                "2147483647", "2147483648", "-2147483648", "-2147483649", "", "  ", "abc", "１２"],
    "BIGINT": ["9223372036854775807", "9223372036854775808", "12.000", "12.01"],
    "DECIMAL(18,4)": ["12.5", "2.50000", "3.14159", "12.345678901234", "0.00001", "1e-05", "1E+30",
                      "1000000000000000000000000000000", "99999999999999.9999", "99999999999999.99995",
                      "100000000000000", "-99999999999999", ".5", "5.", "-0", "12,5", "",
                      "-79228162514264337593543950335", "79228162514264337593543950335"],
    "BOOLEAN": ["true", "FALSE", "t", "f", "yes", "no", "y", "n", "1", "0", "2", "on", " true "],
    "TIMESTAMP": ["2026-01-01T10:00:00", "9999-12-31T23:59:59", "0001-01-01T00:00:00", "soon", ""],
    "VARCHAR": ["", " ", "x"],
}  # fmt: skip


def _sql_answers(column: Column, texts: list[str]) -> list[str | None]:
    con = duckdb.connect()
    con.register("raw", pa.table({column.name: pa.array(texts, pa.string()), "_i": pa.array(range(len(texts)))}))
    problem = values.problem_sql(column) or "NULL"
    return [
        p for (p,) in con.execute(
            f"SELECT {problem} FROM (SELECT {values.clean_sql(column)} AS {column.name}, _i FROM raw) ORDER BY _i"  # noqa: S608
        ).fetchall()
    ]  # fmt: skip


@pytest.mark.parametrize("sql_type", list(CASES))
@pytest.mark.parametrize("required", [False, True])
def test_python_and_sql_agree_on_every_case(sql_type, required):
    column = Column("v", "v", sql_type, required=required)
    texts = CASES[sql_type]
    python = [values.problem(column, values.clean(column, t)) for t in texts]
    assert dict(zip(texts, python, strict=True)) == dict(zip(texts, _sql_answers(column, texts), strict=True))


def test_numbers_are_exact_or_rejected_with_the_reason():
    integer = Column("category_id", "CategoryId", "INTEGER")
    decimal = Column("weight", "Weight", "DECIMAL(18,4)")
    assert values.problem(integer, "2.0") is None
    assert values.problem(integer, "1.5") == "category_id=1.5 is not a whole number (INTEGER would round it)"
    assert values.problem(decimal, "2.50000") is None
    assert values.problem(decimal, "12.345678901234") == (
        "weight=12.345678901234 has more than 4 decimals (DECIMAL(18,4) would round it)"
    )
    assert values.problem(decimal, "0.00001") == "weight=0.00001 has more than 4 decimals (DECIMAL(18,4) would round it)"
    assert values.problem(decimal, "100000000000000") == (
        "weight=100000000000000 is too large for DECIMAL(18,4) (at most 14 digits before the point)"
    )
    assert values.problem(decimal, "1E+30") == "weight=1E+30 is not a valid DECIMAL(18,4)"


def test_sentinels_and_blanks_are_missing():
    integer = Column("id", "Id", "INTEGER", required=True)
    for text in (None, "", "  ", "-2147483648"):
        assert values.problem(integer, values.clean(integer, text)) == "missing required field id"
    assert values.clean(Column("d", "D", "TIMESTAMP"), "0001-01-01T00:00:00") is None
    assert values.clean(Column("s", "S", "VARCHAR"), " ") == " "


def test_records_without_a_key_get_a_name_each_stable_for_the_same_content():
    seen: Counter[str] = Counter()
    a = values.no_key_text("id", ["x", "1"], seen)
    b = values.no_key_text("id", ["y", "1"], seen)
    a2 = values.no_key_text("id", ["x", "1"], seen)
    assert len({a, b, a2}) == 3 and a.startswith("(no id) ") and a2 == f"{a}-2"
    assert values.no_key_text("id", ["x", "1"], Counter()) == a
