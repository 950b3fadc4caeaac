"""What every connected system's Dagster resource shares: the client shell and the settings wiring.

Each system's resource is a configuration shell around its connector: it builds one client per
step (one client, because the rate budget belongs to the account and separate clients would each
think they had all of it) and closes it after. The pieces that were written once per system live
here once:

- `RestClientResource`: the transport fields (`timeout_seconds`, `max_retries`,
  `backoff_seconds`) and how they become the connector's `timeout` and `retry` keywords;
- `closing_client`: yield a built client and close it whatever happens in the step;
- `from_section`: a resource whose fields are named as in the system's so24.yaml section gets
  them copied from it, so adding a setting to both is the whole wiring; secrets are passed
  explicitly as `dg.EnvVar`s, so they never appear in run config, the UI or logs.

What stays in each system's `defs/<system>/resources.py`: which connector, its own settings, and
the env var names of its secrets.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

import dagster as dg
from pydantic import BaseModel

from so24_pipelines.connectors.http import RetryPolicy


class _Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=_Closable)
R = TypeVar("R", bound=dg.ConfigurableResource)


class RestClientResource(dg.ConfigurableResource):
    """A resource over a REST connector: the transport settings every such connector takes."""

    timeout_seconds: float = 30.0
    max_retries: int = 5
    backoff_seconds: float = 0.5

    def transport(self) -> dict[str, Any]:
        """The connector's `timeout` (5 s to connect, `timeout_seconds` to read) and `retry` keywords."""
        return {
            "timeout": (5.0, self.timeout_seconds),
            "retry": RetryPolicy(attempts=self.max_retries + 1, backoff_base=self.backoff_seconds),
        }


@contextmanager
def closing_client(client: C) -> Iterator[C]:
    """Yield `client` for one step and close it after, also when the step fails."""
    try:
        yield client
    finally:
        client.close()


def from_section(resource: type[R], section: BaseModel, **explicit: Any) -> R:
    """`resource` with every field its settings `section` also declares copied from it, plus `explicit`
    (secrets as `dg.EnvVar`s, or a value that needs converting); fields neither names keep their
    defaults."""
    shared = set(resource.model_fields) & set(type(section).model_fields)
    values: dict[str, Any] = {name: getattr(section, name) for name in shared - set(explicit)}
    return resource(**values, **explicit)
