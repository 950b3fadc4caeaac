"""The pieces every system's Dagster room builds its flow assets from, so they look and act alike.

- `FlowAsset` + `flow_asset(spec, body)`: one flow as an asset. The body gets the step's context
  (resources, run tags) and a `RunContext` (staging file, run id, dry run) and returns the flow's
  FlowRuns; the template adds the rest: pool, retry, tag, definition metadata `mapping`, the
  switched-off answer, the one metadata vocabulary (`flow_metadata`), and a setting problem
  told once. `failed_records_check` (or `flow_checks`) is its asset check.
- `FLOW_TAG` (`so24/flow`): the one tag key naming a flow (E1, R4, O3, ...) on assets, jobs and
  runs; sensors and the UI filter on it.
- `RETRY`: transient failures (a dropped connection after the connector's own retries, a lock
  held too long) get two more tries with jittered backoff; a flow is idempotent, so a retry
  re-plans and sends only what is still missing.
- `pool_for(system)`: one Dagster pool per external API (`<system>_api`), so the steps calling
  one API are bounded together (`dagster instance concurrency set rackbeat_api 1`).
- `told_to_user`: a setting or prerequisite problem (ConfigError, AuthError) fails the step once
  with its own message; retrying it would only repeat the message.
- `failed_records_check`: the asset check that shows what of a flow waits in the failed records.
- `every(...)`: a schedule on a cadence in minutes, running by default when its flow is on.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import dagster as dg

from so24_pipelines.connectors.errors import AuthError, ConfigError
from so24_pipelines.defs.cadence import cron_for
from so24_pipelines.defs.flow_metadata import flow_metadata, mapping_metadata, reasons_markdown, switched_off
from so24_pipelines.defs.resources import StagingResource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.sync.failures import failed_records

FLOW_TAG = "so24/flow"
RETRY = dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def pool_for(system: str) -> str:
    return f"{system}_api"


def flow_tags(flow: str) -> dict[str, str]:
    return {FLOW_TAG: flow}


@contextmanager
def told_to_user() -> Iterator[None]:
    """A setting or prerequisite problem fails the run once with its message (no retries)."""
    try:
        yield
    except (ConfigError, AuthError) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None


def failed_records_check(asset: str, flows: Sequence[str]) -> dg.AssetChecksDefinition:
    """WARN while a record of `flows` waits in the failed records (each tick retries it)."""
    owned = tuple(flows)

    @dg.asset_check(
        asset=asset, name="no_failed_records",
        description=f"No record of {', '.join(owned)} is waiting in the failed records (they retry each tick).",
    )  # fmt: skip
    def _check(staging: StagingResource) -> dg.AssetCheckResult:
        rows = failed_records(staging.db_path, owned)
        listed = [(f"{flow} {key} ({attempts}x)", reason) for flow, key, reason, attempts in rows]
        return dg.AssetCheckResult(
            passed=not rows,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"failed_records": len(rows), "records": dg.MetadataValue.md(reasons_markdown(listed))},
        )

    return _check


FlowBody = Callable[..., Sequence[FlowRun]]
"""(context, run) -> the flow's runs; with a run config, (context, run, config) -> the flow's runs."""


@dataclass(frozen=True)
class FlowAsset:
    """One flow as an asset: what the graph shows of it and what its check watches.

    `flow` is the flow id its tag names; `system` the external API whose pool bounds it; `owns`
    the loader flow keys it writes (its failed-records check); `specs` the mapping specs shown as
    definition metadata; `resources` the resource keys its body reads besides `staging`.
    """

    name: str
    flow: str
    system: str
    group: str
    kinds: frozenset[str]
    description: str
    deps: tuple[str, ...] = ()
    owns: tuple[str, ...] = ()
    specs: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()


def flow_asset(
    spec: FlowAsset, body: FlowBody, *, enabled: bool = True, dry_run: bool = False,
    config: type[dg.Config] | None = None,
) -> dg.AssetsDefinition:  # fmt: skip
    """The asset of one flow: `body` runs with a RunContext (previewing when `dry_run`).

    With `config`, the asset takes that run config (an event flow's event ids and the records they
    name, R9's order id) and the body gets it as a third argument; a sensor's RunRequest keys it by
    the asset's name. A flow that is switched off stays in the graph (lineage, description) and a
    materialization of it does nothing and says so.
    """
    state = "" if enabled else f" Switched off (flows.{spec.flow}.enabled: false)."
    decorate = dg.asset(
        name=spec.name, group_name=spec.group, kinds=set(spec.kinds), deps=list(spec.deps),
        pool=pool_for(spec.system), retry_policy=RETRY, description=spec.description + state,
        tags=flow_tags(spec.flow), metadata=mapping_metadata(*spec.specs) if spec.specs else None,
        required_resource_keys={"staging", *spec.resources},
    )  # fmt: skip

    def materialize(context: dg.AssetExecutionContext, *given: dg.Config) -> dg.MaterializeResult:
        if not enabled:
            context.log.warning("%s is switched off in so24.yaml; nothing done", spec.flow)
            return switched_off(spec.flow)
        run = RunContext.of(context.resources.staging.db_path, context.run.run_id, dry_run)
        with told_to_user():
            runs = list(body(context, run, *given))
        for done in runs:
            dry = " (dry run)" if done.dry_run else ""
            context.log.info("%s%s: planned %s, done %s", done.flow, dry, done.planned(), done.counts())
        return dg.MaterializeResult(metadata=flow_metadata(runs))

    if config is None:

        def _asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
            return materialize(context)

        return decorate(_asset)

    def _configured(context: dg.AssetExecutionContext, config) -> dg.MaterializeResult:  # noqa: ANN001
        return materialize(context, config)

    # Dagster reads the run config's schema from the parameter's annotation.
    _configured.__annotations__["config"] = config
    return decorate(_configured)


def flow_checks(specs: Iterable[FlowAsset]) -> list[dg.AssetChecksDefinition]:
    """`no_failed_records` for every flow asset that owns loader flow keys."""
    return [failed_records_check(spec.name, spec.owns) for spec in specs if spec.owns]


def every(
    name: str, job: Any, minutes: int, *, running: bool,
    description: str | None = None,
) -> dg.ScheduleDefinition:  # fmt: skip
    """A schedule of `job` (what define_asset_job returns) every `minutes`, running by default when on."""
    return dg.ScheduleDefinition(
        name=name, job=job, cron_schedule=cron_for(minutes), description=description,
        default_status=dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED,
    )  # fmt: skip
