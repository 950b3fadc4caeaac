"""The Rackbeat <-> Netvisor pair (N1, N2, N3): the one X7 pair without 24SO on either side.

How its rows read in sync.reconcile_differences (the table's columns are not renamed): Rackbeat,
the side the live flow N3 reads from, takes the source's role, so `so24_value` holds **Rackbeat's**
value as N3 would send it and `other_value` Netvisor's; `key` is the Rackbeat number (or
`netvisor:<NetvisorKey>` for a record only Netvisor has). The kinds name the systems:
`only_in_rackbeat`, `missing_in_netvisor`, `missing_in_rackbeat`, `only_in_netvisor`, `field`.

- **Fresh reads, no cursor moved.** Both registers are read with N2's own reads (reads.py: Netvisor's
  lists and cards, Rackbeat's lists at 1000 a page) and staged into a scratch DuckDB file for one
  run, so Rackbeat's side is mapped by N3's spec (`netvisor_<register>_to_netvisor`, N1's
  rackbeat_to_netvisor spec) exactly as N3 would send it. The flows' staging, match report and id
  maps are only read.
- **Pairing as N2 pairs.** The N-flows' id maps first (N3's, N1's either way, N2's card overwrite),
  then N2's links (staging.netvisor_matches), then the code (Rackbeat's number is Netvisor's
  customer code, vendor code or product code).
- **Fields the flows own.** N3's spec's owned fields (its create-only code left out), the same
  field pairs N1's netvisor_to_rackbeat specs carry the other way; business IDs compare in one
  form (FI29051872 = 2905187-2), and a field Rackbeat leaves empty is not compared: the N-flows
  never blank a Netvisor field with it.
- **Linked as it was.** N2 links a record by code or name and N1 writes nothing to it, so the two
  records keep whatever each held (seed 003's example: one code, two names). Such a pair is
  counted (`<entity>_linked_as_is`), not compared, until a flow writes it (N1 or N3 creates or
  updates it, or N2 overwrites the customer card): from then on the flow owns its fields.
- **Who carries what.** N3 carries a Rackbeat record changed at or after its moment (not N1's own
  echo) into Netvisor: an update when its id map holds the record and the payload changed, an add
  when N2 finds no counterpart; a record N2 links is linked on N3's first load and gets the
  change written (N3 adopts it).
  N1 carries what is missing, in flows.N1.direction, when netvisor_initial_sync is started.
  Unpaired records no flow carries are counted (`<entity>_rackbeat_own`, `<entity>_netvisor_own`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from so24_pipelines.connectors.netvisor import NetvisorClient
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.netvisor import match_report, n3, reads
from so24_pipelines.flows.netvisor.business_ids import business_id
from so24_pipelines.flows.netvisor.match_report import Entry
from so24_pipelines.flows.netvisor.matching import Register
from so24_pipelines.flows.netvisor.payloads import leaf
from so24_pipelines.flows.netvisor.registers import LOADS, OVERWRITE_FLOW
from so24_pipelines.flows.netvisor.tables import REGISTER_TABLES
from so24_pipelines.flows.reconcile.compare import Difference, EntityComparison, Sides, compare
from so24_pipelines.flows.reconcile.report import TOP, PairReport, differences_markdown
from so24_pipelines.flows.reconcile.run import keep
from so24_pipelines.flows.reconcile.sides import RequestCount, counted
from so24_pipelines.mapping import load_spec, map_records
from so24_pipelines.mapping.paths import leaves
from so24_pipelines.settings import Settings
from so24_pipelines.staging.db import connect
from so24_pipelines.sync import MappedRecord, failed_record_keys, payload_hash, sync_schema_exists
from so24_pipelines.sync.id_map import confirmed_write_times, linked_with_hashes
from so24_pipelines.sync.log_reads import last_written_at
from so24_pipelines.sync.state import get_state

PAIR = "netvisor"
TITLE = "Rackbeat <-> Netvisor"
SIDES = ("Rackbeat", "Netvisor")
"""The columns' sides: Rackbeat's values in `so24_value` (the source column), Netvisor's in `other_value`."""
SHOWN = 6
CODE_PATHS = {
    "customers": "customerbaseinformation.internalidentifier",
    "suppliers": "vendorbaseinformation.code",
    "products": "productbaseinformation.productcode",
}
KEY_PATHS = {
    "customers": "customerbaseinformation.netvisorkey",
    "suppliers": "netvisorkey",
    "products": "productbaseinformation.netvisorkey",
}
BUSINESS_ID_PATHS = frozenset(
    {"customerbaseinformation.externalidentifier", "vendorbaseinformation.organizationid"}
)
KINDS = ("field", "only_in_rackbeat", "only_in_netvisor", "missing_in_netvisor", "missing_in_rackbeat")
RENAMED = {"only_in_so24": "only_in_rackbeat", "missing_in_so24": "missing_in_rackbeat"}


def _lowered(value: Any) -> Any:
    """Netvisor's element names (`CustomerBaseInformation.Name`) at the spec's paths (`customerbaseinformation.name`)."""
    if isinstance(value, Mapping):
        return {str(k).lower(): _lowered(v) for k, v in value.items()}
    return value


def _netvisor_side(records: Iterable[Mapping[str, Any]], register: Register) -> dict[str, dict[str, Any]]:
    """NetvisorKey -> the record at the spec's paths, its business ID read in the one form N2 compares."""
    out = {}
    for raw in records:
        record = _lowered(raw)
        for path in BUSINESS_ID_PATHS:
            *parents, last = path.split(".")
            block = leaf(record, ".".join(parents))
            if isinstance(block, dict) and block.get(last):
                block[last] = business_id(block[last]) or block[last]
        out[str(leaf(record, KEY_PATHS[register]))] = record
    return out


@dataclass
class NetvisorReport(PairReport):
    """PairReport in this pair's words: counts per system (`<entity>_rackbeat`, `<entity>_netvisor`),
    the kinds by system, the Netvisor company, and the table headed Rackbeat | Netvisor."""

    linked_as_is: dict[str, int] = field(default_factory=dict)
    rackbeat_own: dict[str, int] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        meta = super().metadata()
        meta["netvisor_company"] = meta.pop("so24_company")
        for c in self.comparisons:
            meta[f"{c.entity}_rackbeat"] = meta.pop(f"{c.entity}_so24")
            meta[f"{c.entity}_linked_as_is"] = self.linked_as_is.get(c.entity, 0)
            meta[f"{c.entity}_rackbeat_own"] = self.rackbeat_own.get(c.entity, 0)
        kinds = self.kinds()
        for kind in ("only_in_so24", "missing_in_so24", *KINDS):
            meta.pop(f"kind_{kind}", None)
        meta.update({f"kind_{kind}": kinds.get(kind, 0) for kind in KINDS})
        return meta

    def markdown(self, limit: int = TOP) -> str:
        return differences_markdown(self.rows, SIDES[1], limit, source=SIDES[0])


@dataclass(frozen=True)
class Live:
    """What N3 does now: on, its moment (None before the initial sync or while switched off), its registers."""

    enabled: bool
    moment: datetime | None
    registers: tuple[str, ...]
    words: str


def live_state(settings: Settings, db_path: str | Path, identity: str, now: datetime) -> Live:
    """N3's moment as N3 keeps it (read only: a reconciliation never fixes N3's moment)."""
    options = settings.flows.N3
    registers = tuple(options.registers)
    if not options.enabled:
        return Live(False, None, registers, "N3 is switched off (flows.N3.enabled)")
    synced_at = n3.initial_sync_at(db_path)
    if synced_at is None:
        return Live(True, None, registers, "N3 waits for the initial sync (netvisor_initial_sync)")
    if options.go_live == "now":
        with connect(db_path) as con:
            kept = get_state(con, f"{n3.FLOW}.live_from.{identity}")
        # Before N3's first run its moment is not kept yet; that run fixes it at the initial sync's first write.
        moment = synced_at if kept is None else datetime.fromisoformat(kept)
    else:
        moment = n3.live_from(db_path, identity, options.go_live, settings.netvisor.timezone, now)
    if now < moment:
        return Live(True, None, registers, f"N3 goes live on {moment:%Y-%m-%d %H:%M} UTC")
    return Live(True, moment, registers, f"N3 is live since {moment:%Y-%m-%d %H:%M} UTC")


@dataclass(frozen=True)
class Written:
    """The last write of a pair: by which flow, when, and (from Rackbeat) the hash of what it sent."""

    flow_id: str
    when: datetime
    last_hash: str | None


@dataclass
class Facts:
    """What the hub knows of one register's pairs: N3's id map, failures and moment, who wrote what."""

    register: Register
    live: Live
    n3_ids: dict[str, tuple[str | None, str | None]]  # Rackbeat number -> (NetvisorKey, last hash)
    n3_failed: set[str]
    written: dict[str, Written]
    echoes: dict[str, datetime]  # Rackbeat number -> when N1 made or linked it in Rackbeat
    changed: dict[str, datetime | None]  # Rackbeat number -> its updated_at (naive UTC)

    def carried_by_n3(self, key: str) -> bool:
        """N3's next run loads this Rackbeat record: changed at or after the moment, not N1's echo."""
        if self.live.moment is None or self.register not in self.live.registers:
            return False
        changed = self.changed.get(key)
        since = self.live.moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)
        if changed is None or changed < since:
            return False
        echo = self.echoes.get(key)
        return echo is None or changed > echo + timedelta(seconds=1)

    def changed_since_written(self, key: str, payload: Mapping[str, Any]) -> bool:
        """Rackbeat's record changed since a flow wrote the pair: its payload now hashes otherwise than
        the one written from it; for a record written *into* Rackbeat (N1 from Netvisor), its
        `updated_at` is later than that write plus Rackbeat's whole second (N3's echo rule)."""
        written, changed = self.written.get(key), self.changed.get(key)
        if written is None:
            return False
        if written.last_hash is not None:
            return payload_hash(payload) != written.last_hash
        return changed is not None and changed > written.when + timedelta(seconds=1)


def _pair_flows(register: Register) -> dict[str, tuple[str, bool]]:
    """Loader flow key -> (flow id, whether its source is Rackbeat) of every N-flow writing `register`."""
    flows = {
        LOADS[(register, "netvisor_to_rackbeat")].flow: ("N1", False),
        LOADS[(register, "rackbeat_to_netvisor")].flow: ("N1", True),
        n3.N3_FLOWS[register]: ("N3", True),
    }
    if register == "customers":
        flows[OVERWRITE_FLOW] = ("N2", True)
    return flows


def _links_and_writes(db_path: str | Path, register: Register) -> tuple[dict[str, str], dict[str, Written]]:
    """(Rackbeat number -> NetvisorKey from the N-flows' id maps, Rackbeat number -> (flow id, last
    write) of the pairs a flow wrote: created, updated, or overwritten by N2)."""
    flows = _pair_flows(register)
    links: dict[str, str] = {}
    written: dict[str, Written] = {}
    with connect(db_path) as con:
        if not sync_schema_exists(con):
            return links, written
        for flow, (flow_id, from_rackbeat) in flows.items():
            hashes = {}
            for source, target, last_hash in linked_with_hashes(con, flow):
                rb, nv = (source, target) if from_rackbeat else (target, source)
                links.setdefault(rb, nv)
                hashes[rb] = last_hash if from_rackbeat else None
            # The card overwrite's every outcome leaves the card holding Rackbeat's data (edited, or
            # already equal); the loads' `resolved` is a link that wrote nothing (link_log.py).
            actions = ["create", "update", "resolved"] if flow == OVERWRITE_FLOW else ["create", "update"]
            for source, target, when in last_written_at(con, flow, actions):
                rb = source if from_rackbeat else target
                if rb not in written or written[rb].when < when:
                    written[rb] = Written(flow_id, when, hashes.get(rb))
    return links, written


def _held(records: dict[str, MappedRecord], entries: Mapping[str, Entry]) -> dict[str, MappedRecord]:
    """Rackbeat records N2 holds are skipped by N3 with the hold's reason (links.apply_matches)."""
    out = {}
    for key, record in records.items():
        entry = entries.get(key)
        if entry is not None and entry.outcome == "held" and not record.skip_reason:
            record = replace(record, skip_reason=f"held by N2 ({entry.rule}): {entry.reason}")
        out[key] = record
    return out


def _netvisor_skips(
    scratch: Path, identity: str, register: Register, entries: Mapping[str, Entry]
) -> set[str]:
    """The Netvisor records N1 would not carry to Rackbeat: held by N2, a code that cannot be a
    Rackbeat number, or a record N1's spec skips (no unit price)."""
    spec = load_spec(LOADS[(register, "netvisor_to_rackbeat")].spec)
    skipped = {r.source_key for r in map_records(scratch, spec, identity) if r.skip_reason}
    for key, entry in entries.items():
        if entry.outcome == "held" or (entry.outcome == "unmatched" and entry.reason):
            skipped.add(key)
    return skipped


def _leaf_fields_text(payload: Mapping[str, Any], paths: Iterable[str]) -> str:
    flat = leaves(payload)
    shown = [f"{p.split('.')[-1]}={flat.get(p)}" for p in paths if flat.get(p) not in (None, "")]
    more = f", … ({len(shown) - SHOWN} more)" if len(shown) > SHOWN else ""
    return ", ".join(shown[:SHOWN]) + more


def _field(
    facts: Facts, d: Difference, nv_key: str | None, payload: dict[str, Any], fields: list[str]
) -> Difference:
    flow = facts.written[d.key].flow_id
    what = _leaf_fields_text(payload, fields)
    if not facts.changed_since_written(d.key, payload):
        why = (
            f"changed in Netvisor since {flow} last wrote it (Rackbeat did not change); no flow carries Netvisor's "
            "changes back (N3 goes Rackbeat -> Netvisor)"
        )
        return replace(
            d,
            explanation=why,
            repair=f"N3 writes {what} to Netvisor {nv_key} when Rackbeat's record changes again",
        )
    n3_id = facts.n3_ids.get(d.key)
    if d.key in facts.n3_failed:
        pending, why = True, "waits in N3's failed records; retried on its next tick"
    elif not facts.carried_by_n3(d.key):
        pending, why = (
            False,
            f"changed in Rackbeat since {flow} last wrote it; N3 does not carry it: {facts.live.words}",
        )
        if facts.live.moment is not None and facts.register in facts.live.registers:
            why = f"changed in Rackbeat since {flow} last wrote it, before N3's moment: N3 carries changes from then on"
    elif n3_id is None:
        pending, why = (
            True,
            f"changed in Rackbeat since {flow} last wrote it; N3's next run links it to Netvisor {nv_key} and writes it",
        )
    elif n3_id[1] != payload_hash(payload):
        pending, why = True, f"changed in Rackbeat since {flow} last wrote it; N3's next run sends it"
    else:
        pending, why = (
            False,
            (
                "N3's id map holds Rackbeat's record as it is now (N3 sent it and Netvisor was edited since), so N3 "
                "sends nothing until Rackbeat changes it again"
            ),
        )
    when = "on its next run" if pending else "when Rackbeat's record changes again"
    return replace(
        d, pending=pending, explanation=why, repair=f"N3 writes {what} to Netvisor {nv_key} {when}"
    )


def _whole(
    facts: Facts, d: Difference, nv_key: str | None, payload: dict[str, Any], n1_direction: str
) -> Difference:
    everything = _leaf_fields_text(payload, sorted(leaves(payload)))
    if d.kind == "only_in_rackbeat":
        repair = f"N3 adds it to Netvisor under its number: {everything}"
        if d.key in facts.n3_failed:
            return replace(d, pending=True, explanation="waits in N3's failed records; retried on its next tick",
                           repair=repair)  # fmt: skip
        if facts.carried_by_n3(d.key):
            why = "made or changed in Rackbeat since N3 went live and not sent yet; N3's next run adds it"
            return replace(d, pending=True, explanation=why, repair=repair)
        why = f"not in Netvisor; N1 ({n1_direction}) adds it when netvisor_initial_sync is started again"
        return replace(d, explanation=why, repair=f"N1 adds it to Netvisor: {everything}")
    if d.kind == "only_in_netvisor":
        why = (
            "made in Netvisor and not in Rackbeat; N1 (netvisor_to_rackbeat) creates it when netvisor_initial_sync is "
            "started again (N3 carries Rackbeat -> Netvisor only)"
        )
        return replace(
            d, explanation=why, repair="N1 creates it in Rackbeat under its code (run netvisor_initial_sync)"
        )
    if d.kind == "missing_in_netvisor":
        why = (
            f"deleted in Netvisor: the N-flows' id map still links it to Netvisor {nv_key}, and N3 edits a linked "
            "record, never adds it again"
        )
        return replace(d, explanation=why, repair=(
            "no flow makes it again: add it in Netvisor by hand under its number as code, if it should be there"))  # fmt: skip
    return replace(
        d, explanation=f"deleted in Rackbeat; Netvisor still has it ({d.other_value})",
        repair="no flow deletes: remove or deactivate it in Netvisor by hand, if it should go",
    )  # fmt: skip


def _facts(
    run: RunContext, scratch: Path, identity: str, register: Register, live: Live,
    written: dict[str, Written],
) -> Facts:  # fmt: skip
    table = REGISTER_TABLES[register][1]
    with connect(scratch) as con:
        changed = dict(con.execute(
            f"SELECT CAST(number AS VARCHAR), updated_at FROM {table.qualified} WHERE identity = ?",  # noqa: S608
            [identity],
        ).fetchall())  # fmt: skip
    n3_flow = n3.N3_FLOWS[register]
    echoes: dict[str, datetime] = {}
    n3_ids: dict[str, tuple[str | None, str | None]] = {}
    with connect(run.db_path) as con:
        if sync_schema_exists(con):
            echoes = confirmed_write_times(con, LOADS[(register, "netvisor_to_rackbeat")].flow)
            n3_ids = {
                source: (target, last_hash)
                for source, target, last_hash in linked_with_hashes(con, n3_flow, confirmed_only=True)
            }
    failed = set(failed_record_keys(run.db_path, n3_flow)) if live.enabled else set()
    return Facts(register, live, n3_ids, failed, written, echoes, changed)


@dataclass
class _Register:
    comparison: EntityComparison
    differences: list[Difference]
    linked_as_is: int
    rackbeat_own: int


def compare_register(
    run: RunContext, settings: Settings, scratch: Path, identity: str, register: Register,
    netvisor: list[dict[str, Any]], live: Live,
) -> _Register:  # fmt: skip
    """One register: pair, compare the owned fields of the pairs a flow wrote, name and explain the rest."""
    spec = load_spec(n3.live_load(register).spec)
    owned = tuple(f for f in spec.owned_fields if f not in spec.create_only_fields)
    id_links, written = _links_and_writes(run.db_path, register)
    rackbeat_entries = match_report.entries(run.db_path, identity, register, "rackbeat")
    netvisor_entries = match_report.entries(run.db_path, identity, register, "netvisor")
    n2_links = {k: e.counterpart for k, e in rackbeat_entries.items() if e.counterpart is not None}
    mapped = {r.source_key: r for r in map_records(scratch, spec, identity)}
    n1 = settings.flows.N1
    from_netvisor = n1.enabled and n1.direction == "netvisor_to_rackbeat" and register in n1.registers
    sides = Sides(
        so24=_held(mapped, rackbeat_entries),
        other=_netvisor_side(netvisor, register),
        linked={**n2_links, **id_links},
        holder=lambda record: None,
        business_key=lambda record: str(leaf(record, CODE_PATHS[register]) or "").strip() or None,
    )
    comparison = compare(
        register, "netvisor", sides, owned, others_are_differences=from_netvisor,
        others_skipped=_netvisor_skips(scratch, identity, register, netvisor_entries) if from_netvisor else (),
    )  # fmt: skip
    facts = _facts(run, scratch, identity, register, live, written)
    linked_as_is = sum(1 for key in comparison.pairs if key not in written)
    to_netvisor = n1.enabled and n1.direction == "rackbeat_to_netvisor" and register in n1.registers
    fields_of: dict[str, list[str]] = {}
    kept: list[Difference] = []
    rackbeat_own = 0
    for d in comparison.differences:
        d = replace(d, kind=RENAMED.get(d.kind, d.kind))
        if d.kind == "field" and (d.key not in written or d.so24_value is None):
            continue  # linked as it was, or a field Rackbeat leaves empty (never sent): not the flows'
        if d.kind == "only_in_rackbeat" and not (
            facts.carried_by_n3(d.key) or d.key in facts.n3_failed or to_netvisor
        ):
            rackbeat_own += 1
            continue
        if d.kind == "field":
            fields_of.setdefault(d.key, []).append(d.field)
        kept.append(d)
    out = []
    for d in kept:
        nv_key, payload = comparison.payloads.get(d.key, (None, {}))
        if d.kind == "field":
            out.append(_field(facts, d, nv_key, payload, fields_of[d.key]))
        else:
            out.append(_whole(facts, d, nv_key, payload, n1.direction))
    comparison.differences = out
    return _Register(comparison, out, linked_as_is, rackbeat_own)


def reconcile_netvisor(
    run: RunContext,
    settings: Settings,
    nv: NetvisorClient,
    rb: RackbeatClient,
    *,
    now: datetime | None = None,
) -> NetvisorReport:
    """Rackbeat <-> Netvisor for the registers N1 or N3 carry (module doc); writes to neither system."""
    identity = nv.organisation_id
    report = NetvisorReport(PAIR, TITLE, PAIR, identity)
    nv_calls, rb_calls = RequestCount(), RequestCount()
    registers: list[Register] = list(
        dict.fromkeys([*settings.flows.N1.registers, *settings.flows.N3.registers])
    )
    live = live_state(settings, run.db_path, identity, now or datetime.now(UTC))
    with tempfile.TemporaryDirectory(prefix="netvisor_reconcile_") as folder:
        scratch = Path(folder) / "netvisor_now.duckdb"
        reads.ensure_tables(scratch)
        for register in registers:
            with counted(nv, nv_calls):
                netvisor = reads.read_netvisor(nv, register)
            with counted(rb, rb_calls):
                rackbeat = reads.read_rackbeat(rb, register)
            reads.stage_register(scratch, identity, register, netvisor, rackbeat)
            found = compare_register(run, settings, scratch, identity, register, netvisor, live)
            report.comparisons.append(found.comparison)
            report.differences += found.differences
            report.linked_as_is[register] = found.linked_as_is
            report.rackbeat_own[register] = found.rackbeat_own
    report.requests = {"rackbeat": rb_calls.n, "netvisor": nv_calls.n}
    keep(run, report)
    return report
