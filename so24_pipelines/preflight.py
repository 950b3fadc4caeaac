"""`so24 check`: what would stop a run, found before the run starts.

A scheduled run that fails at 03:00 on a missing env var, a wrong password or a typo in a host name
costs a night of sync; this module finds those in seconds. With `login` it logs in to every
connected system an enabled flow uses (24SO Login; Rackbeat GET self; Ongoing GET order statuses
and one article of the goods owner) and names the env var a refusal points at, e.g.
"env.SO24_PASSWORD: 24SO refused the login for demo@so24.example ...". It only looks at the systems an enabled flow needs, so a
deployment without Rackbeat is not nagged about RACKBEAT_API_TOKEN. Settings only lets a flow on
when its systems are connected (`<system>.enabled`), so those are always connected systems; a
connected system that no enabled flow uses gets a warning, since nothing about it is checked.

Env vars are reported by name only. Their values are never read into a message, because the
report lands in terminals, CI logs and tickets. (A user name is not a secret and is named, so the
reader knows which account was refused.)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import requests

from so24_pipelines.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    UnreachableError,
    url_for_message,
)
from so24_pipelines.connectors.http import NotFound, RetryPolicy
from so24_pipelines.connectors.ongoing import OngoingClient
from so24_pipelines.connectors.rackbeat import RackbeatClient
from so24_pipelines.connectors.so24 import reads
from so24_pipelines.connectors.so24.client import So24Client, So24Credentials
from so24_pipelines.settings import CREDENTIAL_ENV_VARS, Settings

PROBE_TIMEOUT_SECONDS = 3.0
LOGIN_TIMEOUT_SECONDS = 15.0
LOGIN_CONNECT_BUDGET_SECONDS = 5.0

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding: `key` is the settings key or `env.<VAR>` the user has to touch."""

    key: str
    message: str
    severity: Severity = "error"


@dataclass
class Report:
    """What `so24 check` found: `problems`, and `verified` lines for what did work (logins)."""

    problems: list[Problem] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)


def check(
    settings: Settings, *, env: Mapping[str, str] = os.environ, probe: bool = True, login: bool = True
) -> Report:
    """`so24 check`: settings, env vars, staging, reachability and (with `login`) a login to every
    system an enabled flow uses whose env vars are set and whose URL answered the probe.
    """
    problems = _missing_env_vars(settings, env) + _unused_systems(settings) + _staging_problems(settings, env)
    verified: list[str] = []
    if probe:
        unreachable = _unreachable(_probe_targets(settings))
        problems += unreachable
        if login:
            dead = {p.key for p in unreachable}
            missing = {p.key for p in problems if p.key.startswith("env.")}
            found, verified = _logins(settings, env, skip_keys=dead | missing)
            problems += found
    return Report(problems, verified)


def preflight(
    settings: Settings, *, env: Mapping[str, str] = os.environ, probe: bool = True, login: bool = False
) -> list[Problem]:
    """Everything that would fail a run of the enabled flows: credentials, staging, reachability.

    probe=False skips the network (for offline checks and fast tests); login=True also logs in
    (each counts as a login at the vendor, which 24SO throttles, hence off unless asked for).
    """
    return check(settings, env=env, probe=probe, login=login).problems


def has_errors(problems: list[Problem]) -> bool:
    """Whether `so24 check` should exit non-zero (warnings alone do not block a run)."""
    return any(p.severity == "error" for p in problems)


def format_report(problems: list[Problem], verified: Sequence[str] = ()) -> str:
    """Human-readable report, errors first, then what was verified; the CLI prints it as is."""
    oks = [f"  {'ok':<8}{line}" for line in verified]
    if not problems:
        return "\n".join(["so24 check: no problems found", *oks]) + "\n"
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    lines = [f"so24 check: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"]
    for p in sorted(problems, key=lambda p: p.severity != "error"):
        lines.append(f"  {p.severity:<8}{p.key}: {p.message}")
    return "\n".join([*lines, *oks]) + "\n"


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


# ---- logins ----------------------------------------------------------------------------------

Login = tuple[list[Problem], str | None]


def _logins(settings: Settings, env: Mapping[str, str], *, skip_keys: set[str]) -> tuple[list[Problem], list[str]]:
    """Log in to each system in use that has a login check, its env vars set and its URL alive."""
    jobs: list[Callable[[], Login]] = []
    for system in settings.systems_in_use():
        login = _LOGINS.get(system)
        keys = {f"{system}.base_url", *(f"env.{var}" for var in CREDENTIAL_ENV_VARS[system])}
        if login is None or keys & skip_keys:
            continue
        jobs.append(lambda login=login: _guarded(login, settings, env))
    if not jobs:
        return [], []
    # In parallel: a slow system costs its own timeout, not the sum of them.
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(lambda job: job(), jobs))
    problems = [p for found, _ in results for p in found]
    return problems, [ok for _, ok in results if ok]


def _guarded(login: Callable[[Settings, Mapping[str, str]], Login], settings: Settings, env: Mapping[str, str]) -> Login:
    try:
        return login(settings, env)
    except UnreachableError as exc:
        return [Problem(exc.setting or "base_url", exc.detail)], None


def _retry() -> RetryPolicy:
    return RetryPolicy(attempts=2, backoff_base=0.2, backoff_max=1.0, connect_budget=LOGIN_CONNECT_BUDGET_SECONDS)


def _login_so24(settings: Settings, env: Mapping[str, str]) -> Login:
    so24 = settings.so24
    url = url_for_message(so24.base_url)
    username = env["SO24_USERNAME"].strip()
    try:
        client = _so24_client(settings, env)
    except ConfigError as exc:  # an application id that is not a GUID
        return [Problem("env.SO24_APPLICATION_ID", str(exc))], None
    with client:
        try:
            client.ensure_session()
        except AuthError:
            return [
                Problem(
                    "env.SO24_PASSWORD",
                    f"24SO at {url} refused the login for {username}; check SO24_PASSWORD, "
                    "then SO24_USERNAME and SO24_APPLICATION_ID (24SO's Login does not say which one is wrong)",
                )
            ], None
        except ConnectorError as exc:
            return [Problem("so24.base_url", f"24SO at {url} did not answer the login as 24SO does: {exc}")], None
        problems = _so24_identities(client, so24.identities, username)
    return problems, f"so24: logged in to 24SO at {url} as {username}"


def _so24_client(settings: Settings, env: Mapping[str, str]) -> So24Client:
    so24 = settings.so24
    return So24Client(
        base_url=so24.base_url,
        webservices_url=so24.effective_webservices_url,
        credentials=So24Credentials(
            env["SO24_APPLICATION_ID"].strip(), env["SO24_USERNAME"].strip(), env["SO24_PASSWORD"]
        ),
        timeout=LOGIN_TIMEOUT_SECONDS,
        max_retries=1,
        backoff_base=0.2,
        connect_budget=LOGIN_CONNECT_BUDGET_SECONDS,
    )


def _so24_identities(client: So24Client, wanted: Sequence[str], username: str) -> list[Problem]:
    """so24.identities that the login cannot reach (the extraction would refuse them at run time)."""
    if not wanted:
        return []
    reachable = {str(i["id"]).lower() for i in reads.identities(client)}
    missing = [i for i in wanted if str(i).lower() not in reachable]
    if not missing:
        return []
    return [
        Problem(
            "so24.identities",
            f"the 24SO login {username} cannot reach {', '.join(missing)}; it reaches "
            f"{', '.join(sorted(reachable)) or 'no company'}",
        )
    ]


def _login_rackbeat(settings: Settings, env: Mapping[str, str]) -> Login:
    url = url_for_message(settings.rackbeat.base_url)
    with RackbeatClient(
        settings.rackbeat.base_url, env["RACKBEAT_API_TOKEN"], timeout=(3.0, LOGIN_TIMEOUT_SECONDS), retry=_retry()
    ) as client:
        try:
            client.whoami()
        except AuthError as exc:
            return [
                Problem(
                    "env.RACKBEAT_API_TOKEN",
                    f"Rackbeat at {url} refused the API key in RACKBEAT_API_TOKEN ({_answer(exc)}); "
                    "set it to an API key of the Rackbeat account",
                )
            ], None
        except NotFound:
            return [Problem("rackbeat.base_url", f"{url} has no Rackbeat API (GET self: 404); it ends in /api")], None
        except ConfigError as exc:
            return [Problem("env.RACKBEAT_API_TOKEN", str(exc))], None
        except ConnectorError as exc:
            return [Problem("rackbeat.base_url", f"Rackbeat at {url} did not answer as Rackbeat does: {exc}")], None
    return [], f"rackbeat: RACKBEAT_API_TOKEN accepted by Rackbeat at {url}"


def _login_ongoing(settings: Settings, env: Mapping[str, str]) -> Login:
    url = url_for_message(settings.ongoing.base_url)
    username = env["ONGOING_USERNAME"].strip()
    try:
        owner = int(env["ONGOING_GOODS_OWNER_ID"])
    except ValueError:
        return [Problem("env.ONGOING_GOODS_OWNER_ID", "ONGOING_GOODS_OWNER_ID must be a whole number")], None
    try:
        client = OngoingClient(
            settings.ongoing.base_url, username, env["ONGOING_PASSWORD"], owner,
            timeout=(3.0, LOGIN_TIMEOUT_SECONDS), retry=_retry(),
        )  # fmt: skip
    except ConfigError as exc:
        return [Problem("env.ONGOING_GOODS_OWNER_ID", str(exc))], None
    with client:
        try:
            client.get_order_statuses()
        except AuthError as exc:
            return [
                Problem(
                    "env.ONGOING_PASSWORD",
                    f"Ongoing at {url} refused the API user {username} ({_answer(exc)}); "
                    "check ONGOING_PASSWORD, then ONGOING_USERNAME",
                )
            ], None
        except NotFound:
            return [
                Problem("ongoing.base_url", f"{url} has no Ongoing API (404); it ends in the warehouse name")
            ], None
        except ConnectorError as exc:
            return [Problem("ongoing.base_url", f"Ongoing at {url} did not answer as Ongoing does: {exc}")], None
        try:
            client.check_goods_owner()
        except AuthError as exc:
            return [
                Problem(
                    "env.ONGOING_GOODS_OWNER_ID",
                    f"Ongoing's user {username} may not act for goods owner {owner} ({_answer(exc)}); "
                    "set ONGOING_GOODS_OWNER_ID to a goods owner of that user",
                )
            ], None
        except ConnectorError as exc:
            return [Problem("ongoing.base_url", f"Ongoing at {url} did not answer as Ongoing does: {exc}")], None
    return [], f"ongoing: logged in to Ongoing at {url} as {username}, goods owner {owner}"


def _answer(exc: ConnectorError) -> str:
    """The remote's words without our call prefix ("rackbeat GET /self: HTTP 401: ..." -> "HTTP 401: ...")."""
    text = str(exc)
    return text.split(": ", 1)[1] if exc.call and ": " in text else text


_LOGINS: dict[str, Callable[[Settings, Mapping[str, str]], Login]] = {
    "so24": _login_so24,
    "rackbeat": _login_rackbeat,
    "ongoing": _login_ongoing,
}
