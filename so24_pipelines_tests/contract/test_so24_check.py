"""`so24 check` against the sandbox: it logs in to every connected system, names the credential a
refusal points at (never its value), says OK for good ones, and beside a running `so24 demo` it
checks the demo's settings and env."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from so24_pipelines import cli
from so24_pipelines.preflight import check, format_report, has_errors
from so24_pipelines.settings import load_settings
from so24_pipelines_tests.sandbox_process import free_port

pytestmark = pytest.mark.contract

WRONG = "wrong-credential-xyz"
NO_CREDENTIALS = {"DAGSTER_HOME": "", "SO24_SETTINGS": ""}


def _env(sandbox) -> dict[str, str]:
    so24 = sandbox.control("GET", "24so/credentials").json()
    ongoing = sandbox.control("GET", "ongoing/credentials").json()
    rackbeat = sandbox.control("GET", "rackbeat/credentials").json()
    return {
        "SO24_APPLICATION_ID": so24["application_id"], "SO24_USERNAME": so24["username"],
        "SO24_PASSWORD": so24["password"], "RACKBEAT_API_TOKEN": rackbeat["token"],
        "ONGOING_USERNAME": ongoing["username"], "ONGOING_PASSWORD": ongoing["password"],
        "ONGOING_GOODS_OWNER_ID": str(ongoing["goodsOwnerId"]),
    }  # fmt: skip


def _settings_file(tmp_path: Path, sandbox, **extra: object) -> Path:
    path = tmp_path / "so24.yaml"
    data = {
        "staging": {"path": str(tmp_path / "staging.duckdb")},
        "so24": {"base_url": f"{sandbox.url}/24so"},
        "rackbeat": {"enabled": True, "base_url": f"{sandbox.url}/rackbeat"},
        "ongoing": {"enabled": True, "base_url": f"{sandbox.url}/ongoing/sandbox"},
        # 24SO stock has one master: R8 (Rackbeat), so O5 stays off.
        "flows": {"O5": {"enabled": False}},
        **extra,
    }
    path.write_text(yaml.safe_dump(data))
    return path


def _check(path: Path, env: dict[str, str]):
    return check(load_settings(path, env=env), env=env, probe=True, login=True)


def test_good_credentials_log_in_everywhere_and_say_ok(sandbox, tmp_path):
    report = _check(_settings_file(tmp_path, sandbox), _env(sandbox))
    assert report.problems == []
    text = format_report(report.problems, report.verified)
    assert text.startswith("so24 check: no problems found\n")
    assert "logged in to 24SO" in text and "demo@so24.example" in text
    assert "RACKBEAT_API_TOKEN accepted" in text and "logged in to Ongoing" in text


@pytest.mark.parametrize(
    ("var", "key", "words"),
    [
        ("SO24_PASSWORD", "env.SO24_PASSWORD", "24SO at"),
        # 24SO's Login answers "" for any wrong part: the message names all three, password first.
        ("SO24_APPLICATION_ID", "env.SO24_PASSWORD", "SO24_APPLICATION_ID"),
        ("SO24_APPLICATION_ID", "env.SO24_APPLICATION_ID", "not a GUID"),
        ("RACKBEAT_API_TOKEN", "env.RACKBEAT_API_TOKEN", "refused the API key"),
        ("ONGOING_PASSWORD", "env.ONGOING_PASSWORD", "refused the API user"),
        ("ONGOING_GOODS_OWNER_ID", "env.ONGOING_GOODS_OWNER_ID", "may not act for goods owner 987"),
    ],
)
def test_a_wrong_credential_is_named_without_its_value(sandbox, tmp_path, var, key, words):
    wrong = {"ONGOING_GOODS_OWNER_ID": "987", "SO24_APPLICATION_ID": "00000000-0000-4000-8000-00000000dead"}
    value = WRONG if key == "env.SO24_APPLICATION_ID" else wrong.get(var, WRONG)
    env = {**_env(sandbox), var: value}
    report = _check(_settings_file(tmp_path, sandbox), env)
    assert [p.key for p in report.problems] == [key]
    problem = report.problems[0]
    assert problem.severity == "error" and has_errors(report.problems)
    assert key.removeprefix("env.") in problem.message and words in problem.message
    assert WRONG not in format_report(report.problems, report.verified)
    assert env["SO24_PASSWORD"] not in format_report(report.problems, report.verified)
    assert len(report.verified) == 2  # the other two systems still say OK


def test_a_refused_24so_login_names_the_account_it_tried(sandbox, tmp_path):
    env = {**_env(sandbox), "SO24_USERNAME": "nobody@so24.example"}
    report = _check(_settings_file(tmp_path, sandbox), env)
    assert [p.key for p in report.problems] == ["env.SO24_PASSWORD"]
    assert "refused the login for nobody@so24.example" in report.problems[0].message
    assert "SO24_USERNAME" in report.problems[0].message


def test_a_24so_identity_the_login_cannot_reach_is_named(sandbox, tmp_path):
    stranger = "4a1d7c2e-0b6f-4e1a-9c24-0000000000ff"
    report = _check(_settings_file(tmp_path, sandbox, so24={"base_url": f"{sandbox.url}/24so", "identities": [stranger]}), _env(sandbox))
    assert [p.key for p in report.problems] == ["so24.identities"]
    assert stranger in report.problems[0].message


def test_an_unreachable_system_is_named_by_its_url_and_no_login_is_tried(sandbox, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}/rackbeat"
    path = _settings_file(tmp_path, sandbox)
    data = yaml.safe_load(path.read_text())
    data["rackbeat"]["base_url"] = dead
    path.write_text(yaml.safe_dump(data))
    report = _check(path, _env(sandbox))
    assert [p.key for p in report.problems] == ["rackbeat.base_url"]
    assert dead in report.problems[0].message and len(report.verified) == 2


def _run_check(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "so24_pipelines.cli", "check", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _bare_env(**extra: str) -> dict[str, str]:
    """This process's env without any credential or settings var: a fresh shell beside the demo."""
    drop = {*cli.SANDBOX_CREDENTIAL_ENV, "SO24_SETTINGS", "DAGSTER_HOME"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **extra}


def test_the_cli_exits_non_zero_on_a_wrong_password_and_zero_on_good_ones(sandbox, tmp_path):
    path = _settings_file(tmp_path, sandbox)
    bad = _run_check(["--settings", str(path)], _bare_env(**{**_env(sandbox), "SO24_PASSWORD": WRONG}), tmp_path)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "env.SO24_PASSWORD: 24SO at" in bad.stdout and WRONG not in bad.stdout
    good = _run_check(["--settings", str(path)], _bare_env(**_env(sandbox)), tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "no problems found" in good.stdout and "ok      so24: logged in to 24SO" in good.stdout


def test_beside_a_running_demo_check_reads_the_demo_settings_and_env(sandbox, tmp_path):
    """What `make check` in a second terminal sees while `make demo` runs: no env vars set there."""
    home = tmp_path / "home"
    home.mkdir()
    settings = cli.demo_settings(home, sandbox.url)
    handoff = cli.write_demo_handoff(home, sandbox.url, str(settings))
    assert WRONG not in handoff.read_text() and "password" not in handoff.read_text().lower()
    data = json.loads(handoff.read_text())
    assert data["pid"] == os.getpid()  # this test process plays the demo: alive

    ran = _run_check([], _bare_env(DAGSTER_HOME=str(home)), tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "checking the running demo" in ran.stdout and str(settings) in ran.stdout
    assert "SO24_PASSWORD" in ran.stdout and "public demo credentials" in ran.stdout
    assert "no problems found" in ran.stdout and ran.stdout.count("ok      ") == 3

    # --no-demo: this shell's own (empty) env, so the credentials are missing again.
    alone = _run_check(["--no-demo"], _bare_env(DAGSTER_HOME=str(home)), tmp_path)
    assert alone.returncode == 1 and "env.SO24_PASSWORD" in alone.stdout

    # A demo that is gone (its pid no longer runs) is not checked.
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    handoff.write_text(json.dumps({**data, "pid": int(gone.stdout)}))
    stale = _run_check([], _bare_env(DAGSTER_HOME=str(home)), tmp_path)
    assert "checking the running demo" not in stale.stdout and stale.returncode == 1


def test_the_demo_pairs_rackbeat_and_ongoing_with_one_sandbox_company_each(sandbox, tmp_path):
    """X9 in the demo: company 1 with Rackbeat, company 2 with Ongoing, so no order reaches two warehouses."""
    from so24_pipelines.settings import load_settings

    home = tmp_path / "home"
    home.mkdir()
    settings = load_settings(cli.demo_settings(home, sandbox.url), env={})
    companies = [i["id"] for i in sandbox.control("GET", "24so/credentials").json()["identities"]]
    assert len(companies) == 2 and settings.so24.identities == companies
    assert (settings.rackbeat.so24_identity, settings.ongoing.so24_identity) == tuple(companies)
