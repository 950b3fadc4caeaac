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
- `pool_for(system)` (defs/company_scope.py): one Dagster pool per external API (`<system>_api`),
  so the steps calling one API are bounded together (`dagster instance concurrency set
  rackbeat_api 1`); in a company's code location per company too (`rackbeat_api:acme`). Assets
  are named by their short name; company_scope makes it the key (`acme/so24_products` there).
- `told_to_user`: a setting or prerequisite problem (ConfigError, AuthError) fails the step once
  with its own message; retrying it would only repeat the message. So does a system that cannot
  be connected to (UnreachableError: refused, unknown host, TLS, connect timeout): the connector
  has already retried for its connect budget (about 20 s), and RETRY's 10 s and 20 s pauses,
  each followed by another full budget, would hold the step (and its pool slot) for a minute and
  a half to say the same thing. The failure names the URL and the setting to check, within 30 s;
  the next scheduled tick is the retry.
- `failed_records_check`: the asset check `no_failed_records`: while a record of the flow waits
  in the failed records it fails with ERROR severity, the records and the target's reasons in its
  metadata, so a run whose load failed records is not a clean success. The asset jobs select it
  with the asset (a check runs after its asset in the same run); a run that leaves it out (the
  one-step event jobs R5/R6/R8, kept to one step for latency) gets the same evaluation from the
  asset step itself (`failed_records_evaluation`), and so does the event sweep.
- `FlowConfig`: the run config every flow asset takes (`dry_run: true` previews one run from the
  launchpad); an event flow's config (which events, which records) extends it.
- `run_alive(instance)`: what the loader asks before taking over a claim of another run: a run
  the instance reports finished, failed or canceled, or does not know, is over, so the records a
  crashed run held resume on the next tick instead of after the 30-minute claim TTL.
- `every(...)`: a schedule on a cadence in minutes, running by default when its flow is on.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import dagster as dg
from pydantic import Field

from so24_pipelines.connectors.errors import AuthError, ConfigError, UnreachableError
from so24_pipelines.defs.cadence import cron_for
from so24_pipelines.defs.company_scope import asset_key, asset_keys, asset_selection, company_tags, pool_for
from so24_pipelines.defs.flow_metadata import flow_metadata, mapping_metadata, reasons_markdown, switched_off
from so24_pipelines.defs.resources import StagingResource
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.sync.failures import failed_record_keys, failed_records

FLOW_TAG = "so24/flow"
CHECK = "no_failed_records"
RETRY = dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def flow_tags(flow: str) -> dict[str, str]:
    """The flow's tag, and in a company's location the company's (its runs carry both)."""
    return {FLOW_TAG: flow, **company_tags()}


@contextmanager
def told_to_user() -> Iterator[None]:
    """A setting or prerequisite problem, or a system that cannot be connected to, fails the step
    once with its message (no Dagster retries; see the module doc)."""
    try:
        yield
    except (ConfigError, AuthError, UnreachableError) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None


class FlowConfig(dg.Config):
    """The run config of every flow asset (and of the ops that load: R9, the event sweep).

    `dry_run: true` makes this one run a preview: the plan goes into the metadata (`preview`) and
    nothing is written anywhere, as with `flows.<flow>.dry_run` in so24.yaml. It can only turn a
    preview on: a flow set to dry run in so24.yaml stays a preview whatever a run asks, so turning
    a flow live is a settings change, reviewed like one, never a launchpad click.
    """

    dry_run: bool = Field(
        default=False,
        description="Preview only: plan and show the plan (metadata 'preview'), write nothing. "
        "A flow set to dry_run in so24.yaml previews whatever this says.",
    )


def run_alive(instance: dg.DagsterInstance) -> Callable[[str], bool]:
    """run id -> whether the instance says that run may still be writing (not finished, and known).

    A run id the instance does not know (deleted, or written by a test or script) is over too: in
    a deployment every load runs in a Dagster run of this instance.
    """

    def alive(run_id: str) -> bool:
        run = instance.get_run_by_id(run_id)
        return run is not None and not run.is_finished

    return alive


def run_context(context: dg.OpExecutionContext | dg.AssetExecutionContext, db_path: Any, dry_run: bool = False) -> RunContext:
    """The flow's RunContext in a Dagster step: this run's id, and the instance to ask whether other runs live."""
    return RunContext.of(db_path, context.run.run_id, dry_run, alive=run_alive(context.instance))


def _failed_records_result(db_path: Any, flows: Sequence[str]) -> tuple[bool, dict[str, Any], str | None]:
    rows = failed_records(db_path, flows)
    count = sum(len(failed_record_keys(db_path, flow)) for flow in flows) if rows else 0
    listed = [(f"{flow} {key} ({attempts}x)", reason) for flow, key, reason, attempts in rows]
    metadata = {"failed_records": count, "records": dg.MetadataValue.md(reasons_markdown(listed))}
    if not rows:
        return True, metadata, None
    flow, key, reason, _ = rows[0]
    more = f" (and {count - 1} more)" if count > 1 else ""
    return False, metadata, f"{count} record(s) failed and wait for a retry; {flow} {key}: {reason[:300]}{more}"


def failed_records_evaluation(db_path: Any, asset: str, flows: Sequence[str]) -> dg.AssetCheckEvaluation:
    """The `no_failed_records` verdict of `asset`, for a step that reports it itself (see module doc)."""
    passed, metadata, description = _failed_records_result(db_path, flows)
    return dg.AssetCheckEvaluation(
        asset_key=asset_key(asset), check_name=CHECK, passed=passed, metadata=metadata,
        severity=dg.AssetCheckSeverity.ERROR, description=description,
    )  # fmt: skip


def failed_records_check(asset: str, flows: Sequence[str]) -> dg.AssetChecksDefinition:
    """ERROR while a record of `flows` waits in the failed records (each tick retries it)."""
    owned = tuple(flows)

    @dg.asset_check(
        asset=asset_key(asset), name=CHECK,
        description=f"No record of {', '.join(owned)} is waiting in the failed records (they retry each tick).",
    )  # fmt: skip
    def _check(staging: StagingResource) -> dg.AssetCheckResult:
        passed, metadata, description = _failed_records_result(staging.db_path, owned)
        return dg.AssetCheckResult(
            passed=passed, severity=dg.AssetCheckSeverity.ERROR, metadata=metadata, description=description
        )

    return _check


def _check_runs_too(context: dg.AssetExecutionContext, asset: str) -> bool:
    """Whether this run also executes the asset's `no_failed_records` check (as a step after the asset)."""
    key = dg.AssetCheckKey(asset_key(asset), CHECK)
    selected = context.run.asset_check_selection
    if selected is not None:
        return key in selected
    try:
        return key in context.job_def.asset_layer.asset_graph.asset_check_keys
    except Exception:  # noqa: BLE001 - cannot tell: report the check from the step, a second verdict is harmless
        return False


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
    config: type[FlowConfig] | None = None,
) -> dg.AssetsDefinition:  # fmt: skip
    """The asset of one flow: `body` runs with a RunContext (previewing when `dry_run`).

    Every flow asset takes a run config: `FlowConfig` (`dry_run`, previewing one run on top of the
    so24.yaml setting), or `config`, a FlowConfig with more (an event flow's event ids and the
    records they name), which the body then gets as a third argument; a sensor's RunRequest keys
    it by the asset's op (company_scope.op_name). A flow that is switched off stays in the graph (lineage, description)
    and a materialization of it does nothing and says so.
    """
    if config is not None and not issubclass(config, FlowConfig):
        raise TypeError(f"{spec.name}: a flow asset's config extends FlowConfig (it carries dry_run)")
    schema = config or FlowConfig
    body_takes_config = config is not None
    state = "" if enabled else f" Switched off (flows.{spec.flow}.enabled: false)."
    decorate = dg.asset(
        key=asset_key(spec.name), group_name=spec.group, kinds=set(spec.kinds), deps=asset_keys(spec.deps),
        pool=pool_for(spec.system), retry_policy=RETRY, description=spec.description + state,
        tags=flow_tags(spec.flow), metadata=mapping_metadata(*spec.specs) if spec.specs else None,
        required_resource_keys={"staging", *spec.resources},
    )  # fmt: skip

    def outcome(context: dg.AssetExecutionContext, given: FlowConfig) -> dg.MaterializeResult:
        if not enabled:
            context.log.warning("%s is switched off in so24.yaml; nothing done", spec.flow)
            return switched_off(spec.flow)
        if given.dry_run and not dry_run:
            context.log.info("%s: dry run asked in the run config; previewing, nothing is written", spec.flow)
        run = run_context(context, context.resources.staging.db_path, dry_run or given.dry_run)
        with told_to_user():
            runs = list(body(context, run, given) if body_takes_config else body(context, run))
        for done in runs:
            dry = " (dry run)" if done.dry_run else ""
            context.log.info("%s%s: planned %s, done %s", done.flow, dry, done.planned(), done.counts())
            if done.failures():
                context.log.warning("%s: %d record(s) failed: %s", done.flow, len(done.failures()), done.failures()[0][1])
        return dg.MaterializeResult(metadata=flow_metadata(runs))

    def _asset(context: dg.AssetExecutionContext, config) -> Iterator[dg.MaterializeResult]:  # noqa: ANN001
        yield outcome(context, config)
        # After the materialization, so the verdict is about it; only when no check step follows.
        if spec.owns and not _check_runs_too(context, spec.name):
            context.log_event(failed_records_evaluation(context.resources.staging.db_path, spec.name, spec.owns))

    # Dagster reads the run config's schema from the parameter's annotation.
    _asset.__annotations__["config"] = schema
    return decorate(_asset)


def flow_checks(specs: Iterable[FlowAsset]) -> list[dg.AssetChecksDefinition]:
    """`no_failed_records` for every flow asset that owns loader flow keys."""
    return [failed_records_check(spec.name, spec.owns) for spec in specs if spec.owns]


def one_flow_on_demand_and_schedule(
    spec: FlowAsset, asset: dg.AssetsDefinition, *, job: str, schedule: str, minutes: int, running: bool,
    what: str,
) -> dg.Definitions:
    """A flow that is its own job: the asset, its check, a job to launch it by hand (`what` it does
    now) and a schedule of that job every `minutes` (flows.<id>.cadence_minutes), running by default
    when `running`. Resources come from the main Definitions."""
    flow_job = dg.define_asset_job(
        job, selection=asset_selection(spec.name), tags=flow_tags(spec.flow),
        description=f"{spec.flow} - {what} now (the manual trigger).",
    )  # fmt: skip
    ticks = every(
        schedule, flow_job, minutes, running=running,
        description=f"{spec.flow} - every {minutes} minutes (flows.{spec.flow}.cadence_minutes).",
    )  # fmt: skip
    return dg.Definitions(assets=[asset], asset_checks=flow_checks([spec]), jobs=[flow_job], schedules=[ticks])


def every(
    name: str, job: Any, minutes: int, *, running: bool,
    description: str | None = None,
) -> dg.ScheduleDefinition:  # fmt: skip
    """A schedule of `job` (what define_asset_job returns) every `minutes`, running by default when on."""
    return dg.ScheduleDefinition(
        name=name, job=job, cron_schedule=cron_for(minutes), description=description,
        default_status=dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED,
    )  # fmt: skip
