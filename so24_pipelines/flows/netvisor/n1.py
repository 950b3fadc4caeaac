"""N1 initial sync of one register in the chosen direction, after N2 has matched it.

What is missing on the other side is created; what N2 linked is linked; what N2 held is skipped
with its reason (links.py). Everything goes through the one loader, so it is resumable and never
creates twice: a record is announced in the id map before it is sent, a rerun plans only what is
not yet confirmed (a second run writes nothing), and a create whose answer was lost is looked up
by its code before anything is added again (targets_*.py).

N1 refuses to run before N2 has matched the register (an empty report): without N2's links,
every record would look missing and be created beside its counterpart. The job
`netvisor_initial_sync` runs N2 first, every time, so a rerun matches what is there now.

Netvisor takes one call at a time, so a load towards Netvisor sends from one thread (more would
only queue on the connector's company lock); towards Rackbeat it sends from four.
"""

from __future__ import annotations

from collections.abc import Sequence

from so24_pipelines.connectors.netvisor import NetvisorClient
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.netvisor import match_report, reads
from so24_pipelines.flows.netvisor.link_log import LinkLog
from so24_pipelines.flows.netvisor.links import Link, apply_matches, links_of
from so24_pipelines.flows.netvisor.matching import Register
from so24_pipelines.flows.netvisor.registers import LOADS, Direction, RegisterLoad
from so24_pipelines.flows.netvisor.targets_netvisor import NetvisorRegister
from so24_pipelines.flows.netvisor.targets_rackbeat import RackbeatRegister
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.mapping import load_spec, map_records
from so24_pipelines.sync import Plan

WORKERS = {"netvisor": 1, "rackbeat": 4}
LIMIT = 50


def _what_happens(plan: Plan, links: dict[str, Link], load: RegisterLoad) -> str:
    """The planned creates, split into links (with their rule) and records to make."""
    creates = [item for item in plan.items if item.action == "create"]
    if not creates:
        return "nothing to create or link"
    other = "Rackbeat" if load.target == "rackbeat" else "Netvisor"
    lines = [f"| {load.source.capitalize()} key | {other} | how |", "|---|---|---|"]
    for item in creates[:LIMIT]:
        link = links.get(item.record.source_key)
        how = (
            f"link to {link.what} (N2 rule: {link.rule})" if link else "create (after a look-up of its code)"
        )
        lines.append(
            f"| {item.record.source_key} | {link.key if link else item.record.business_key or ''} | {how} |"
        )
    if len(creates) > LIMIT:
        lines.append(f"| … | | {len(creates) - LIMIT} more |")
    return "\n".join(lines)


def sync_register(
    run: RunContext,
    nv: NetvisorClient,
    rb: RackbeatClient,
    identity: str,
    register: Register,
    direction: Direction,
    *,
    product_group: int | None = None,
) -> FlowRun:
    """N1 for one register in `direction` (module doc); `identity` is the Netvisor company's business ID."""
    return carry(run, nv, rb, identity, LOADS[(register, direction)], product_group=product_group)


def carry(
    run: RunContext,
    nv: NetvisorClient,
    rb: RackbeatClient,
    identity: str,
    load: RegisterLoad,
    *,
    product_group: int | None = None,
    keys: Sequence[str] | None = None,
    adopt: bool = False,
) -> FlowRun:
    """One register load after N2: N1's, or N3's (its own flow key, only the `keys` changed since going
    live, and `adopt`: a linked record gets the change written, targets_netvisor.py)."""
    register = load.register
    reads.ensure_tables(run.db_path)
    entries = match_report.entries(run.db_path, identity, register, load.source)
    if not entries:
        return run.idle(
            load.flow, f"N2 has not matched the {register} yet: run the job netvisor_initial_sync (N2 first)"
        )
    spec = load_spec(load.spec)
    links = links_of(entries, load.target)
    mapped = map_records(run.db_path, spec, identity, keys=keys) if keys is None or keys else []
    records = apply_matches(mapped, entries, counterpart_is_business_key=load.counterpart_is_business_key)
    records = run.retire_failures(
        load.flow, records, f"no longer in {load.source.capitalize()}'s {register}; not sent"
    )
    linked = {
        r.business_key for r in records if r.source_key in links and r.business_key and not r.skip_reason
    }
    target: NetvisorRegister | RackbeatRegister
    if load.target == "netvisor":
        target = NetvisorRegister(
            nv, load.target_entity, links, create_only=spec.create_only_fields,  # type: ignore[arg-type]
            linked_business_keys=linked, adopt=adopt,
        )  # fmt: skip
    else:
        target = RackbeatRegister(
            rb, load.target_entity, links, create_only=spec.create_only_fields,  # type: ignore[arg-type]
            product_group=product_group, linked_business_keys=linked,
        )  # fmt: skip
    result = run.load(load.flow, records, target, source_system=load.source, max_workers=WORKERS[load.target])
    log: LinkLog = target.log
    notes: dict[str, str | int] = {"direction": load.direction, **log.notes()}
    notes["links_and_creates"] = "\n".join(_what_happens(plan, links, load) for plan in result.plans)
    return result.noting(**notes)
