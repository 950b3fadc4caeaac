"""E1-E7 as Dagster assets (group "so24"): thin shells over extraction/so24_run.py.

Each asset reads incrementally (after its high-water mark) on the 15-minute schedule and reads
everything on its first run. The initial sync of the large lists (companies, orders) can instead
run as a backfill the user watches, pauses and resumes in the UI: the *_batches asset takes the
SyncList ids and registers one partition per batch of at most 1000 ids, and the *_initial asset
materializes one batch per partition.

Groups follow what "Materialize all" on a group can do in one go, so every group holds assets of
one partitioning: "so24" (the extraction, unpartitioned), "so24_initial_sync" (the two plan
assets, unpartitioned) and one group per *_initial asset (each has its own set of batches). Had a
plan asset and its *_initial asset shared a group, Materialize all would open a backfill whose
partitions are fixed at launch, before the plan in that same backfill registers them: the
*_initial asset would get none, silently. The plan comes first, by the job `so24_initial_sync`;
the *_initial assets are `eager`, so the sensor `so24_initial_sync_backfill` then starts one
backfill of every planned batch (automation.py).

Tag, pool and retry come from the shared template (defs/flow_asset.py): the `so24/flow` tag names
the E-flow of each asset, the pool "so24_api" bounds the steps calling 24SO, and a setting problem
(ConfigError, AuthError: a company that is not the login's, refused credentials) fails once.
"""


import dagster as dg

from so24_pipelines.connectors.so24 import session
from so24_pipelines.defs.company_scope import asset_key, asset_keys, partition_set_name, pool_for
from so24_pipelines.defs.flow_asset import RETRY, flow_tags, told_to_user
from so24_pipelines.defs.resources import So24Resource, StagingResource
from so24_pipelines.defs.so24.metadata import extract_metadata
from so24_pipelines.flows.so24 import extract as so24_run
from so24_pipelines.flows.so24.entities import ENTITIES, So24Entity

GROUP = "so24"
INITIAL_SYNC_GROUP = "so24_initial_sync"
KINDS = {"soap", "duckdb"}
POOL = pool_for("so24")

DESCRIPTIONS = {
    "products": "E1 - 24SO products (ProductService.GetProducts) with stock, EAN1, weight, category.",
    "categories": "E2 - 24SO product categories (ProductService.GetCategories).",
    "companies": "E3 - 24SO customers and suppliers with addresses, phones, e-mails (CompanyService.GetCompanies).",
    "orders": "E4 - 24SO invoice orders with status, delivery method and addresses (InvoiceService.GetInvoices).",
    "projects": "E5 - 24SO projects (ProjectService.GetProjectList).",
    "work_types": "E6 - 24SO work types (TimeService.GetWorkTypeList).",
    "salary_types": "E6 - 24SO salary types (TimeService.GetSalaryTypes).",
    "persons": "E7 - 24SO employees with their contact ids (PersonService.GetPersons, IsEmployee).",
}

BATCH_PARTITIONS = {
    "companies": dg.DynamicPartitionsDefinition(name=partition_set_name("so24_company_batches")),
    "orders": dg.DynamicPartitionsDefinition(name=partition_set_name("so24_order_batches")),
}


def _extract_asset(entity: So24Entity) -> dg.AssetsDefinition:
    specs = [
        dg.AssetSpec(
            asset_key(f"so24_{entity.name}"),
            group_name=GROUP,
            kinds=KINDS,
            description=DESCRIPTIONS[entity.name],
            deps=asset_keys([f"so24_{entity.name}_initial"] if entity.id_list is not None else []),
            tags=flow_tags(entity.flow),
            metadata={"staging_table": entity.table.qualified},
        )
    ]
    if entity.child is not None:
        specs.append(
            dg.AssetSpec(
                asset_key(f"so24_{entity.child.name.removeprefix('so24_')}"),
                group_name=GROUP,
                kinds=KINDS,
                description=f"{entity.flow} - rows of 24SO orders, replaced per order when it changes.",
                deps=[asset_key(f"so24_{entity.name}")],
                tags=flow_tags(entity.flow),
                metadata={"staging_table": entity.child.qualified},
            )
        )

    @dg.multi_asset(name=f"so24_{entity.name}_extract", specs=specs, pool=POOL, retry_policy=RETRY)
    def _asset(context: dg.AssetExecutionContext, so24: So24Resource, staging: StagingResource):
        results = []
        with told_to_user(), so24.client() as client:
            for identity_id in so24.identity_ids():
                identity = session.current_identity(client, identity_id)
                report = so24_run.extract(
                    client, staging.db_path, entity, identity,
                    overlap_minutes=so24.overlap_minutes, batch_size=so24.batch_size,
                )
                context.log.info(
                    "%s for %s: %s, %d new, %d changed, %d unchanged, %d rejected",
                    entity.name, identity, report.mode, report.rows.inserted, report.rows.updated,
                    report.rows.unchanged, len(report.rows.rejected),
                )
                if report.future_dated:
                    context.log.warning(
                        "%s for %s: %d records dated after this read began; staged, the mark stays at %s",
                        entity.name, identity, report.future_dated, report.watermark,
                    )
                results.append(report)
            calls = client.calls
        yield from extract_metadata(staging.db_path, entity, results, calls=calls)

    return _asset


def initial_sync_group(entity_name: str) -> str:
    """The group of one *_initial asset: alone, so its group's Materialize all is its backfill."""
    return f"{INITIAL_SYNC_GROUP}_{entity_name}"


def _batches_asset(entity: So24Entity) -> dg.AssetsDefinition:
    partitions = BATCH_PARTITIONS[entity.name]

    @dg.asset(
        key=asset_key(f"so24_{entity.name}_batches"),
        group_name=INITIAL_SYNC_GROUP,
        kinds=KINDS,
        pool=POOL,
        description=(
            f"{entity.flow} initial sync, step 1: take the 24SO SyncList ids and plan batches of at most "
            f"1000; each batch becomes a partition of so24_{entity.name}_initial, which the sensor "
            "so24_initial_sync_backfill then backfills. Run by the job so24_initial_sync."
        ),
    )
    def _asset(context: dg.AssetExecutionContext, so24: So24Resource, staging: StagingResource) -> dg.MaterializeResult:
        keys: list[str] = []
        with told_to_user(), so24.client() as client:
            for identity_id in so24.identity_ids():
                identity = session.current_identity(client, identity_id)
                keys += so24_run.plan_batches(client, staging.db_path, entity, identity, batch_size=so24.batch_size)
        existing = set(context.instance.get_dynamic_partitions(partitions.name))
        stale = sorted(existing - set(keys))
        for key in stale:
            context.instance.delete_dynamic_partition(partitions.name, key)
        context.instance.add_dynamic_partitions(partitions.name, [k for k in keys if k not in existing])
        return dg.MaterializeResult(
            metadata={"batches": len(keys), "partitions_removed": len(stale), "partition_set": partitions.name}
        )

    return _asset


def _initial_asset(entity: So24Entity) -> dg.AssetsDefinition:
    partitions = BATCH_PARTITIONS[entity.name]

    @dg.asset(
        key=asset_key(f"so24_{entity.name}_initial"),
        group_name=initial_sync_group(entity.name),
        kinds=KINDS,
        pool=POOL,
        partitions_def=partitions,
        deps=[asset_key(f"so24_{entity.name}_batches")],
        retry_policy=RETRY,
        # A new plan (the batches asset updated) or a newly planned batch asks for the batches again;
        # nothing else does, so the initial sync never starts without a plan someone made.
        automation_condition=dg.AutomationCondition.eager(),
        description=(
            f"{entity.flow} initial sync, step 2: one batch of ids per partition, upserted into staging. "
            "Backfilled by the sensor so24_initial_sync_backfill after each plan."
        ),
    )
    def _asset(context: dg.AssetExecutionContext, so24: So24Resource, staging: StagingResource) -> dg.MaterializeResult:
        with told_to_user(), so24.client() as client:
            report = so24_run.extract_batch(client, staging.db_path, entity, context.partition_key)
        return dg.MaterializeResult(
            metadata={
                "ids_in_batch": report.rows.received,
                "inserted": report.rows.inserted,
                "updated": report.rows.updated,
                "unchanged": report.rows.unchanged,
                "rejected": len(report.rows.rejected),
                "child_rows_inserted": report.child_rows.inserted,
            }
        )

    return _asset


EXTRACT_ASSETS = [_extract_asset(e) for e in ENTITIES.values()]
BACKFILL_ASSETS = [f(ENTITIES[name]) for name in BATCH_PARTITIONS for f in (_batches_asset, _initial_asset)]
INITIAL_SYNC_PLAN = dg.AssetSelection.groups(INITIAL_SYNC_GROUP)
INITIAL_SYNC_BATCHES = dg.AssetSelection.groups(*[initial_sync_group(name) for name in BATCH_PARTITIONS])
INCREMENTAL_SELECTION = dg.AssetSelection.assets(
    *[spec.key for a in EXTRACT_ASSETS for spec in a.specs]
)
