"""One pair's reconciliation in the UI's words: numeric counts Dagster plots night after night, the
top differences as a markdown table, and the check's verdict.

Counts are plain numbers under stable names (`<entity>_so24`, `<entity>_<other>`,
`<entity>_differences`, `unexplained`, `pending`, `requests_<system>`), because Dagster plots a
numeric metadata entry over the asset's materializations: a count that creeps up shows as a line,
not as a number someone must remember from yesterday.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from so24_pipelines.flows.reconcile.compare import Difference, EntityComparison
from so24_pipelines.sync.differences import DifferenceRow

TOP = 25


@dataclass
class PairReport:
    pair: str
    title: str
    other: str
    identity: str
    comparisons: list[EntityComparison] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    rows: list[DifferenceRow] = field(default_factory=list)

    @property
    def unexplained(self) -> int:
        return sum(1 for d in self.differences if not d.pending)

    @property
    def pending(self) -> int:
        return sum(1 for d in self.differences if d.pending)

    def kinds(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.differences:
            out[d.kind] = out.get(d.kind, 0) + 1
        return out

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"pair": self.title, "so24_company": self.identity}
        for c in self.comparisons:
            meta[f"{c.entity}_so24"] = c.so24_count
            meta[f"{c.entity}_{self.other}"] = c.other_count
            meta[f"{c.entity}_paired"] = c.paired
            meta[f"{c.entity}_skipped_by_flow"] = c.skipped_by_flow
            meta[f"{c.entity}_{self.other}_own"] = c.others_own
            meta[f"{c.entity}_differences"] = sum(1 for d in self.differences if d.entity == c.entity)
        meta["differences"] = len(self.differences)
        meta["unexplained"] = self.unexplained
        meta["pending"] = self.pending
        for kind in (
            "field",
            "only_in_so24",
            f"only_in_{self.other}",
            f"missing_in_{self.other}",
            "missing_in_so24",
        ):
            meta[f"kind_{kind}"] = self.kinds().get(kind, 0)
        for system, n in self.requests.items():
            meta[f"requests_{system}"] = n
        meta["oldest_open_days"] = round(
            max((r.age_days for r in self.rows if not r.pending), default=0.0), 2
        )
        meta["dagster/row_count"] = len(self.differences)
        return meta

    def markdown(self, limit: int = TOP) -> str:
        return differences_markdown(self.rows, self.other, limit)


def _cell(value: Any) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text.replace("|", "/")[:160]


def differences_markdown(rows: list[DifferenceRow], other: str, limit: int = TOP, source: str = "24SO") -> str:
    """The open differences, unexplained first and oldest first, as a table (the rest counted).

    `source` heads the `so24_value` column: 24SO, or Rackbeat in the one pair without 24SO (Netvisor).
    """
    if not rows:
        return "no differences: both sides agree on every owned field"
    lines = [
        f"| entity | key | field | kind | {source} | {other} | pending | first seen | why | repair (preview) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows[:limit]:
        cells = (r.entity, r.key, r.field, r.kind, r.so24_value, r.other_value, "yes" if r.pending else "no",
                 r.first_seen.strftime("%Y-%m-%d %H:%M"), r.explanation, r.repair)  # fmt: skip
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if len(rows) > limit:
        lines.append(f"| … | {len(rows) - limit} more in sync.reconcile_differences | | | | | | | | |")
    return "\n".join(lines)
