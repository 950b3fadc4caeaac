"""`so24 check`: what would stop a run, found before the run starts.

A scheduled run that fails at 03:00 on a missing env var or a typo in a host name costs a night of
sync; this module finds those in seconds. It only looks at the systems an enabled flow needs, so a
deployment without Rackbeat is not nagged about RACKBEAT_API_TOKEN. Settings only lets a flow on
when its systems are connected (`<system>.enabled`), so those are always connected systems; a
connected system that no enabled flow uses gets a warning, since nothing about it is checked.

Env vars are reported by name only. Their values are never read into a message, because the
report lands in terminals, CI logs and tickets.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import requests

from so24_pipelines.settings import CREDENTIAL_ENV_VARS, Settings

PROBE_TIMEOUT_SECONDS = 3.0

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding: `key` is the settings key or `env.<VAR>` the user has to touch."""

    key: str
    message: str
    severity: Severity = "error"


def preflight(
    settings: Settings, *, env: Mapping[str, str] = os.environ, probe: bool = True
) -> list[Problem]:
    """Everything that would fail a run of the enabled flows: credentials, staging, reachability.

    probe=False skips the network (for offline checks and fast tests).
    """
    problems = _missing_env_vars(settings, env) + _unused_systems(settings) + _staging_problems(settings, env)
    if probe:
        problems += _unreachable(_probe_targets(settings))
    return problems


def has_errors(problems: list[Problem]) -> bool:
    """Whether `so24 check` should exit non-zero (warnings alone do not block a run)."""
    return any(p.severity == "error" for p in problems)


def format_report(problems: list[Problem]) -> str:
    """Human-readable report, errors first; the CLI prints it as is."""
    if not problems:
        return "so24 check: no problems found\n"
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    lines = [f"so24 check: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"]
    for p in sorted(problems, key=lambda p: p.severity != "error"):
        lines.append(f"  {p.severity:<8}{p.key}: {p.message}")
    return "\n".join(lines) + "\n"


def _missing_env_vars(settings: Settings, env: Mapping[str, str]) -> list[Problem]:
    problems = []
    for system, flows in settings.systems_in_use().items():
        for var in CREDENTIAL_ENV_VARS[system]:
            if not env.get(var, "").strip():
                way_out = "switch those flows off" if system == "so24" else f"set {system}.enabled: false"
                message = (
                    f"{var} is not set; {system} needs it for the enabled flows {', '.join(flows)} "
                    f"(set it in the environment, or {way_out})"
                )
                problems.append(Problem(f"env.{var}", message))
    return problems


def _unused_systems(settings: Settings) -> list[Problem]:
    in_use = settings.systems_in_use()
    return [
        Problem(
            f"{system}.enabled",
            f"{system} is connected but no enabled flow uses it, so its credentials and URL are not "
            "checked; switch one of its flows on, or set enabled: false",
            "warning",
        )
        for system in settings.connected_systems()
        if system not in in_use and system != "so24"
    ]


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _staging_problems(settings: Settings, env: Mapping[str, str]) -> list[Problem]:
    path = settings.staging_path(env)
    problems = []
    if not settings.staging.path and not env.get("DAGSTER_HOME"):
        problems.append(
            Problem(
                "staging.path",
                f"neither staging.path nor DAGSTER_HOME is set, so staging goes to {path}, "
                "which changes with the working directory",
                "warning",
            )
        )
    if path.is_dir():
        return [*problems, Problem("staging.path", f"{path} is a directory, not a DuckDB file")]
    if path.exists() and not os.access(path, os.W_OK):
        return [*problems, Problem("staging.path", f"{path} is not writable")]
    directory = _nearest_existing(path.parent)
    if not directory.is_dir():
        return [
            *problems,
            Problem("staging.path", f"cannot create {path.parent}: {directory} is not a directory"),
        ]
    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        problems.append(
            Problem("staging.path", f"cannot write in {directory} ({exc.strerror or type(exc).__name__})")
        )
    return problems


def _probe_targets(settings: Settings) -> dict[str, str]:
    """Settings key -> URL for every system an enabled flow uses (and 24SO's second host if set)."""
    targets = {f"{system}.base_url": settings.system(system).base_url for system in settings.systems_in_use()}
    if "so24.base_url" in targets and settings.so24.webservices_url not in (None, settings.so24.base_url):
        targets["so24.webservices_url"] = settings.so24.effective_webservices_url
    return targets


def _probe(url: str) -> str | None:
    """None if anything answers over HTTP (even 401 or 404: the host is there), else why not."""
    try:
        requests.get(url, timeout=PROBE_TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as exc:
        return (
            f"{url} is unreachable ({type(exc).__name__}); check the URL, the network, "
            "and that the system (or `so24 sandbox`) is running"
        )
    return None


def _unreachable(targets: dict[str, str]) -> list[Problem]:
    if not targets:
        return []
    # Probed in parallel so six unreachable systems cost one timeout, not six.
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        results = dict(zip(targets, pool.map(_probe, targets.values()), strict=True))
    return [Problem(key, message) for key, message in results.items() if message]
