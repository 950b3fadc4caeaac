"""R1, R2, R3, R7 and the readiness check (X6) as Dagster assets, checks, jobs and sensors.

Group "rackbeat". The graph, upstream first:
- `rackbeat_setup`: checks the account (groups, payment term) and makes the hub's custom fields;
  a missing prerequisite fails it with the readiness report and what to create, so nothing
  downstream runs. Its blocking check `rackbeat_readiness` is the X6 report in the UI.
- `rackbeat_<entity>` staging assets: Rackbeat records into staging.rackbeat_*.
- flow assets `r1_product_groups_to_rackbeat`, `r1_products_to_rackbeat|to_so24`,
  `r2_customers_to_rackbeat|to_so24`, `r2_suppliers_to_rackbeat|to_so24`, `r7_invoices_to_so24`:
  one load each; whether it sends anything depends on the direction in so24.yaml, read per run.

Jobs: `rackbeat_entities_sync` (R1/R2, on the 24SO cadence), `rackbeat_initial_sync` (R3, once on
activation), `rackbeat_created_to_so24` (R7, launched by the webhook sensor per created event,
run_key = event id, so a redelivered event never starts a second run).

The flow assets are built from the shared template (defs/flow_asset.py), like every system's
flows; each has the asset check `no_failed_records` for the loader flow it writes.
"""


from typing import Any

import dagster as dg

from so24_pipelines.defs.company_scope import asset_key, asset_selection, company_tags, pool_for
from so24_pipelines.defs.flow_asset import (
    FLOW_TAG,
    RETRY,
    FlowAsset,
    FlowBody,
    every,
    flow_asset,
    flow_checks,
    flow_tags,
)
from so24_pipelines.defs.inbox_events import new_events
from so24_pipelines.defs.rackbeat.resources import RackbeatResource
from so24_pipelines.defs.resources import InboxResource, So24Resource, StagingResource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.pairing import use_identity
from so24_pipelines.flows.rackbeat import entities_run as er
from so24_pipelines.flows.rackbeat.entities_specs import ENTITIES, INVOICES_FLOW, INVOICES_SPEC
from so24_pipelines.flows.rackbeat.entities_staging import ensure_tables, stage
from so24_pipelines.flows.rackbeat.entities_webhooks import CREATED_EVENTS
from so24_pipelines.flows.rackbeat.readiness import ReadinessReport, check_readiness
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.settings import Settings

# What dg.define_asset_job returns; Dagster does not export the class by a public name.
AssetJob = Any

GROUP = "rackbeat"
SYSTEM = "rackbeat"
POOL = pool_for(SYSTEM)
KINDS = frozenset({"rest", "duckdb"})
SETUP = "rackbeat_setup"
SO24_UPSTREAM = {"products": "so24_products", "customers": "so24_companies", "suppliers": "so24_companies",
                 "product_groups": "so24_categories"}  # fmt: skip
STAGED = ("product_groups", "products", "customers", "suppliers", "invoices")


def so24_identity(so24: So24Resource, db_path: str, settings: Settings) -> str:
    """The 24SO company paired with the Rackbeat account (flows/pairing.py, one rule for every system)."""
    return so24.paired_identity(db_path, "rackbeat", settings.rackbeat.so24_identity)


def _readiness(rackbeat: RackbeatResource, *, ensure_fields: bool) -> ReadinessReport:
    with rackbeat.client() as client:
        return check_readiness(client, ensure_fields=ensure_fields)


def _setup_asset() -> dg.AssetsDefinition:
    @dg.asset(
        key=asset_key(SETUP), group_name=GROUP, kinds=KINDS, pool=POOL, retry_policy=RETRY,
        description="X6 - Rackbeat prerequisites (customer group 1, supplier group 1, a payment term) and the "
        "hub's custom fields; fails naming what to create, so no R flow runs on an account that is not ready.",
    )  # fmt: skip
    def _asset(context: dg.AssetExecutionContext, rackbeat: RackbeatResource, staging: StagingResource):
        ensure_tables(staging.db_path)
        report = _readiness(rackbeat, ensure_fields=True)
        markdown = dg.MetadataValue.md(report.to_markdown())
        if not report.ok:
            raise dg.Failure(
                description="Rackbeat is not ready for the 24SO integration: " + "; ".join(report.problems),
                metadata={"readiness": markdown},
                allow_retries=False,
            )
        return dg.MaterializeResult(
            metadata={"readiness": markdown, **{f"field_{k}": v for k, v in report.field_ids.items()}}
        )

    return _asset


@dg.asset_check(
    asset=asset_key(SETUP), name="rackbeat_readiness", blocking=True, description="X6 readiness report for Rackbeat."
)
def rackbeat_readiness(rackbeat: RackbeatResource) -> dg.AssetCheckResult:
    report = _readiness(rackbeat, ensure_fields=False)
    return dg.AssetCheckResult(
        passed=report.ok,
        metadata={"report": dg.MetadataValue.md(report.to_markdown()), "problems": len(report.problems)},
        description=None if report.ok else "; ".join(report.problems),
    )


def _staging_asset(entity: str, settings: Settings) -> dg.AssetsDefinition:
    @dg.asset(
        key=asset_key(f"rackbeat_{entity}"), group_name=GROUP, kinds=KINDS, pool=POOL, deps=[asset_key(SETUP)],
        retry_policy=RETRY,
        description=f"Rackbeat {entity.replace('_', ' ')} read into staging.rackbeat_{entity} (changed since the last read).",
    )  # fmt: skip
    def _asset(
        context: dg.AssetExecutionContext, rackbeat: RackbeatResource, so24: So24Resource, staging: StagingResource
    ):
        ensure_tables(staging.db_path)
        identity = so24_identity(so24, str(staging.db_path), settings)
        with rackbeat.client() as client:
            report = stage(client, staging.db_path, entity, identity)
        rows = report.rows
        return dg.MaterializeResult(
            metadata={
                "mode": report.mode, "received": rows.received, "inserted": rows.inserted,
                "updated": rows.updated, "unchanged": rows.unchanged, "rejected": len(rows.rejected),
            }
        )  # fmt: skip

    return _asset


def _flow(name: str, flow: str, description: str, deps: list[str], owns: str, spec: str | None,
          resources: tuple[str, ...] = ("rackbeat", "so24")) -> FlowAsset:  # fmt: skip
    return FlowAsset(
        name=name, flow=flow, system=SYSTEM, group=GROUP, kinds=KINDS, description=description,
        deps=tuple(deps), owns=(owns,), specs=(spec,) if spec else (), resources=resources,
    )  # fmt: skip


def _to_rackbeat(settings: Settings, name: str) -> tuple[FlowAsset, FlowBody]:
    entity = ENTITIES[name]
    deps = [SETUP, SO24_UPSTREAM[name]]
    if entity.rb_table:
        deps.append(f"rackbeat_{name}")
    if name == "products":
        deps.append("r1_product_groups_to_rackbeat")
    spec = _flow(
        f"{entity.flow_id.lower()}_{name}_to_rackbeat", entity.flow_id,
        f"{entity.flow_id}/R3 - 24SO {name.replace('_', ' ')} to Rackbeat (direction 24so or both; "
        "always in the R3 initial sync).",
        deps, entity.to_rackbeat_flow, entity.to_rackbeat_spec,
    )  # fmt: skip

    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        ensure_tables(run.db_path)
        identity = so24_identity(context.resources.so24, str(run.db_path), settings)
        initial = context.run.tags.get(FLOW_TAG) == "R3"
        with context.resources.rackbeat.client() as client:
            return [er.to_rackbeat(settings, client, run, entity, identity, initial=initial)]

    return spec, body


def _to_so24(settings: Settings, name: str) -> tuple[FlowAsset, FlowBody]:
    entity = ENTITIES[name]
    spec = _flow(
        f"{entity.flow_id.lower()}_{name}_to_so24", entity.flow_id,
        f"{entity.flow_id}/R7 - Rackbeat {name} to 24SO (direction rackbeat or both); new 24SO ids are "
        "written back into the Rackbeat custom field.",
        [SETUP, f"rackbeat_{name}", SO24_UPSTREAM[name]], entity.to_so24_flow, entity.to_so24_spec,
    )  # fmt: skip

    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        ensure_tables(run.db_path)
        so24: So24Resource = context.resources.so24
        identity = so24_identity(so24, str(run.db_path), settings)
        with context.resources.rackbeat.client() as rb, so24.client() as client:
            use_identity(client, identity, "rackbeat")
            return [er.to_so24(settings, rb, client, run, entity, identity)]

    return spec, body


def _invoices(settings: Settings) -> tuple[FlowAsset, FlowBody]:
    spec = _flow(
        "r7_invoices_to_so24", "R7",
        "R7 - booked Rackbeat customer invoices to 24SO invoice orders (customers and products must be "
        "linked; an invoice waits with the reason until they are).",
        [SETUP, "rackbeat_invoices", "r2_customers_to_so24", "r1_products_to_so24"], INVOICES_FLOW, INVOICES_SPEC,
        resources=("so24",),
    )  # fmt: skip

    def body(context: dg.AssetExecutionContext, run: RunContext) -> list[FlowRun]:
        ensure_tables(run.db_path)
        so24: So24Resource = context.resources.so24
        identity = so24_identity(so24, str(run.db_path), settings)
        with so24.client() as client:
            use_identity(client, identity, "rackbeat")
            return [er.invoices_to_so24(settings, client, run, identity)]

    return spec, body


def flows(settings: Settings) -> list[tuple[FlowAsset, FlowBody]]:
    """The R1/R2/R3/R7 flow assets with their bodies."""
    built = [_to_rackbeat(settings, name) for name in ENTITIES]
    built += [_to_so24(settings, name) for name in ENTITIES if ENTITIES[name].to_so24_spec]
    built.append(_invoices(settings))
    return built


def build_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    assets = [_setup_asset(), *(_staging_asset(e, settings) for e in STAGED)]
    return assets + [flow_asset(spec, body) for spec, body in flows(settings)]


def build_jobs(settings: Settings) -> dict[str, AssetJob]:
    r3_entities = {"product_categories": "product_groups"}
    initial = [r3_entities.get(e, e) for e in settings.flows.R3.entities]
    extraction = ["so24_categories", "so24_products", "so24_companies"]
    to_rb = [f"{ENTITIES[n].flow_id.lower()}_{n}_to_rackbeat" for n in ENTITIES]
    to_so24 = [f"{ENTITIES[n].flow_id.lower()}_{n}_to_so24" for n in ENTITIES if ENTITIES[n].to_so24_spec]
    staged = [f"rackbeat_{e}" for e in ("product_groups", "products", "customers", "suppliers")]
    return {
        "rackbeat_entities_sync": dg.define_asset_job(
            "rackbeat_entities_sync",
            selection=asset_selection(SETUP, *extraction, *staged, *to_rb, *to_so24),
            tags=flow_tags("R1"),
            description="R1/R2: products, product groups, customers and suppliers in the configured directions.",
        ),
        "rackbeat_initial_sync": dg.define_asset_job(
            "rackbeat_initial_sync",
            selection=asset_selection(
                SETUP, *extraction, *staged,
                *[f"{ENTITIES[n].flow_id.lower()}_{n}_to_rackbeat" for n in ENTITIES if n in initial],
            ),  # fmt: skip
            tags=flow_tags("R3"),
            description="R3: copy 24SO customers, suppliers, categories (as product groups) and products to Rackbeat, "
            "once, after the readiness check passes.",
        ),
        "rackbeat_created_to_so24": dg.define_asset_job(
            "rackbeat_created_to_so24",
            selection=asset_selection(SETUP, "rackbeat_products", "rackbeat_customers", "rackbeat_suppliers",
                                      "rackbeat_invoices", *to_so24, "r7_invoices_to_so24"),  # fmt: skip
            tags=flow_tags("R7"),
            description="R7: products, customers, suppliers and invoices created in Rackbeat, to 24SO.",
        ),
    }


def allowed_created(settings: Settings) -> set[str]:
    """The R7 entities whose creation in Rackbeat goes to 24SO under the current settings."""
    wanted = set(settings.flows.R7.entities)
    allowed = {"invoices"} & wanted
    allowed |= {e for e in ("products", "customers", "suppliers") if e in wanted and er.direction(settings, e) != "24so"}
    return allowed


def build_sensors(settings: Settings, jobs: dict[str, AssetJob]) -> list[dg.SensorDefinition]:
    created_job = jobs["rackbeat_created_to_so24"]
    initial_job = jobs["rackbeat_initial_sync"]
    r7_on = settings.flows.R7.enabled

    @dg.sensor(
        name="rackbeat_created_events", job=created_job, minimum_interval_seconds=15,
        default_status=dg.DefaultSensorStatus.RUNNING if r7_on else dg.DefaultSensorStatus.STOPPED,
        description="R7: a created event in the webhook inbox starts one run (run_key = event id).",
    )  # fmt: skip
    def created_events(context: dg.SensorEvaluationContext, inbox: InboxResource):
        """R7 runs re-read everything changed in Rackbeat since their last staged read, so an event
        only triggers one: it is marked processed when its run is requested (or when its entity's
        direction keeps it out of 24SO), and a failed run is made good by the next one."""
        box = inbox.open()
        allowed = allowed_created(settings)
        found, cursor = new_events(box, context.cursor, CREATED_EVENTS, source="rackbeat")
        requests, done = [], []
        for name, events in found.items():
            for event in events:
                done.append(event.event_id)
                if CREATED_EVENTS[name] in allowed:
                    requests.append(
                        dg.RunRequest(run_key=event.event_id, tags={**flow_tags("R7"), "rackbeat/event": event.event})
                    )
        box.mark_processed(done)
        context.update_cursor(cursor)
        if not requests:
            return dg.SkipReason(f"no new created events for {sorted(allowed) or 'nothing (directions)'}")
        return requests

    @dg.sensor(
        name="rackbeat_initial_sync_on_activation", job=initial_job, minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING if settings.flows.R3.enabled else dg.DefaultSensorStatus.STOPPED,
        description="R3: starts the initial sync once when the flow is switched on.",
    )  # fmt: skip
    def initial_sync(context: dg.SensorEvaluationContext):
        # By the company's tag too: job names repeat in every company's location of one instance.
        runs = context.instance.get_runs(filters=dg.RunsFilter(job_name=initial_job.name, tags=company_tags()), limit=1)
        if runs:
            run = runs[0]
            if run.status == dg.DagsterRunStatus.FAILURE:
                return dg.SkipReason(
                    f"the initial sync (run {run.run_id}) failed; fix what it names, then re-execute that run"
                )
            return dg.SkipReason(f"the initial sync has run (run {run.run_id}, {run.status.value})")
        return dg.RunRequest(run_key="rackbeat_initial_sync", tags=flow_tags("R3"))

    return [created_events, initial_sync]


def build_rackbeat_entities_definitions(settings: Settings) -> dg.Definitions:
    """R1/R2/R3/R7 and X6 for Rackbeat; merge with the main definitions ("so24", "staging") and the
    order definitions ("inbox", the webhook inbox the R7 sensor reads)."""
    jobs = build_jobs(settings)
    rb = settings.rackbeat
    cadence = settings.so24.cadence_minutes
    schedule = every(
        "rackbeat_entities_schedule", jobs["rackbeat_entities_sync"], cadence,
        running=settings.flows.R1.enabled or settings.flows.R2.enabled,
    )
    return dg.Definitions(
        assets=build_assets(settings),
        asset_checks=[rackbeat_readiness, *flow_checks(spec for spec, _ in flows(settings))],
        jobs=list(jobs.values()),
        schedules=[schedule],
        sensors=build_sensors(settings, jobs),
        resources={
            "rackbeat": RackbeatResource(
                base_url=rb.base_url,
                token=dg.EnvVar("RACKBEAT_API_TOKEN"),
                requests_per_minute=rb.requests_per_minute,
                timeout=float(rb.timeout_seconds),
                max_retries=rb.max_retries,
            ),
        },
    )
