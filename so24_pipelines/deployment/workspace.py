"""`so24 workspace`: one Dagster code location per 24SO company, generated from one so24.yaml (X9).

One settings file lists the companies (`so24.identities`) and pairs each connected system with one
(`<system>.so24_identity`; empty means the first company, as everywhere else). This splits it: each
company gets its own settings file holding only its identity and the systems paired with it, its
own staging file, and a gRPC code location named after it. A company's location therefore loads
only its own assets, schedules and sensors, the UI lists each company apart (location name =
company), and its asset keys, pools, partition sets and webhook inbox carry its name
(defs/company_scope.py).

Why a staging file per company: DuckDB allows one writing process per file. With one file per
company, two companies never wait for each other's writes, and a company's writers are the runs
of its own location, bounded by its pools. Put the directory on a volume every run host mounts
(docs/deploy.md); DuckDB's file lock then serialises the runs of one company across hosts.

Written, under the output directory:
    workspace.yaml                 load_from: one grpc_server per company (host, port, location_name)
    <company>/so24.yaml            that company's settings
    <company>/location.env         SO24_COMPANY, SO24_SETTINGS, DAGSTER_GRPC_PORT for its server
    <company>/credentials.env.example   the credential env vars it reads, prefixed (settings/company.py)
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from so24_pipelines.settings import Settings, load_settings
from so24_pipelines.settings.company import COMPANY_ENV, check_company_name, company_env_var
from so24_pipelines.settings.load import SETTINGS_ENV_VAR
from so24_pipelines.settings.registry import CONNECTABLE_SYSTEMS, CREDENTIAL_ENV_VARS, FLOW_CATALOG

LOCATION_MODULE = "so24_pipelines.deployment.location"
# A system that pairs with another system's account rather than with a 24SO company goes to that
# system's location: Netvisor's flows (N1-N3) move registers between Netvisor and Rackbeat.
PAIRED_THROUGH = {"netvisor": "rackbeat"}
DEFAULT_BASE_PORT = 4100


@dataclass(frozen=True)
class Location:
    """One company's code location as generated."""

    name: str
    identity: str
    port: int
    settings_path: Path
    staging_path: Path
    systems: tuple[str, ...]

    def env(self) -> dict[str, str]:
        """What its gRPC server process needs besides the credentials."""
        return {COMPANY_ENV: self.name, SETTINGS_ENV_VAR: str(self.settings_path), "DAGSTER_GRPC_PORT": str(self.port)}


def company_names(identities: Sequence[str], named: Mapping[str, str]) -> dict[str, str]:
    """identity -> location name: the names given (`--name GUID=acme`), else company_1, company_2, ..."""
    unknown = sorted(set(named) - set(identities))
    if unknown:
        raise ValueError(f"--name for {', '.join(unknown)}: not in so24.identities")
    names = {identity: check_company_name(named.get(identity, f"company_{i}")) for i, identity in enumerate(identities, 1)}
    if len(set(names.values())) != len(names):
        raise ValueError("two companies would get the same location name; give each its own with --name")
    return names


def company_settings(raw: Mapping[str, Any], settings: Settings, identity: str, staging_path: Path) -> dict[str, Any]:
    """One company's so24.yaml: the file as written, narrowed to the company.

    Starts from the user's file (not from the model's defaults) so the company file says only what
    the user said; systems paired with another company are switched off, their flows left out.
    """
    data: dict[str, Any] = copy.deepcopy(dict(raw))
    first = settings.so24.identities[0]
    data["so24"] = {**(data.get("so24") or {}), "identities": [identity]}
    data["staging"] = {**(data.get("staging") or {}), "path": str(staging_path)}
    dropped = []
    for name in CONNECTABLE_SYSTEMS:
        section = getattr(settings, name)
        if not section.enabled:
            # Off anyway; a pairing with another company would fail the file's own validation.
            if section.so24_identity not in (None, identity):
                data[name] = {k: v for k, v in data[name].items() if k != "so24_identity"}
            continue
        through = getattr(settings, PAIRED_THROUGH.get(name, name))
        paired = section.so24_identity or through.so24_identity or first
        if paired == identity:
            data[name] = {**(data.get(name) or {}), "so24_identity": identity}
        else:
            data[name] = {k: v for k, v in (data.get(name) or {}).items() if k != "so24_identity"}
            data[name]["enabled"] = False
            dropped.append(name)
    flows = {k: v for k, v in (data.get("flows") or {}).items() if not set(FLOW_CATALOG[k.upper()].systems) & set(dropped)}
    if flows:
        data["flows"] = flows
    else:
        data.pop("flows", None)
    return data


def _read_raw(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def generate(
    settings_path: Path,
    out: Path,
    *,
    names: Mapping[str, str] | None = None,
    host: str = "localhost",
    base_port: int = DEFAULT_BASE_PORT,
    staging_dir: Path | None = None,
) -> list[Location]:
    """Write the workspace and the per-company files (see module doc); returns the locations.

    `host` may name each company's server: "code_{name}" gives code_acme (a compose service).
    """
    settings = load_settings(settings_path)
    identities = settings.so24.identities
    if not identities:
        raise ValueError(
            f"{settings_path}: so24.identities is empty; list the 24SO companies (identity GUIDs), one code location each"
        )
    raw = _read_raw(settings_path)
    out = out.resolve()
    staging_dir = (staging_dir or out / "staging").resolve()
    locations = []
    for i, (identity, name) in enumerate(company_names(identities, names or {}).items()):
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        staging_path = staging_dir / name / "so24_staging.duckdb"
        data = company_settings(raw, settings, identity, staging_path)
        settings_file = folder / "so24.yaml"
        settings_file.write_text(
            f"# Written by `so24 workspace` from {settings_path.name}: 24SO company {identity} only.\n"
            "# Edit the source file and generate again.\n" + yaml.safe_dump(data, sort_keys=False),
            encoding="utf-8",
        )
        company = load_settings(settings_file)  # fails here, naming the key, rather than in the server
        location = Location(
            name, identity, base_port + i, settings_file, staging_path,
            tuple(s for s in company.connected_systems()),
        )  # fmt: skip
        (folder / "location.env").write_text(
            "".join(f"{k}={v}\n" for k, v in location.env().items()), encoding="utf-8"
        )
        (folder / "credentials.env.example").write_text(_credentials_example(location), encoding="utf-8")
        locations.append(location)
    workspace = {
        "load_from": [
            {"grpc_server": {"host": host.format(name=loc.name), "port": loc.port, "location_name": loc.name}}
            for loc in locations
        ]
    }
    (out / "workspace.yaml").write_text(
        "# Written by `so24 workspace`: one code location per 24SO company (docs/deploy.md).\n"
        + yaml.safe_dump(workspace, sort_keys=False),
        encoding="utf-8",
    )
    return locations


def _credentials_example(location: Location) -> str:
    lines = [
        f"# Credentials of {location.name} (24SO company {location.identity}), for a shared environment.",
        "# In a container of its own, set the names without the prefix instead.",
    ]
    for system in location.systems:
        lines += [f"{company_env_var(location.name, var)}=" for var in CREDENTIAL_ENV_VARS[system]]
    return "\n".join(lines) + "\n"


def serve_command(location: Location, python: str = "python") -> list[str]:
    """The gRPC server of one location (its env: location.env() plus its credentials)."""
    return [
        python, "-m", "dagster", "api", "grpc", "-m", LOCATION_MODULE,
        "-h", "0.0.0.0", "-p", str(location.port), "--location-name", location.name,
    ]  # fmt: skip
