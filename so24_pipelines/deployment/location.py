"""The entry point of one company's code location: `dagster api grpc -m so24_pipelines.deployment.location`.

Before the definitions load it maps the company's prefixed credentials onto the usual names
(settings/company.py), so the run workers this server starts (they load this module too) see the same.
Everything else is the one Definitions of so24_pipelines.definitions, built from the company's
settings file (`SO24_SETTINGS`); the pools carry the company (defs/company_scope.py).
"""

from __future__ import annotations

import os

from so24_pipelines.settings.company import apply_company_env

apply_company_env(os.environ)

from so24_pipelines.definitions import defs  # noqa: E402  (after the env is in place)

__all__ = ["defs"]
