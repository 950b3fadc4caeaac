"""Run a page's walkthrough (markdown.py) against the demo (demo.py) and check what it says.

Each failure names the page and line that said it, and what happened instead, so a red test
reads as "README.md:212 says ... but ...". After every action the daemon gets its round, as it
would while the reader reads the next line; a run it starts that fails is a failure of that
step (in the demo it is a red run in the UI), unless the page says the run fails.
"""

from __future__ import annotations

import re
import subprocess
import time

from so24_pipelines_tests.docs.demo import Demo, Run
from so24_pipelines_tests.docs.markdown import Action, Command, Page

DEMO_SANDBOX = re.compile(r"\b(?:localhost|127\.0\.0\.1):8024\b")
# Every 4xx/5xx fails the command (curl alone exits 0 on a 422), and curl's own errors are shown.
CURL = 'curl() { command curl --fail-with-body -sS "$@"; }\n'
SENSOR_WAIT_SECONDS = 30.0


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def run_command(demo: Demo, command: Command, where: str) -> str:
    """The command as the reader types it, against this sandbox's port; its output."""
    host = demo.sandbox.url.removeprefix("http://")
    text = DEMO_SANDBOX.sub(host, command.text)
    done = subprocess.run(
        ["bash", "-c", CURL + text], capture_output=True, text=True, timeout=60, cwd=demo.home
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, f"{where}: `{command.text}` exited {done.returncode}:\n{out[:1500]}"
    if command.expect is not None:
        assert _squeeze(command.expect) in _squeeze(done.stdout), (
            f"{where}: `{command.text}` should show {command.expect!r}; it answered:\n{done.stdout[:1500]}"
        )
    return done.stdout


def _check_run(run: Run, action: Action, where: str) -> None:
    if action.fails_with is None:
        assert run.success, f"{where}: {run.job} failed:\n{run.error()[:2000]}"
        return
    assert not run.success, f"{where}: {run.job} should fail with {action.fails_with!r}; it succeeded"
    assert _squeeze(action.fails_with) in _squeeze(run.error()), (
        f"{where}: {run.job} should fail with {action.fails_with!r}; it failed with:\n{run.error()[:2000]}"
    )


def _sensor_run(demo: Demo, action: Action, since: int, where: str) -> Run:
    """The run the sensor started since the reader's last action, waiting a daemon round or more
    (webhooks arrive asynchronously) before saying it never came."""
    deadline = time.monotonic() + SENSOR_WAIT_SECONDS
    while True:
        found = [r for r in demo.runs[since:] if r.by == action.sensor and r.job == action.job]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            started = [f"{r.job} by {r.by}" for r in demo.runs[since:]] or ["nothing"]
            raise AssertionError(
                f"{where}: sensor {action.sensor} should start {action.job}; since the step before, the "
                f"daemon started {', '.join(started)}"
            )
        time.sleep(0.2)
        demo.daemon_round()


def run_walkthrough(page: Page, demo: Demo) -> None:
    """Every action of the page in order; stops at the first thing that differs from the page."""
    window = 0  # first run since the reader's last action: what a "sensor ... starts" may point to
    for action in page.actions:
        where = action.where(page.name)
        before = len(demo.runs)
        own: Run | None = None
        if action.kind == "shell":
            for command in action.commands:
                run_command(demo, command, f"{page.name}:{command.line}")
        elif action.kind == "settings":
            demo.edit_settings(action.settings)
            demo.reload()
        elif action.kind == "launch":
            assert action.job in {j.name for j in demo.defs.resolve_all_job_defs()}, (
                f"{where}: there is no job {action.job} in the demo"
            )
            own = demo.launch(action.job, action.run_config)
            _check_run(own, action, where)
        elif action.kind == "materialize":
            own = demo.materialize(action.assets)
            _check_run(own, action, where)
        elif action.kind == "wait":
            demo.advance(action.seconds)
        elif action.kind == "sensor":
            assert action.sensor in {s.name for s in demo.running_sensors()}, (
                f"{where}: sensor {action.sensor} is not on in the demo"
            )
            run = _sensor_run(demo, action, window, where)
            assert run.success, f"{where}: {run.job} (started by {action.sensor}) failed:\n{run.error()[:2000]}"
            continue
        elif action.kind == "shows":
            (asset,) = action.assets
            meta = demo.latest(asset)
            got = {key: meta.get(key) for key in action.counts}
            counts = {k: v for k, v in meta.items() if isinstance(v, int)}
            assert got == action.counts, (
                f"{where}: {asset} should show {action.counts}; it shows {counts}\n{str(meta.get('preview', ''))[:8000]}"
            )
            continue
        elif action.kind == "preview":
            (asset,) = action.assets
            preview = str(demo.latest(asset).get("preview", ""))
            assert _squeeze(action.text) in _squeeze(preview), (
                f"{where}: {asset}'s preview should say {action.text!r}; it is:\n{preview[:2000]}"
            )
            continue
        else:
            raise AssertionError(f"{where}: unknown action {action.kind}")
        demo.daemon_round()
        window = before
        others = [r for r in demo.runs[before:] if r is not own and not r.success]
        assert not others, f"{where}: after this step the daemon's runs failed: " + "; ".join(
            f"{r.job} (by {r.by}): {r.error()[:600]}" for r in others
        )
