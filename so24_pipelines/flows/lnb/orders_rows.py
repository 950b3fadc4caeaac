"""What L2 checks on a mapped order's rows before 24SO sees them: one product per line, a real discount.

- One product per line. The spec joins each line to the 24SO products by EAN13 (EAN1) and by SKU
  (product number). 24SO does not make EAN1 unique, so a code two products share would give a
  line twice (twice the quantity on the order). An order whose rows do not match its staged lines
  one for one is blocked, naming each line and the products its code matches; it goes once the
  code is unique in 24SO.
- The discount. 24SO's DiscountRate is a percentage; how LNB writes discount_rate is not
  documented (the sandbox: 0.1 for 10 %), so `flows.L2.discount_rate_unit` says, and a fraction is
  scaled here (the mapping engine has no arithmetic on purpose). A rate outside 0-100 % after that
  blocks the order: the unit setting is probably wrong, and 24SO would bill a negative line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from so24_pipelines.flows.lnb.tables import ORDER_LINES
from so24_pipelines.mapping.transforms import as_text
from so24_pipelines.staging.db import connect
from so24_pipelines.sync import MappedRecord

HUNDRED = Decimal(100)
DiscountUnit = Literal["fraction", "percent"]

_LINES = f"""
    SELECT l.order_reference, l.position, l.ean13, l.sku,
           (SELECT list(p.id ORDER BY p.id) FROM staging.so24_products p
             WHERE p.identity = l.identity AND p.ean1 = l.ean13) AS by_ean13,
           (SELECT list(p.id ORDER BY p.id) FROM staging.so24_products p
             WHERE p.identity = l.identity AND p.no = l.sku) AS by_sku
    FROM {ORDER_LINES.qualified} l
    WHERE l.identity = ? AND list_contains(?::VARCHAR[], l.order_reference)
    ORDER BY l.order_reference, l.position
"""  # noqa: S608 - declared table names only


def rows_of(record: MappedRecord) -> list[dict[str, Any]]:
    """The InvoiceRow dicts of a mapped order (the spec's InvoiceRows.InvoiceRow)."""
    return list((record.payload.get("InvoiceRows") or {}).get("InvoiceRow") or [])


def _lines(
    db_path: str | Path, identity: str, references: Sequence[str]
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Per order reference: how many lines LNB has, and each line whose code is on several 24SO products."""
    with connect(db_path) as con:
        lines = con.execute(_LINES, [identity, list(references)]).fetchall()
    counts: dict[str, int] = {}
    shared: dict[str, list[str]] = {}
    for reference, position, ean13, sku, by_ean13, by_sku in lines:
        counts[reference] = counts.get(reference, 0) + 1
        for label, code, ids in (("EAN13", ean13, by_ean13), ("SKU", sku, by_sku)):
            if ids and len(ids) > 1:
                named = ", ".join(str(i) for i in ids)
                shared.setdefault(reference, []).append(
                    f"line {position}: {label} '{code}' is on several 24SO products ({named}); make it unique in 24SO"
                )
    return counts, shared


def checked_rows(
    db_path: str | Path, identity: str, records: Sequence[MappedRecord], *, discount_unit: DiscountUnit
) -> list[MappedRecord]:
    """`records` with each mapped order's rows checked (module docstring): blocked ones become skips."""
    fresh = [r.source_key for r in records if not r.skip_reason]
    counts, shared = _lines(db_path, identity, fresh) if fresh else ({}, {})
    out = []
    for record in records:
        if record.skip_reason:
            out.append(record)
            continue
        rows = rows_of(record)
        lines = counts.get(record.source_key, 0)
        problems: list[str] = []
        if len(rows) != lines:
            problems = shared.get(record.source_key) or [
                f"{lines} line(s) in LNB became {len(rows)} 24SO rows"
            ]
        scaled, discount_problems = _discounts(rows, discount_unit)
        problems += discount_problems
        if problems:
            out.append(
                replace(record, payload={}, skip_reason=f"order {record.source_key}: " + "; ".join(problems))
            )
            continue
        out.append(replace(record, payload={**record.payload, "InvoiceRows": {"InvoiceRow": scaled}}))
    return out


def _discounts(rows: list[dict[str, Any]], unit: DiscountUnit) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows with DiscountRate as 24SO's percentage, and a problem per rate that is none."""
    out: list[dict[str, Any]] = []
    problems: list[str] = []
    for position, row in enumerate(rows, start=1):
        rate = row.get("DiscountRate")
        if rate is None:
            out.append(row)
            continue
        percent = rate * HUNDRED if unit == "fraction" else rate
        if not Decimal(0) <= percent <= HUNDRED:
            problems.append(
                f"line {position}: discount {as_text(percent)} % is not 0-100 % "
                f"(LNB sent {as_text(rate)}; check flows.L2.discount_rate_unit, now {unit})"
            )
        out.append({**row, "DiscountRate": percent})
    return out, problems
