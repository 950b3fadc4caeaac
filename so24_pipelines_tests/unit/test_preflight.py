"""`so24 check`: missing env vars by name (never by value), unusable staging, unreachable hosts."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from so24_pipelines.preflight import Problem, format_report, has_errors, preflight
from so24_pipelines.settings import BUILT_FLOWS, CREDENTIAL_ENV_VARS, Settings
from so24_pipelines.settings import registry as settings_module

SECRET = "hunter2-do-not-print"


def settings_with(tmp_path: Path, **sections: object) -> Settings:
    """Settings whose staging is a writable temp file, plus whatever a test overrides."""
    return Settings.model_validate({"staging": {"path": str(tmp_path / "staging.duckdb")}, **sections})


def full_env(*systems: str) -> dict[str, str]:
    return {var: SECRET for system in systems for var in CREDENTIAL_ENV_VARS[system]}


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def http_404() -> Iterator[str]:
    """A live HTTP server that answers every GET with 404: reachable, though nothing is there."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/24so"
    finally:
        server.shutdown()
        server.server_close()


def keys(problems: list[Problem]) -> list[str]:
    return [p.key for p in problems]


def test_missing_env_vars_are_named_for_systems_in_use_only(tmp_path: Path) -> None:
    problems = preflight(settings_with(tmp_path), env={"SO24_USERNAME": SECRET}, probe=False)
    assert keys(problems) == ["env.SO24_APPLICATION_ID", "env.SO24_PASSWORD"]
    assert all(p.severity == "error" for p in problems)
    assert "E1, E2, E3, E4, E5, E6, E7" in problems[0].message


def test_empty_env_var_counts_as_missing(tmp_path: Path) -> None:
    env = {**full_env("so24"), "SO24_PASSWORD": "  "}
    assert keys(preflight(settings_with(tmp_path), env=env, probe=False)) == ["env.SO24_PASSWORD"]


def test_complete_env_and_writable_staging_is_clean(tmp_path: Path) -> None:
    assert preflight(settings_with(tmp_path), env=full_env("so24"), probe=False) == []


def test_enabled_flow_of_another_system_needs_its_env_vars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_module, "BUILT_FLOWS", BUILT_FLOWS | {"N1"})
    only_r4 = {f"R{i}": {"enabled": i == 4} for i in range(1, 10)}
    s = settings_with(tmp_path, rackbeat={"enabled": True}, flows={**only_r4, "N1": {"enabled": False}})
    problems = preflight(s, env=full_env("so24"), probe=False)
    assert keys(problems) == ["env.RACKBEAT_API_TOKEN"]
    assert "enabled flows R4 " in problems[0].message and "rackbeat.enabled: false" in problems[0].message


def test_a_connected_system_needs_its_env_vars_for_its_default_flows(tmp_path: Path) -> None:
    s = settings_with(tmp_path, rackbeat={"enabled": True})
    problems = preflight(s, env=full_env("so24"), probe=False)
    assert keys(problems) == ["env.RACKBEAT_API_TOKEN"]
    assert "R1, R2, R3, R4, R5, R6, R7, R8, R9" in problems[0].message
    assert preflight(s, env=full_env("so24", "rackbeat"), probe=False) == []


def test_systems_not_connected_need_no_credentials_nor_reachability(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    s = settings_with(
        tmp_path,
        so24={"base_url": dead},
        **{system: {"base_url": dead} for system in ("rackbeat", "ongoing", "lnb", "smartdok", "netvisor")},
    )
    assert keys(preflight(s, env=full_env("so24"), probe=True)) == ["so24.base_url"]


def test_a_connected_system_no_flow_uses_is_a_warning(tmp_path: Path) -> None:
    off = {f"O{i}": {"enabled": False} for i in range(1, 7)}
    s = settings_with(tmp_path, ongoing={"enabled": True}, flows=off)
    problems = preflight(s, env=full_env("so24"), probe=False)
    assert [(p.key, p.severity) for p in problems] == [("ongoing.enabled", "warning")]
    assert not has_errors(problems)


def test_no_flow_enabled_needs_no_credentials(tmp_path: Path) -> None:
    s = settings_with(tmp_path, flows={f"E{i}": {"enabled": False} for i in range(1, 8)})
    assert preflight(s, env={}, probe=True) == []


def test_report_never_contains_a_secret_value(tmp_path: Path) -> None:
    s = settings_with(tmp_path, so24={"base_url": f"http://127.0.0.1:{closed_port()}/24so"})
    problems = preflight(s, env={"SO24_PASSWORD": SECRET, "SO24_USERNAME": SECRET}, probe=True)
    assert keys(problems) == ["env.SO24_APPLICATION_ID", "so24.base_url"]
    assert SECRET not in format_report(problems)
    assert all(SECRET not in (p.key + p.message + repr(p)) for p in problems)


def test_unreachable_base_url_is_an_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/24so"
    s = settings_with(tmp_path, so24={"base_url": url})
    problems = preflight(s, env=full_env("so24"), probe=True)
    assert keys(problems) == ["so24.base_url"]
    assert url in problems[0].message and "unreachable" in problems[0].message
    assert preflight(s, env=full_env("so24"), probe=False) == []


def test_any_http_answer_means_reachable_and_second_host_is_probed(tmp_path: Path, http_404: str) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    s = settings_with(tmp_path, so24={"base_url": http_404, "webservices_url": dead})
    assert keys(preflight(s, env=full_env("so24"), probe=True)) == ["so24.webservices_url"]
    s = settings_with(tmp_path, so24={"base_url": http_404})
    assert preflight(s, env=full_env("so24"), probe=True) == []


def test_staging_under_a_file_is_not_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    s = Settings.model_validate({"staging": {"path": str(blocker / "sub" / "staging.duckdb")}})
    problems = preflight(s, env=full_env("so24"), probe=False)
    assert keys(problems) == ["staging.path"]
    assert "is not a directory" in problems[0].message and problems[0].severity == "error"


def test_staging_path_that_is_a_directory(tmp_path: Path) -> None:
    s = Settings.model_validate({"staging": {"path": str(tmp_path)}})
    assert "is a directory" in preflight(s, env=full_env("so24"), probe=False)[0].message


def test_default_staging_location_warns_without_dagster_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    problems = preflight(Settings(), env=full_env("so24"), probe=False)
    assert [(p.key, p.severity) for p in problems] == [("staging.path", "warning")]
    assert not has_errors(problems)
    assert preflight(Settings(), env={**full_env("so24"), "DAGSTER_HOME": str(tmp_path)}, probe=False) == []


def test_format_report() -> None:
    assert format_report([]) == "so24 check: no problems found\n"
    report = format_report(
        [
            Problem("staging.path", "moves with cwd", "warning"),
            Problem("env.SO24_PASSWORD", "SO24_PASSWORD is not set"),
        ]
    )
    assert report.splitlines() == [
        "so24 check: 1 error, 1 warning",
        "  error   env.SO24_PASSWORD: SO24_PASSWORD is not set",
        "  warning staging.path: moves with cwd",
    ]
    assert has_errors([Problem("k", "m")]) and not has_errors([Problem("k", "m", "warning")])


def test_format_report_lists_what_was_verified_after_the_problems() -> None:
    ok = ["so24: logged in to 24SO at http://h/24so as demo@so24.example"]
    assert format_report([], ok).splitlines() == [
        "so24 check: no problems found",
        "  ok      so24: logged in to 24SO at http://h/24so as demo@so24.example",
    ]
    report = format_report([Problem("env.RACKBEAT_API_TOKEN", "Rackbeat refused the API key")], ok)
    assert report.splitlines()[1:] == [
        "  error   env.RACKBEAT_API_TOKEN: Rackbeat refused the API key",
        "  ok      so24: logged in to 24SO at http://h/24so as demo@so24.example",
    ]


def test_an_unreachable_system_is_not_logged_in_to(tmp_path: Path) -> None:
    from so24_pipelines.preflight import check

    url = f"http://127.0.0.1:{closed_port()}/24so"
    report = check(settings_with(tmp_path, so24={"base_url": url}), env=full_env("so24"), probe=True, login=True)
    assert keys(report.problems) == ["so24.base_url"] and report.verified == []
    assert SECRET not in format_report(report.problems, report.verified)
