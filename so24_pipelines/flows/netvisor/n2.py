"""N2 matching: read both registers, decide the links (matching.py), overwrite the business-ID ones.

One run, per register in flows.N1.registers:
1. read every record of Netvisor's and Rackbeat's register and stage them (reads.py);
2. run the cascade over the staged snapshot and store the report (match_report.py), dry run too:
   the report is the preview, and N1 reads its links from it;
3. customers: the Rackbeat customers linked by business ID go through the loader to their Netvisor
   card (flow N2.customers.overwrite, card_overwrite.py): seed 003's overwrite, with what changes
   listed field by field before it is written. On a dry run this is only planned. The cards
   written are read again into staging, so N1 carries them as Netvisor now holds them (and a
   second run finds them unchanged).
The metadata's `preview` is the report (each link with its rule and both records, what each
business-ID link overwrites, each hold with its reason) followed by the loader's plan of the
overwrite; `linked_<rule>`, `held_<kind>` and `unmatched_<side>` count the cases by rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from so24_pipelines.connectors.netvisor import NetvisorClient
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.netvisor import match_report, reads
from so24_pipelines.flows.netvisor.card_overwrite import CardLink, NetvisorCardOverwrite
from so24_pipelines.flows.netvisor.matching import Case, Register, match_register, summary
from so24_pipelines.flows.netvisor.overwrite import changes, describe_changes
from so24_pipelines.flows.netvisor.payloads import without
from so24_pipelines.flows.netvisor.preview import report_markdown
from so24_pipelines.flows.netvisor.registers import OVERWRITE_FLOW, OVERWRITE_SPEC
from so24_pipelines.flows.netvisor.tables import NETVISOR_CUSTOMERS
from so24_pipelines.flows.result import FlowRun, StagedRead
from so24_pipelines.mapping import load_spec, map_records
from so24_pipelines.mapping.spec import Spec
from so24_pipelines.sync import MappedRecord

FLOW = "N2"


def _card_links(
    run: RunContext, identity: str, spec: Spec, cases: Sequence[Case]
) -> tuple[list[MappedRecord], dict[str, CardLink]]:
    """The overwrite's records (Rackbeat customers linked by business ID) and what each changes."""
    linked = {c.rackbeat[0].key: c for c in cases if c.register == "customers" and c.outcome == "linked"
              and c.rule == "business_id"}  # fmt: skip
    if not linked:
        return [], {}
    records = map_records(run.db_path, spec, identity, keys=sorted(linked))
    cards: dict[str, CardLink] = {}
    for record in records:
        case = linked[record.source_key]
        netvisor = case.netvisor[0]
        if record.skip_reason:
            continue
        card = reads.staged_row(run.db_path, NETVISOR_CUSTOMERS, identity, netvisor.key)
        found = changes(without(record.payload, spec.create_only_fields), card)
        cards[record.source_key] = CardLink(
            netvisor.key, netvisor.business_id or "", describe_changes(found), bool(found)
        )
    return records, cards


def match_registers(
    run: RunContext, nv: NetvisorClient, rb: RackbeatClient, identity: str, registers: Sequence[Register]
) -> FlowRun:
    """N2 over `registers` (module doc); `identity` is the Netvisor company's business ID."""
    reads.ensure_tables(run.db_path)
    staged: list[StagedRead] = []
    cases: list[Case] = []
    for register in registers:
        netvisor, rackbeat = reads.read_netvisor(nv, register), reads.read_rackbeat(rb, register)
        staged += reads.stage_register(run.db_path, identity, register, netvisor, rackbeat)
        cases += match_register(register, *reads.staged_records(run.db_path, identity, register))
    spec = load_spec(OVERWRITE_SPEC)
    records, cards = _card_links(run, identity, spec, cases) if "customers" in registers else ([], {})
    overwrites = {key: card.changes for key, card in cards.items()}
    match_report.store(run.db_path, identity, registers, cases, overwrites, run.run_id)
    report = report_markdown(cases, overwrites)
    result = FlowRun(FLOW, run.dry_run, reads=tuple(staged), notes=summary(cases))
    if "customers" in registers:
        records = run.retire_failures(
            OVERWRITE_FLOW, records, "no longer linked by business ID; not overwritten"
        )
        target = NetvisorCardOverwrite(nv, cards, create_only=spec.create_only_fields)
        loaded = run.load(OVERWRITE_FLOW, records, target, source_system="rackbeat", max_workers=1)
        if not run.dry_run:
            reads.restage_netvisor_customers(
                run.db_path, identity, nv, sorted(int(k) for k in target.written)
            )
        result = result.merge(loaded)
    # N2's preview is the match report, then the loader's plan of the overwrite: the links are its plan.
    return result.noting(
        preview="\n\n".join(filter(None, (report, result.preview() if result.plans else "")))
    )
