"""Run a page's walkthrough (markdown.py) against the demo (demo.py) and check what it says.

Each failure names the page and line that said it, and what happened instead, so a red test
reads as "README.md:212 says ... but ...". After every action the daemon gets its round, as it
would while the reader reads the next line; a run it starts that fails is a failure of that
step (in the demo it is a red run in the UI), unless the page says the run fails.

With a `Watch`, the systems it watches (24SO by default) are snapshotted before and after every
step: what a user action (a shell block, a so24.yaml edit) changed is the user's; what the
daemon's round after it, or a hub action (Launch, Materialize, a wait, a sensor's run) changed is
the hub's, judged with the sync_log rows logged meanwhile by the collateral-damage rules
(safety/systems.py `Rules`): a change no flow meant is unexplained.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from so24_pipelines.settings import Settings
from so24_pipelines_tests.docs.demo import Demo, Run
from so24_pipelines_tests.docs.markdown import Action, Command, Page
from so24_pipelines_tests.safety import systems

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


@dataclass
class Window:
    """One step's changes to the watched systems: a user's, or the hub's with its sync_log rows."""

    name: str
    by_hub: bool
    before: systems.Snapshot
    changes: list[systems.Change]
    after: systems.Snapshot
    log: list[systems.LogRow]
    settings: Settings


@dataclass
class Verdict:
    changes: int
    damage: list[systems.Damage]

    @property
    def unexplained(self) -> int:
        return len({d.change for d in self.damage})

    def line(self, label: str) -> str:
        return (
            f"{label} changes={self.changes} explained={self.changes - self.unexplained} "
            f"unexplained={self.unexplained}"
        )


@dataclass
class Watch:
    """The watched systems before and after every step of a walkthrough (safety/systems.py)."""

    demo: Demo
    watched: tuple[str, ...] = ("24so",)
    windows: list[Window] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.prev = systems.snapshot(self.demo.sandbox, self.watched)

    def window(self, name: str, by_hub: bool, action: Callable[[], object]) -> None:
        db = self.demo.settings.staging_path()
        mark = systems.last_log_id(db)
        try:
            action()
        finally:  # a failed step's changes are still recorded (the failure is the step's own)
            after = systems.snapshot(self.demo.sandbox, self.watched)
            log = systems.sync_log(db, mark) if by_hub and systems.last_log_id(db) > mark else []
            changes = systems.diff(self.prev, after)
            self.windows.append(Window(name, by_hub, self.prev, changes, after, log, self.demo.settings))
            self.prev = after

    def judge(self) -> Verdict:
        """The collateral-damage rules over every window, each hub window under the settings then in
        force (a so24.yaml edit may turn a flow two-way)."""
        from so24_pipelines_tests.safety.scenario import rules_for

        rules = systems.Rules(stock_master=None, two_way=frozenset(), faults=False)
        rules.learn_targets(row for w in self.windows for row in w.log)
        for w in self.windows:
            now = rules_for(w.settings, faults=False)
            rules.stock_master, rules.two_way = now.stock_master, now.two_way
            if w.by_hub:
                rules.hub_window(w.name, w.before, w.changes, w.after, w.log)
            else:
                rules.user_window(w.name, w.before, w.changes, w.after)
        return Verdict(sum(len(w.changes) for w in self.windows), rules.damage)

    def summary(self) -> list[str]:
        """Each window that changed something: who, how many changes, and how many log rows."""
        return [
            f"  {w.name}: {len(w.changes)} {'hub' if w.by_hub else 'user'} change(s), {len(w.log)} sync_log row(s)"
            for w in self.windows
            if w.changes
        ]


class _Unwatched:
    def window(self, name: str, by_hub: bool, action: Callable[[], object]) -> None:
        action()


USER_ACTIONS = frozenset({"shell", "settings"})


def run_walkthrough(page: Page, demo: Demo, watch: Watch | None = None) -> None:
    """Every action of the page in order; stops at the first thing that differs from the page.
    With `watch`, every step that can change a system is a window of it."""
    steps = watch or _Unwatched()
    window = 0  # first run since the reader's last action: what a "sensor ... starts" may point to
    for action in page.actions:
        where = action.where(page.name)
        before = len(demo.runs)
        own: Run | None = None
        if action.kind in ("shows", "preview"):
            _check_report(demo, action, where)
            continue
        if action.kind == "sensor":
            steps.window(where, True, lambda a=action, w=where, since=window: _check_sensor(demo, a, since, w))
            continue
        if action.kind in USER_ACTIONS:
            steps.window(where, False, lambda a=action: _user_action(demo, page, a))
        else:
            ran: list[Run | None] = []
            steps.window(where, True, lambda a=action, w=where, r=ran: r.append(_hub_action(demo, a, w)))
            own = ran[0]
        steps.window(f"{where} (the daemon's round after it)", True, demo.daemon_round)
        window = before
        others = [r for r in demo.runs[before:] if r is not own and not r.success]
        assert not others, f"{where}: after this step the daemon's runs failed: " + "; ".join(
            f"{r.job} (by {r.by}): {r.error()[:600]}" for r in others
        )


def _user_action(demo: Demo, page: Page, action: Action) -> None:
    if action.kind == "shell":
        for command in action.commands:
            run_command(demo, command, f"{page.name}:{command.line}")
    else:
        demo.edit_settings(action.settings)
        demo.reload()


def _hub_action(demo: Demo, action: Action, where: str) -> Run | None:
    if action.kind == "launch":
        assert action.job in {j.name for j in demo.defs.resolve_all_job_defs()}, (
            f"{where}: there is no job {action.job} in the demo"
        )
        own = demo.launch(action.job, action.run_config)
        _check_run(own, action, where)
        return own
    if action.kind == "materialize":
        own = demo.materialize(action.assets)
        _check_run(own, action, where)
        return own
    if action.kind == "wait":
        demo.advance(action.seconds)
        return None
    raise AssertionError(f"{where}: unknown action {action.kind}")


def _check_sensor(demo: Demo, action: Action, since: int, where: str) -> None:
    assert action.sensor in {s.name for s in demo.running_sensors()}, (
        f"{where}: sensor {action.sensor} is not on in the demo"
    )
    run = _sensor_run(demo, action, since, where)
    assert run.success, f"{where}: {run.job} (started by {action.sensor}) failed:\n{run.error()[:2000]}"


def _check_report(demo: Demo, action: Action, where: str) -> None:
    (asset,) = action.assets
    if action.kind == "shows":
        meta = demo.latest(asset)
        got = {key: meta.get(key) for key in action.counts}
        counts = {k: v for k, v in meta.items() if isinstance(v, int)}
        assert got == action.counts, (
            f"{where}: {asset} should show {action.counts}; it shows {counts}\n{str(meta.get('preview', ''))[:8000]}"
        )
        return
    preview = str(demo.latest(asset).get("preview", ""))
    assert _squeeze(action.text) in _squeeze(preview), (
        f"{where}: {asset}'s preview should say {action.text!r}; it is:\n{preview[:2000]}"
    )
