"""Which differences the next flow run fixes by itself, why the others are there, and the repair.

A difference is *pending* (listed, never alarmed on) when the owning flow's next run will write it:
- the record waits in the flow's failed records (X5: retried every tick);
- 24SO changed and the change is staged, but the flow has not sent it: the record as the flow maps
  it from staging now hashes differently from what the flow last wrote (sync.id_map.last_hash),
  or it is staged and has never been sent (the next run creates it).
Nothing is pending while the flow is switched off: nothing will carry it.

The others get an explanation from the same facts: 24SO's value *now* hashing like the last write
means 24SO did not change, so the other side was edited by hand; 24SO's value now differing while
staging still holds the old one means 24SO changed and the extraction has not read it yet.

The repair is a preview, never done here: what the owning flow would write for the record (the
payload its spec maps now, as its dry run would plan it), and whether its next run will.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from so24_pipelines.connectors.errors import ConfigError
from so24_pipelines.flows.reconcile.compare import Difference, EntityComparison, normal
from so24_pipelines.flows.reconcile.entities import EntityCheck, id_map
from so24_pipelines.mapping.paths import leaves
from so24_pipelines.mapping.spec import SpecError
from so24_pipelines.sync import MappedRecord, failed_record_keys, payload_hash
from so24_pipelines.sync.store import IdMapRow

SHOWN = 6


def _staged(
    check: EntityCheck, db_path: str | Path, identity: str, keys: list[str]
) -> dict[str, MappedRecord]:
    """The records as the flow maps them from staging now (nothing when staging has no such table yet)."""
    if not keys:
        return {}
    try:
        return check.map(db_path, identity, keys)
    except (SpecError, ConfigError):  # not staged yet (a table, L1's open orders)
        return {}


def fields_text(payload: Mapping[str, Any], paths: Iterable[str]) -> str:
    """`path=value, ...` of the payload's `paths` (the first few), as a repair preview names them."""
    flat = leaves(payload)
    shown = [f"{p}={normal(flat.get(p))}" for p in paths]
    more = f", … ({len(shown) - SHOWN} more)" if len(shown) > SHOWN else ""
    return ", ".join(shown[:SHOWN]) + more


@dataclass(frozen=True)
class _Facts:
    """What the hub knows of one entity's records: its switch, ids, failures, staged mapping."""

    check: EntityCheck
    enabled: bool
    back_allowed: bool
    other_title: str
    failed: set[str]
    ids: dict[str, IdMapRow]
    staged: dict[str, MappedRecord]
    fields_of: dict[str, list[str]]


def _staged_hash(facts: _Facts, key: str) -> str | None:
    record = facts.staged.get(key)
    return payload_hash(record.payload) if record is not None and not record.skip_reason else None


def _field(
    facts: _Facts, d: Difference, target_key: str | None, payload: dict[str, Any]
) -> tuple[bool, str, str]:
    flow, last = facts.check.flow_id, facts.ids.get(d.key)
    staged_hash = _staged_hash(facts, d.key)
    if last is not None and staged_hash not in (None, last.last_hash):
        pending, why = True, f"24SO changed and is staged; {flow}'s next run sends it"
    elif last is not None and payload_hash(payload) == last.last_hash:
        pending = False
        why = f"changed in {facts.other_title} since {flow} last wrote it (24SO did not change)" + (
            "; the way back to 24SO carries it once it reads the change" if facts.back_allowed else ""
        )
    else:
        pending, why = (
            False,
            f"24SO changed since {flow} last wrote it, and the 24SO extraction has not read it yet",
        )
    when = "on its next run" if pending else "when 24SO's record changes again (its dry run now: unchanged)"
    fields = fields_text(payload, facts.fields_of[d.key])
    return pending, why, f"{flow} writes {fields} to {facts.other_title} {target_key} {when}"


def _whole(
    facts: _Facts, d: Difference, target_key: str | None, payload: dict[str, Any]
) -> tuple[bool, str, str]:
    flow, other = facts.check.flow_id, facts.other_title
    everything = fields_text(payload, sorted(leaves(payload)))
    if d.kind == "only_in_so24":
        repair = f"{flow} creates it in {other}: {everything}"
        if _staged_hash(facts, d.key) is not None and d.key not in facts.ids:
            return True, f"staged and not sent yet; {flow}'s next run creates it", repair
        if d.key in facts.ids:
            return False, f"{flow}'s id map has it but {other} does not", repair
        return False, "new in 24SO and not staged yet (the 24SO extraction has not read it)", repair
    if d.kind == "missing_in_so24":
        return (
            False,
            f"deleted in 24SO; {other} still has {d.other_value}",
            (f"{flow} never deletes: remove or bar it in {other} by hand, if it should go"),
        )
    if d.kind.startswith("missing_in_"):
        why = (
            f"deleted in {other}: {flow}'s id map still links it to {target_key}, and the flow sends only what "
            "changed in 24SO, so it does not make it again by itself"
        )
        return False, why, f"{flow} would send {everything} once 24SO changes it"
    back = facts.check.back_flow or flow
    return (
        False,
        f"made in {other} and not in 24SO yet; the way back creates it when it reads it",
        (f"{back} creates it in 24SO"),
    )


def explain(
    check: EntityCheck,
    comparison: EntityComparison,
    *,
    enabled: bool,
    back_allowed: bool,
    db_path: str | Path,
    identity: str,
    other_title: str,
) -> list[Difference]:
    """The comparison's differences with `pending`, `explanation` and `repair` filled in."""
    keys = sorted({d.key for d in comparison.differences if d.kind in ("field", "only_in_so24")})
    fields_of: dict[str, list[str]] = {}
    for d in comparison.differences:
        if d.kind == "field":
            fields_of.setdefault(d.key, []).append(d.field)
    facts = _Facts(
        check, enabled, back_allowed, other_title,
        failed=set(failed_record_keys(db_path, check.flow)) if enabled else set(),
        ids=id_map(db_path, check.flow),
        staged=_staged(check, db_path, identity, keys) if enabled else {},
        fields_of=fields_of,
    )  # fmt: skip
    out = []
    for d in comparison.differences:
        target_key, payload = comparison.payloads.get(d.key, (None, {}))
        decide = _field if d.kind == "field" else _whole
        pending, why, repair = decide(facts, d, target_key, payload)
        if not enabled:
            pending, why = (
                False,
                f"{check.flow_id} is switched off (flows.{check.flow_id}.enabled): nothing carries this",
            )
        elif d.key in facts.failed and d.kind in ("field", "only_in_so24"):
            pending, why = True, f"waits in {check.flow_id}'s failed records; retried on its next tick"
        out.append(replace(d, pending=pending, explanation=why, repair=repair))
    return out


def explain_stock(
    differences: list[Difference],
    *,
    flow_id: str,
    flow: str,
    failed_key: Mapping[str, str],
    db_path: str | Path,
    other_title: str,
) -> list[Difference]:
    """Stock differences: pending while the stock master's write of the product waits for a retry."""
    failed = set(failed_record_keys(db_path, flow))
    out = []
    for d in differences:
        waiting = failed_key.get(d.key, d.key) in failed
        why = (
            f"{flow_id}'s write waits in the failed records; retried on its next tick" if waiting else
            f"{other_title} holds {d.other_value}, 24SO {d.so24_value}: a stock change {flow_id} never received "
            "(a lost event) or a count entered in 24SO by hand"
        )  # fmt: skip
        repair = f"{flow_id} sets 24SO's stock of {d.key} to {d.other_value} (run {flow_id} for it)"
        out.append(replace(d, pending=waiting, explanation=why, repair=repair))
    return out
