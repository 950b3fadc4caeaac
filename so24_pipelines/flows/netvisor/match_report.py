"""N2's match report in staging (staging.netvisor_matches): what N1 and the user read of the cascade.

One row per record of each side of a register, written by every N2 run (its dry runs too: the
report is what the preview shows, and N1's preview needs it), replacing the register's previous
report. N1 looks each of its source records up here (`entries`) before anything is written: a
linked record is linked, a held one is skipped with the hold's reason, an unmatched one may be
created on the other side. The id map records the links the loaders confirm; this table records
which rule made each of them, and why a record was held.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from so24_pipelines.flows.netvisor.matching import Case, Record, Side
from so24_pipelines.flows.netvisor.tables import MATCHES
from so24_pipelines.staging.db import transaction
from so24_pipelines.staging.rows import convert, upsert_converted
from so24_pipelines.staging.schema import table_ddl


@dataclass(frozen=True)
class Entry:
    """One record's line of the report, as N1 reads it."""

    register: str
    side: Side
    record_key: str
    record_code: str | None
    record_name: str | None
    outcome: str
    rule: str | None
    counterpart_keys: tuple[str, ...]
    counterpart_code: str | None
    counterpart_name: str | None
    reason: str | None

    @property
    def counterpart(self) -> str | None:
        """The one record a link names (None unless linked)."""
        return self.counterpart_keys[0] if self.outcome == "linked" and self.counterpart_keys else None


def _rows(case: Case, overwrites: Mapping[str, str], run_id: str) -> list[dict[str, object]]:
    sides: tuple[tuple[Side, tuple[Record, ...], tuple[Record, ...]], ...] = (
        ("netvisor", case.netvisor, case.rackbeat),
        ("rackbeat", case.rackbeat, case.netvisor),
    )
    rows = []
    for side, mine, theirs in sides:
        only = theirs[0] if len(theirs) == 1 else None
        for record in mine:
            rackbeat_key = record.key if side == "rackbeat" else (only.key if only else None)
            rows.append({
                "register": case.register, "side": side, "record_key": record.key, "record_code": record.code,
                "record_name": record.name, "record_business_id": record.business_id, "outcome": case.outcome,
                "rule": case.rule, "counterpart_keys": ",".join(r.key for r in theirs) or None,
                "counterpart_code": only.code if only else None, "counterpart_name": only.name if only else None,
                "reason": case.reason, "run_id": run_id,
                "overwrites": overwrites.get(rackbeat_key) if case.rule == "business_id" and rackbeat_key else None,
            })  # fmt: skip
    return rows


def store(
    db_path: str | Path,
    identity: str,
    registers: Sequence[str],
    cases: Iterable[Case],
    overwrites: Mapping[str, str],
    run_id: str,
) -> None:
    """Replace the report of `registers` with `cases`; `overwrites`: Rackbeat customer -> what changes."""
    rows = [row for case in cases for row in _rows(case, overwrites, run_id)]
    converted = convert(MATCHES, rows)
    with transaction(db_path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        con.execute(table_ddl(MATCHES))
        con.execute(
            f"DELETE FROM {MATCHES.qualified} WHERE identity = ? AND list_contains(?::VARCHAR[], register)",  # noqa: S608
            [identity, list(registers)],
        )
        result = upsert_converted(con, MATCHES, converted, identity)
    if result.rejected:
        raise RuntimeError(f"the match report did not stage: {result.rejected[:3]}")


def entries(db_path: str | Path, identity: str, register: str, side: Side) -> dict[str, Entry]:
    """record key -> its report line, for one side of one register (empty before N2 has run)."""
    with transaction(db_path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        con.execute(table_ddl(MATCHES))
        rows = con.execute(
            "SELECT register, side, record_key, record_code, record_name, outcome, rule, counterpart_keys, "  # noqa: S608
            f"counterpart_code, counterpart_name, reason FROM {MATCHES.qualified} WHERE identity = ? AND register = ? AND side = ?",
            [identity, register, side],
        ).fetchall()
    return {
        row[2]: Entry(*row[:7], tuple(k for k in (row[7] or "").split(",") if k), *row[8:]) for row in rows
    }
