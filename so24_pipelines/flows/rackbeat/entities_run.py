"""One asset's worth of work for R1/R2/R3/R7, without Dagster: the assets are thin shells over this.

Which direction an entity goes is read from the settings at run time of the asset:
- R1 products, R2 customers/suppliers: `24so`, `rackbeat` or `both`;
- product groups follow products (24SO categories -> Rackbeat groups; 24SO has no call to create
  categories, so a group made in Rackbeat cannot go the other way);
- R3 (initial sync) sends 24SO -> Rackbeat whatever the direction, once;
- R7 (created in Rackbeat) sends Rackbeat -> 24SO only where the direction allows it, and
  invoices whenever "invoices" is among flows.R7.entities.

Each function returns the FlowRun every flow reports; one that sends nothing under the settings
says why in its note `idle`. Whether a run only previews is the flow's own `dry_run` setting (R3's
for the initial sync), or the caller's RunContext when that already says so.
"""

from __future__ import annotations

from datetime import timedelta

from so24_pipelines.connectors.errors import ConfigError
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24.client import So24Client
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat import entities_flow as ef
from so24_pipelines.flows.rackbeat.entities_invoices import load_invoices
from so24_pipelines.flows.rackbeat.entities_specs import INVOICES_FLOW, EntitySpec
from so24_pipelines.flows.rackbeat.entities_staging import stage
from so24_pipelines.flows.rackbeat.entities_targets_rackbeat import (
    RackbeatParties,
    RackbeatProductGroups,
    RackbeatProducts,
)
from so24_pipelines.flows.rackbeat.entities_targets_so24 import So24Companies, So24Products
from so24_pipelines.flows.rackbeat.readiness import HUB_FIELDS
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.mapping.spec import load_spec
from so24_pipelines.settings import Settings
from so24_pipelines.sync import DEFAULT_CLAIM_TTL

# Rackbeat's guide says "Norsk"; 24SO stores an invoice language code.
LANGUAGE_CODES = {"norsk": "NO", "norwegian": "NO", "bokmål": "NO", "svenska": "SE", "swedish": "SE",
                  "dansk": "DK", "danish": "DK", "english": "EN", "engelsk": "EN", "suomi": "FI", "finnish": "FI"}


def so24_language(setting: str) -> str:
    """The 24SO InvoiceLanguage for the configured language (a code is passed through)."""
    return LANGUAGE_CODES.get(setting.strip().casefold(), setting.strip().upper())


def direction(settings: Settings, entity: str) -> ef.Direction:
    if entity in ("products", "product_groups"):
        return settings.flows.R1.products
    return getattr(settings.flows.R2, entity)


def _as_set(settings: Settings, run: RunContext, flow_id: str) -> RunContext:
    """The run, previewing when the caller or `flows.<flow_id>.dry_run` says so."""
    return run.previewing(run.dry_run or settings.flow(flow_id).dry_run)


def to_rackbeat(
    settings: Settings,
    rackbeat: RackbeatClient,
    run: RunContext,
    entity: EntitySpec,
    identity: str,
    *,
    initial: bool,
    claim_ttl: timedelta = DEFAULT_CLAIM_TTL,
) -> FlowRun:
    """24SO -> Rackbeat for one entity (R1/R2, or R3 when `initial`)."""
    run = _as_set(settings, run, "R3" if initial else entity.flow_id)
    flow = entity.to_rackbeat_flow
    way_allowed = direction(settings, entity.name) in ("24so", "both")
    if initial and entity.name.replace("product_groups", "product_categories") not in settings.flows.R3.entities:
        return run.idle(flow, f"R3 is set not to copy {entity.name}")
    if not initial and not way_allowed:
        return run.idle(flow, f"direction is {direction(settings, entity.name)!r}: 24SO does not send {entity.name}")
    mode: ef.Direction = "both" if direction(settings, entity.name) == "both" else "24so"
    selection = ef.select(run.db_path, entity, identity, mode, "to_rackbeat")
    target = _rackbeat_target(rackbeat, entity, ef.external_numbers(run.db_path, entity, identity))
    return ef.load_selection(
        run, entity, "to_rackbeat", selection, target, track_pairs=mode == "both", claim_ttl=claim_ttl
    )


def to_so24(
    settings: Settings,
    rackbeat: RackbeatClient,
    so24: So24Client,
    run: RunContext,
    entity: EntitySpec,
    identity: str,
    *,
    claim_ttl: timedelta = DEFAULT_CLAIM_TTL,
) -> FlowRun:
    """Rackbeat -> 24SO for one entity (R1/R2 direction rackbeat/both; R7's created records)."""
    run = _as_set(settings, run, entity.flow_id)
    chosen = direction(settings, entity.name)
    if chosen == "24so":
        return run.idle(entity.to_so24_flow, f"direction is '24so': Rackbeat does not send {entity.name}")
    selection = ef.select(run.db_path, entity, identity, chosen, "to_so24")
    target = _so24_target(settings, rackbeat, so24, entity)
    result = ef.load_selection(
        run, entity, "to_so24", selection, target, track_pairs=chosen == "both", claim_ttl=claim_ttl, max_workers=1
    )
    done = result.counts()
    wrote_links = done.get("created") or done.get("resolved") or done.get("updated") or result.notes.get("linked")
    if not run.dry_run and wrote_links and entity.rb_resource:
        # New or found 24SO ids were written into Rackbeat's fields: stage them now, so what reads
        # the links next (R7 invoices, R4 orders) sees them without waiting for the next tick.
        stage(rackbeat, run.db_path, entity.rb_resource, identity)
    return result


def invoices_to_so24(
    settings: Settings, so24: So24Client, run: RunContext, identity: str, *, claim_ttl: timedelta = DEFAULT_CLAIM_TTL
) -> FlowRun:
    run = _as_set(settings, run, "R7")
    if "invoices" not in settings.flows.R7.entities:
        return run.idle(INVOICES_FLOW, "flows.R7.entities does not include invoices")
    return load_invoices(so24, run, identity, claim_ttl=claim_ttl)


def hub_field_id(client: RackbeatClient, resource: str) -> int:
    """The id of the hub's custom field on `resource`; ConfigError until rackbeat_setup made it.

    One call, not the whole readiness report: the report runs once per run in rackbeat_setup,
    whose blocking check keeps the flow assets from running on an account that is not ready.
    """
    name, target = HUB_FIELDS[resource]
    found = client.find_field(name, available_for=target)
    if found is None:
        raise ConfigError(
            f"Rackbeat custom field {name!r} ({target}) is missing: materialize rackbeat_setup, which creates it"
        )
    return int(found["id"])


def _rackbeat_target(
    client: RackbeatClient, entity: EntitySpec, numbers: dict[str, str]
) -> RackbeatProductGroups | RackbeatProducts | RackbeatParties:
    if entity.name == "product_groups":
        return RackbeatProductGroups(client)
    create_only = load_spec(entity.to_rackbeat_spec).create_only_fields
    if entity.name == "products":
        return RackbeatProducts(client, hub_field_id(client, "products"), create_only=create_only)
    return RackbeatParties(client, entity.name, hub_field_id(client, entity.name), numbers=numbers, create_only=create_only)


def _so24_target(
    settings: Settings, rackbeat: RackbeatClient, so24: So24Client, entity: EntitySpec
) -> So24Products | So24Companies:
    create_only = load_spec(entity.to_so24_spec).create_only_fields if entity.to_so24_spec else ()
    if entity.name == "products":
        return So24Products(so24, rackbeat, hub_field_id(rackbeat, "products"), create_only=create_only)
    r2 = settings.flows.R2
    return So24Companies(
        so24, rackbeat, entity.name, hub_field_id(rackbeat, entity.name),
        currency=r2.currency, language=so24_language(r2.language), create_only=create_only,
    )  # fmt: skip
