"""The pieces every system's Dagster room builds its flow assets from, so they look and act alike.

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
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import dagster as dg

from so24_pipelines.connectors.errors import AuthError, ConfigError
from so24_pipelines.defs.flow_metadata import reasons_markdown
from so24_pipelines.defs.resources import StagingResource
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
