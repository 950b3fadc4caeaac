"""The names one company's code location keeps apart in a Dagster instance shared by several companies.

A deployment with one code location per 24SO company (deployment/, docs/deploy.md) shares one
instance, and Dagster keeps three kinds of name instance-wide, not per location:

- pools: a pool named by the API alone (`so24_api`) would make one company's steps wait for
  another's, though each company logs in with its own user under its own rate limit;
- asset keys: two locations defining `so24_products` are one asset in the catalog, shown with one
  location's definition and every company's materializations and checks mixed under it;
- dynamic partition sets: the initial-sync plan of one company would delete the batches another
  company planned (a plan drops the partitions it did not make);
- job names, as far as a sensor looking up runs by job name sees them: R3's "has the initial sync
  run yet?" would see another company's run. Runs carry the tag `so24/company` (every job's
  tags, through flow_tags), and such look-ups filter on it too.

In a company's location (`SO24_COMPANY=acme`) each gets the company: pool `so24_api:acme`, asset
key `acme/so24_products` (the catalog shows a folder per company), partition set
`so24_company_batches_acme`. Without SO24_COMPANY (the demo, one company per instance) names stay
as they are, so single-company instances, their run history and their docs do not change.

Rooms name their assets by the short name (`so24_products`) and turn it into a key, a selection or
an op name here, the one place that knows the company. The company comes from the process
environment when the definitions modules load (a location's env sets it before the import).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import dagster as dg

from so24_pipelines.settings.company import current_company

COMPANY_TAG = "so24/company"


def company() -> str | None:
    """This location's company (SO24_COMPANY), or None when the instance serves one company."""
    return current_company(os.environ)


def pool_for(system: str) -> str:
    """`<system>_api`, or `<system>_api:<company>` in a company's code location."""
    name = company()
    return f"{system}_api:{name}" if name else f"{system}_api"


def asset_key(name: str) -> dg.AssetKey:
    """The key of the asset named `name`: `[company, name]` in a company's location, else `[name]`."""
    name_of_company = company()
    return dg.AssetKey([name_of_company, name] if name_of_company else [name])


def asset_keys(names: Iterable[str]) -> list[dg.AssetKey]:
    """Keys of several short names (a list for `deps=`)."""
    return [asset_key(name) for name in names]


def asset_selection(*names: str) -> dg.AssetSelection:
    """A job's selection of the assets named `names` (with their checks, as AssetSelection.assets)."""
    return dg.AssetSelection.assets(*asset_keys(names))


def op_name(name: str) -> str:
    """The op of asset `name`, which keys its run config (`ops: {<op>: {config: ...}}`): Dagster
    names an asset's op after its whole key (`acme__so24_products`)."""
    return asset_key(name).to_python_identifier()


def company_tags() -> dict[str, str]:
    """`{"so24/company": <company>}` in a company's location, else nothing (jobs pass it to their runs)."""
    name = company()
    return {COMPANY_TAG: name} if name else {}


def partition_set_name(name: str) -> str:
    """A dynamic partition set's name, with the company: `so24_company_batches_acme`."""
    name_of_company = company()
    return f"{name}_{name_of_company}" if name_of_company else name
