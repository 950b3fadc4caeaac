"""The value rules of every staged column, once in SQL (the upsert) and once in Python (the converter).

Values reach staging as text. The upsert cleans and types a whole batch in SQL; the JSON converter
(`staging/rows.py`) checks each record in Python first, so a record with a child list (an invoice
and its lines) is rejected whole before anything is written. Both apply these rules, and
`unit/test_staging_values.py` holds them to the same answers:

- blank is NULL (for VARCHAR only the empty text; other types are trimmed first);
- .NET's "unset" values (Int32.MinValue, Decimal.MinValue, a year-1 date, the empty GUID ...) are NULL;
- numbers are exact or rejected, never rounded: plain decimal notation only (no exponent, no
  hex, no `1_000`); an integer column takes whole numbers in its range ("1.5" is rejected, "2.0"
  is 2); DECIMAL(p,s) takes at most s decimals after trailing zeros and p-s digits before the
  point (12.345678901234 and 0.00001 are rejected from DECIMAL(18,4), 2.50000 is 2.5);
- BOOLEAN takes what DuckDB reads as one (true/false, t/f, yes/no, y/n, 1/0, any case);
- TIMESTAMP: ISO text without an offset (the converter has already made JSON times naive UTC);
- a required column that ends up NULL rejects the record ("missing required field x").

A rejected record is named by its key; one without a key gets `no_key_text(...)`: a digest of its
content, so the same bad record keeps its name from run to run and two different ones never share
it (with `-2`, `-3` for identical copies in one batch).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from so24_pipelines.staging.tables import Column

# .NET "unset" values 24SO may send; they mean "no value" and are stored as NULL.
SENTINELS = (
    "-2147483648",
    "-32768",
    "-9223372036854775808",
    "-79228162514264337593543950335",
    "-1.7976931348623157E+308",
    "00000000-0000-0000-0000-000000000000",
)
_SENTINEL_LIST = ", ".join(f"'{v}'" for v in SENTINELS)
UNSET_DATE = "0001-01-01"

INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "TINYINT": (-(2**7), 2**7 - 1),
    "SMALLINT": (-(2**15), 2**15 - 1),
    "INTEGER": (-(2**31), 2**31 - 1),
    "BIGINT": (-(2**63), 2**63 - 1),
    "HUGEINT": (-(2**127), 2**127 - 1),
}
_DECIMAL_TYPE = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
_PLAIN = r"[+-]?(\d+\.?\d*|\.\d+)"
_WHOLE = r"[+-]?(\d+\.?0*|\.0+)"
_PLAIN_RE = re.compile(_PLAIN, re.ASCII)  # RE2 in DuckDB: \d is 0-9 only
_WHOLE_RE = re.compile(_WHOLE, re.ASCII)
BOOLEAN_TEXT = frozenset({"true", "false", "t", "f", "yes", "no", "y", "n", "1", "0"})


def decimal_shape(sql_type: str) -> tuple[int, int] | None:
    """(precision, scale) of a DECIMAL(p,s) type, else None."""
    match = _DECIMAL_TYPE.match(sql_type.strip().upper())
    return (int(match.group(1)), int(match.group(2))) if match else None


def is_number(sql_type: str) -> bool:
    return sql_type in INTEGER_RANGES or decimal_shape(sql_type) is not None


# --- Python -----------------------------------------------------------------------------------------


def clean(column: Column, text: str | None) -> str | None:
    """The text the column's cast sees: NULL for blank and .NET unset values (as `clean_sql`)."""
    if text is None:
        return None
    if column.sql_type == "VARCHAR":
        return text or None
    if column.sql_type == "TIMESTAMP":
        return None if text.startswith(UNSET_DATE) else (text.strip() or None)
    if text in SENTINELS:
        return None
    return text.strip() or None


def _digits(text: str) -> tuple[str, str]:
    """Significant digits before and after the point of plain decimal text."""
    body = text.lstrip("+-")
    whole, _, fraction = body.partition(".")
    return whole.lstrip("0"), fraction.rstrip("0")


def problem(column: Column, text: str | None) -> str | None:
    """Why the cleaned text does not fit the column exactly (as `problem_sql`), or None."""
    if text is None:
        return f"missing required field {column.name}" if column.required else None
    name, sql_type = column.name, column.sql_type
    if sql_type in INTEGER_RANGES:
        if not _PLAIN_RE.fullmatch(text):
            return f"{name}={text} is not a valid {sql_type}"
        if not _WHOLE_RE.fullmatch(text):
            return f"{name}={text} is not a whole number ({sql_type} would round it)"
        low, high = INTEGER_RANGES[sql_type]
        if not low <= int(Decimal(text)) <= high:
            return f"{name}={text} is out of range for {sql_type}"
        return None
    shape = decimal_shape(sql_type)
    if shape is not None:
        precision, scale = shape
        if not _PLAIN_RE.fullmatch(text):
            return f"{name}={text} is not a valid {sql_type}"
        whole, fraction = _digits(text)
        if len(fraction) > scale:
            return f"{name}={text} has more than {scale} decimals ({sql_type} would round it)"
        if len(whole) > precision - scale:
            return f"{name}={text} is too large for {sql_type} (at most {precision - scale} digits before the point)"
        return None
    if sql_type == "BOOLEAN" and text.lower() not in BOOLEAN_TEXT:
        return f"{name}={text} is not a valid {sql_type}"
    if sql_type == "TIMESTAMP" and not _is_timestamp(text):
        return f"{name}={text} is not a valid {sql_type}"
    return None


def _is_timestamp(text: str) -> bool:
    """ISO date or date-time without an offset (what the converter writes; DuckDB reads the same)."""
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return False
    return parsed.tzinfo is None


def no_key_text(key_column: str, content: Sequence[object], seen: Counter[str]) -> str:
    """A record's name when it has no key: a digest of its content, numbered among identical copies."""
    digest = hashlib.sha1("\x1f".join("\x00" if v is None else str(v) for v in content).encode()).hexdigest()[:12]
    seen[digest] += 1
    suffix = f"-{seen[digest]}" if seen[digest] > 1 else ""
    return f"(no {key_column}) {digest}{suffix}"


# --- SQL --------------------------------------------------------------------------------------------


def clean_sql(column: Column) -> str:
    """SQL for `clean`: the column's text with blank and unset values as NULL."""
    name = column.name
    if column.sql_type == "VARCHAR":
        return f"NULLIF({name}, '')"
    if column.sql_type == "TIMESTAMP":
        return f"CASE WHEN starts_with({name}, '{UNSET_DATE}') THEN NULL ELSE NULLIF(TRIM({name}), '') END"
    return f"CASE WHEN {name} IN ({_SENTINEL_LIST}) THEN NULL ELSE NULLIF(TRIM({name}), '') END"


def problem_sql(column: Column) -> str | None:
    """SQL for `problem` over the cleaned column: the reason text, or NULL when the value fits."""
    name, sql_type = column.name, column.sql_type
    shown = f"'{name}=' || {name}"
    cases: list[str] = []
    if sql_type in INTEGER_RANGES:
        cases += [
            f"WHEN NOT regexp_full_match({name}, '{_PLAIN}') THEN {shown} || ' is not a valid {sql_type}'",
            f"WHEN NOT regexp_full_match({name}, '{_WHOLE}') "
            f"THEN {shown} || ' is not a whole number ({sql_type} would round it)'",
            f"WHEN TRY_CAST({name} AS {sql_type}) IS NULL THEN {shown} || ' is out of range for {sql_type}'",
        ]
    elif (shape := decimal_shape(sql_type)) is not None:
        precision, scale = shape
        fraction = f"rtrim(regexp_extract({name}, '\\.(\\d*)$', 1), '0')"
        whole = f"ltrim(regexp_extract({name}, '^[+-]?(\\d*)', 1), '0')"
        cases += [
            f"WHEN NOT regexp_full_match({name}, '{_PLAIN}') THEN {shown} || ' is not a valid {sql_type}'",
            f"WHEN length({fraction}) > {scale} "
            f"THEN {shown} || ' has more than {scale} decimals ({sql_type} would round it)'",
            f"WHEN length({whole}) > {precision - scale} "
            f"THEN {shown} || ' is too large for {sql_type} (at most {precision - scale} digits before the point)'",
        ]
    elif sql_type != "VARCHAR":
        cases.append(f"WHEN TRY_CAST({name} AS {sql_type}) IS NULL THEN {shown} || ' is not a valid {sql_type}'")
    if column.required:
        cases.insert(0, f"WHEN {name} IS NULL THEN 'missing required field {name}'")
    elif cases:
        cases.insert(0, f"WHEN {name} IS NULL THEN NULL")
    return f"CASE {' '.join(cases)} END" if cases else None
