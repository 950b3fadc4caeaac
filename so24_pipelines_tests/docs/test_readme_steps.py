"""README.md as a test: its walkthrough runs as written, and its tables say what the demo does.

- Every fenced block of the README and the docs/flows pages is run or marked not-run with a
  reason (markdown.py); a command in prose or with a placeholder fails too.
- The credentials table holds exactly the env vars `make demo` fills, with the values and the
  control paths the sandbox serves them from; the two companies are the sandbox's.
- The table of what runs by itself is the set of schedules and sensors that start on under the
  demo's settings, each with its kind, and the jobs a row names are the ones it starts.
- The walkthrough runs against the demo in process (demo.py), with the sandbox at the demo's
  scale, and every check it states holds; and 24SO changes only where a flow meant it: every
  step's changes are judged by the collateral-damage rules (walkthrough.Watch), 0 unexplained.
"""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import pytest

from so24_pipelines import cli
from so24_pipelines.definitions import build_definitions
from so24_pipelines.settings import load_settings
from so24_pipelines_tests.docs.demo import running_demo
from so24_pipelines_tests.docs.markdown import parse
from so24_pipelines_tests.docs.walkthrough import Watch, run_walkthrough

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs" / "flows").glob("*.md"))]
RUNS_AT_START = "<!-- runs-at-start"


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def _table_rows(text: str) -> list[list[str]]:
    """The cells of each markdown table row after the header and its rule."""
    rows = [ln for ln in text.splitlines() if ln.startswith("|")]
    return [[c.strip() for c in ln.strip("|").split("|")] for ln in rows[2:]]


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_block_is_run_or_says_why_not(page: Path) -> None:
    found = parse(page)
    assert not found.problems, "\n".join(found.problems)


def test_the_credentials_table_is_what_the_sandbox_serves(demo_sandbox) -> None:
    section = _section(README.read_text(encoding="utf-8"), "Sandbox credentials")
    table = {_ticked(var)[0]: (value, source) for var, value, source in _table_rows(section)}
    assert set(table) == set(cli.SANDBOX_CREDENTIAL_ENV), "the table lists other env vars than make demo fills"
    answers: dict[str, dict] = {}
    for var, (system, key) in cli.SANDBOX_CREDENTIAL_ENV.items():
        answer = answers.setdefault(system, demo_sandbox.control("GET", f"{system}/credentials").json())
        value, source = table[var]
        assert _ticked(value) == [str(answer[key])], f"README says {var} = {value}; the sandbox serves {answer[key]!r}"
        assert _ticked(source) == [f"/_sandbox/{system}/credentials"], f"{var} comes from /_sandbox/{system}/credentials"
    prose = " ".join(section.split())
    for company in answers["24so"]["identities"]:
        assert f"`{company['id']}`" in prose and company["name"] in prose, f"README misses company {company}"


def test_what_runs_by_itself_is_what_the_demo_starts(demo_sandbox, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    defs = build_definitions(load_settings(cli.demo_settings(tmp_path, demo_sandbox.url), env={}))
    running: dict[str, tuple[str, set[str]]] = {}
    for schedule in defs.schedules or []:
        if schedule.default_status == dg.DefaultScheduleStatus.RUNNING:
            running[schedule.name] = ("schedule", {schedule.job_name})
    for sensor in defs.sensors or []:
        if sensor.default_status == dg.DefaultSensorStatus.RUNNING:
            jobs = {t.job_name for t in sensor.targets}
            running[sensor.name] = ("sensor", jobs)

    text = README.read_text(encoding="utf-8")
    table = text[text.index(RUNS_AT_START) :].split("\n\n", 1)[0]
    rows = _table_rows(table.split("\n", 1)[1])
    said = {_ticked(name)[0]: (kind, what) for name, kind, what in rows}
    assert sorted(said) == sorted(running), (
        f"README lists {sorted(set(said) - set(running))} that do not start on, and misses "
        f"{sorted(set(running) - set(said))}"
    )
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    for name, (kind, what) in said.items():
        assert kind == running[name][0], f"README calls {name} a {kind}; it is a {running[name][0]}"
        named = {j for j in _ticked(what) if j in jobs}
        assert named <= running[name][1], f"README says {name} starts {sorted(named)}; it starts {running[name][1]}"
        every = _every_seconds(what)
        if every is None:
            continue
        if kind == "schedule":
            cron = defs.get_schedule_def(name).cron_schedule
            assert cron == f"*/{every // 60} * * * *", f"README says {name} runs every {every} s; its cron is {cron}"
        else:
            interval = defs.get_sensor_def(name).minimum_interval_seconds
            assert interval == every, f"README says {name} ticks every {every} s; its interval is {interval} s"


def _every_seconds(text: str) -> int | None:
    """"every 15 min" -> 900, "every 10 s" -> 10, "every minute" -> 60; None when the row says no interval."""
    found = re.search(r"\bevery (?:(\d+) (min|s)\b|minute\b)", text)
    if not found:
        return None
    if found[1] is None:
        return 60
    return int(found[1]) * (60 if found[2] == "min" else 1)


def test_the_readme_walkthrough_runs_as_written(demo_sandbox, tmp_path, monkeypatch) -> None:
    page = parse(README)
    assert not page.problems, "\n".join(page.problems)
    with running_demo(demo_sandbox, tmp_path / "home", monkeypatch) as demo:
        watch = Watch(demo)
        run_walkthrough(page, demo, watch)
    verdict = watch.judge()
    line = verdict.line("README walkthrough: 24SO")
    print("\n".join([line, *watch.summary()]))
    if verdict.damage:
        pytest.fail("\n".join([line, *map(str, verdict.damage)]), pytrace=False)
