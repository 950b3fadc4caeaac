"""N2's match report as the markdown the asset shows: every link with its rule, both records and
what it overwrites; every hold with its reason; unmatched records counted, and listed only when
they cannot be created on the other side (the reason says why). This is the preview the user
reads before the real run writes anything (the loader's own plan follows it in `preview`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from so24_pipelines.flows.netvisor.matching import RULE_WORDS, Case, describe, summary

LIMIT = 200


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _records(case: Case, side: str) -> str:
    records = case.netvisor if side == "netvisor" else case.rackbeat
    return "<br>".join(describe(case.register, side, r) for r in records) or "-"  # type: ignore[arg-type]


def report_markdown(cases: Sequence[Case], overwrites: Mapping[str, str]) -> str:
    """The report (module doc); `overwrites`: Rackbeat customer number -> what the overwrite changes."""
    counts = summary(cases)
    lines = [
        "**N2 matches**: " + ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in counts.items()),
        "",
        "| register | outcome | rule | Netvisor | Rackbeat | overwritten on the Netvisor card / reason |",
        "|---|---|---|---|---|---|",
    ]
    shown = [c for c in cases if c.outcome != "unmatched" or c.reason]
    order = {"held": 0, "linked": 1, "unmatched": 2}
    shown.sort(key=lambda c: (order[c.outcome], c.register))
    for case in shown[:LIMIT]:
        if case.outcome == "linked" and case.rule == "business_id" and case.register == "customers":
            detail = overwrites.get(case.rackbeat[0].key, "")
        elif case.outcome == "linked":
            detail = "linked; nothing written to either record"
        else:
            detail = case.reason or ""
        rule = RULE_WORDS.get(case.rule or "", case.rule or "")
        cells = (
            case.register,
            case.outcome,
            rule,
            _records(case, "netvisor"),
            _records(case, "rackbeat"),
            detail,
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if len(shown) > LIMIT:
        lines += ["", f"… and {len(shown) - LIMIT} more in staging.netvisor_matches"]
    quiet = len(cases) - len(shown)
    if quiet:
        lines += [
            "",
            f"{quiet} record(s) have no counterpart and can be created on the other side by N1 (not listed)",
        ]
    return "\n".join(lines)
