"""Which 24SO company a code location serves, and where that company's credentials come from.

A multi-company deployment runs one code location (one gRPC server process) per 24SO company; the
process is told its company by `SO24_COMPANY` (the location name, e.g. `acme`) and its settings by
`SO24_SETTINGS`. Both are read from the process environment, never from a file: they must be known
before the definitions are imported, because pools are fixed when the asset modules load.

Credentials keep their usual names (`SO24_USERNAME`, `RACKBEAT_API_TOKEN`, ...). Where one
environment holds several companies' secrets (one host, one `.env`), each company's are prefixed
with its name in capitals and two underscores: `ACME__SO24_USERNAME`. The location copies its own
prefixed values onto the usual names when it loads (`apply_company_env`), so the resources, which
read the usual names, see only their company's; a prefixed value wins over an unprefixed one. A
container per company (docker-compose, Kubernetes) can set the usual names directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping

from so24_pipelines.settings.registry import CREDENTIAL_ENV_VARS

COMPANY_ENV = "SO24_COMPANY"
# A location name that is also a valid env var prefix and a readable pool suffix.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def check_company_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise ValueError(
            f"company name {name!r}: use lower-case letters, digits and _ (starting with a letter, at most 40), "
            "it names the code location, its pools and its env var prefix"
        )
    return name


def company_env_var(company: str, var: str) -> str:
    """The name of `var` for one company in a shared environment: ACME__SO24_USERNAME."""
    return f"{company.upper()}__{var}"


def credential_env_vars() -> list[str]:
    """Every credential env var any system reads, in the registry's order."""
    return [var for names in CREDENTIAL_ENV_VARS.values() for var in names]


def current_company(env: Mapping[str, str]) -> str | None:
    """The company of this process (`SO24_COMPANY`), or None in a single-company setup (the demo)."""
    company = env.get(COMPANY_ENV, "").strip()
    return check_company_name(company) if company else None


def apply_company_env(env: MutableMapping[str, str]) -> list[str]:
    """Copy this company's prefixed credentials onto the usual names; returns the names set.

    Only names are returned (never values): the location logs which came from the prefix.
    """
    company = current_company(env)
    if company is None:
        return []
    applied = []
    for var in credential_env_vars():
        prefixed = company_env_var(company, var)
        if prefixed in env:
            env[var] = env[prefixed]
            applied.append(var)
    return applied
