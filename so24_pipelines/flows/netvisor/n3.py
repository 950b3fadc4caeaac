"""N3 going live: from a moment on, what is created or changed in Rackbeat reaches Netvisor.

Seed 003: once the integration is switched on ("at once, or from a date"), the registers created
in Rackbeat (customers, suppliers, products) and their events start to flow to Netvisor. Netvisor's
own support switches it on by hand; here `flows.N3.go_live` does (`now`, or a date, from 00:00 in
`netvisor.timezone`).

One run, started by a Rackbeat webhook (through the inbox) or by the fallback schedule:
1. Before the moment: N2 and the loads run as a dry run (nothing written to either system or the
   loader's tables), and the readiness report says what happens on the moment and what N2 would
   link, hold or leave alone today.
2. From the moment: N2 matches first (full reads, the cascade, and the business-ID overwrite of the
   Netvisor customer card that seed 003 asks for), then each register goes through the loader
   towards Netvisor under its own flow key `N3.<register>.to_netvisor`, with the spec of N1's
   rackbeat_to_netvisor load (the same owned fields), but only for the Rackbeat records changed at
   or after the moment. What N2 linked is linked, never added, and gets the change (its owned
   fields written: the record changed in Rackbeat after the moment); a new record is added after a
   look-up of its code (targets_netvisor.py); what N2 held is skipped with its reason.

Why a whole N2 every run, not only the new record: the cascade is only right against the whole of
both registers (a name is unique, or ambiguous, against all the others), and Netvisor's lists give
the fields it compares in one call per register. A lost webhook costs nothing: the schedule's run
sees the same changed records (the loader's id map sends each change once).

N3 waits for the initial sync: until `netvisor_initial_sync` has written (its sync log has N1 rows
for this company's registers), a run does nothing and says so, whatever the date. Going live is
seed 003's step after the initial sync; before it, N2's card overwrite would reach Netvisor before
the user saw the preview. `now` means from the initial sync on: the time of its first write (the
first N1 row of the sync log) is kept in sync.state (`N3.live_from.<company>`) and never moves
after that. A record created in Rackbeat before it is N1's to carry; one created during the
initial sync's own run, after N2 read Rackbeat and before N1's first write, is missed by both
(rerun the initial sync, or edit the record in Rackbeat).

Echoes: the records N1 made or linked in Rackbeat (flow `N1.<register>.to_rackbeat`) fire
Rackbeat's webhooks and carry an `updated_at` at or after the moment. One that has not changed in
Rackbeat since the hub's write (its `updated_at` not later than the id map's time of that write,
plus the second Rackbeat's whole-second clock may hide) is the hub's own write coming back: it is
left out (`echoes` in the metadata), so N3 never writes Netvisor's own data back to it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from so24_pipelines.connectors.netvisor import NetvisorClient
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.netvisor import n1, n2
from so24_pipelines.flows.netvisor.matching import Register
from so24_pipelines.flows.netvisor.registers import LOADS, RegisterLoad
from so24_pipelines.flows.netvisor.tables import REGISTER_TABLES
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.staging.db import transaction
from so24_pipelines.sync import flow_key, get_state, set_state
from so24_pipelines.sync.id_map import confirmed_write_times
from so24_pipelines.sync.log_reads import first_logged_at
from so24_pipelines.sync.schema import ensure_sync_schema

FLOW = "N3"
GoLive = Literal["now"] | date


def live_load(register: Register) -> RegisterLoad:
    """N3's load of a register: N1's load towards Netvisor (spec, target) under N3's own flow key."""
    return replace(LOADS[(register, "rackbeat_to_netvisor")], flow=flow_key(FLOW, register, "to_netvisor"))


N3_FLOWS: dict[str, str] = {r: live_load(r).flow for r in ("customers", "suppliers", "products")}
"""register -> N3's loader flow key (never renamed: the id map knows what was sent under it)."""


def _state_key(identity: str) -> str:
    return f"{FLOW}.live_from.{identity}"


def live_from(db_path: str | Path, identity: str, go_live: GoLive, zone: str, started: datetime) -> datetime:
    """The moment N3 goes live, in UTC: the date's midnight in `zone`, or for `now` the initial
    sync's first write (`started`; kept in sync.state the first time, then never moved)."""
    if isinstance(go_live, date):
        return datetime.combine(go_live, time(0), ZoneInfo(zone)).astimezone(UTC)
    with transaction(db_path) as con:
        kept = get_state(con, _state_key(identity))
        if kept is None:
            ensure_sync_schema(con)
            kept = started.astimezone(UTC).isoformat()
            set_state(con, _state_key(identity), kept)
    return datetime.fromisoformat(kept)


def changed_since(
    db_path: str | Path, identity: str, register: Register, moment: datetime
) -> tuple[list[str], int]:
    """The staged Rackbeat records changed at or after `moment`, less the hub's echoes (module doc):
    (their keys, how many echoes were left out)."""
    table = REGISTER_TABLES[register][1]
    n1_flow = LOADS[(register, "netvisor_to_rackbeat")].flow
    # Rackbeat's clock has whole seconds: a record made in the moment's second counts as after it.
    since = moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    with transaction(db_path) as con:
        ensure_sync_schema(con)
        rows = con.execute(
            f"SELECT CAST(number AS VARCHAR), updated_at FROM {table.qualified} "  # noqa: S608 - our declaration
            "WHERE identity = ? AND updated_at >= ? ORDER BY 1",
            [identity, since],
        ).fetchall()
        written = confirmed_write_times(con, n1_flow)
    echoes = {key for key, changed in rows if key in written and changed <= written[key] + timedelta(seconds=1)}
    return [key for key, _ in rows if key not in echoes], len(echoes)


def initial_sync_at(db_path: str | Path) -> datetime | None:
    """When N1 first wrote for real (its first sync log row, UTC); None before (a dry run logs nothing)."""
    with transaction(db_path) as con:
        ensure_sync_schema(con)
        first = first_logged_at(con, "N1.")
    return None if first is None else first.replace(tzinfo=UTC)


WAITING = "N3 waits for the initial sync: launch netvisor_initial_sync (its preview first), then N3 goes live"


def _when(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M} {zone} ({moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"


def readiness(
    moment: datetime, zone: str, registers: list[Register], matched: FlowRun, *, synced: bool
) -> str:
    """What happens on the moment, and what N2 finds today (its counts), as markdown for the UI."""
    notes = matched.notes
    count = lambda name: int(notes.get(name, 0))  # noqa: E731
    what = ", ".join(registers)
    return "\n".join(
        [
            f"**N3 goes live on {_when(moment, zone)}.** Until then nothing is written to Netvisor or "
            "Rackbeat (this run was a dry run).",
            "",
            *([] if synced else [f"**The initial sync has not run yet.** {WAITING}.", ""]),
            f"From then on, the {what} created or changed in Rackbeat reach Netvisor within seconds of "
            "Rackbeat's webhook, or at the latest on the next tick of the schedule `netvisor_live_schedule`:",
            "- a record whose code, business ID (Y-tunnus) or name finds its Netvisor counterpart (N2) is "
            "linked, never added twice; a business-ID match overwrites the Netvisor customer card with "
            "Rackbeat's data (seed 003);",
            "- any other record is added to Netvisor under its Rackbeat number as its code;",
            "- a record N2 holds (ambiguous name, non-numeric code) is not sent, with the reason.",
            "",
            "Today N2 finds: "
            f"{count('linked_code')} linked by code, {count('linked_business_id')} by business ID, "
            f"{count('linked_name')} by name; {count('held_ambiguous')} held as ambiguous, "
            f"{count('held_non_numeric_code')} for a non-numeric code, {count('held_conflict')} for a conflict; "
            f"{count('unmatched_rackbeat')} Rackbeat and {count('unmatched_netvisor')} Netvisor records have no "
            "counterpart (records created before the moment are N1's to carry, not N3's). "
            "The list is in the metadata `preview` and in staging.netvisor_matches.",
        ]
    )


def go_live(
    run: RunContext,
    nv: NetvisorClient,
    rb: RackbeatClient,
    identity: str,
    registers: list[Register],
    *,
    go_live: GoLive,
    zone: str,
    now: datetime | None = None,
) -> FlowRun:
    """N3 for `registers` (module doc); `identity` is the Netvisor company's business ID."""
    started = now or datetime.now(UTC)
    synced_at = initial_sync_at(run.db_path)
    synced = synced_at is not None
    if isinstance(go_live, date):
        moment = live_from(run.db_path, identity, go_live, zone, started)
        if started < moment:
            preview = run.previewing(True)
            matched = n2.match_registers(preview, nv, rb, identity, registers)
            return FlowRun(FLOW, True).merge(matched).noting(
                live_from=_when(moment, zone), live="no",
                readiness=readiness(moment, zone, registers, matched, synced=synced),
            )  # fmt: skip
    if synced_at is None:
        return run.idle(FLOW, WAITING).noting(live="no")
    if not isinstance(go_live, date):  # a preview of `now` fixes no moment
        moment = synced_at if run.dry_run else live_from(run.db_path, identity, go_live, zone, synced_at)
    result = FlowRun(FLOW, run.dry_run).merge(n2.match_registers(run, nv, rb, identity, registers))
    echoes = 0
    for register in registers:
        keys, echoed = changed_since(run.db_path, identity, register, moment)
        echoes += echoed
        result = result.merge(n1.carry(run, nv, rb, identity, live_load(register), keys=keys, adopt=True))
    return result.noting(live_from=_when(moment, zone), live="yes", echoes=echoes)
