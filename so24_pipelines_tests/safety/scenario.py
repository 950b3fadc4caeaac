"""A scripted scenario run as diffed windows: the method every collateral-damage suite shares.

The sandboxes start from their seeded state; the hub (hub.py) makes its first runs, then, for each
tick, a user (user.py) acts and the hub ticks. Every such step is a window: a whole-system snapshot
before and after (systems.py), the diff between them and, for the hub's windows, the `sync.sync_log`
rows written meanwhile, so each change can be held to systems.Rules (`judge`). With faults on, the
sandboxes fail a share of the hub's calls (never the user's: faults are paused while the user acts)
and two clean ticks at the end let failed records retry; the injected faults are counted, so a
suite can show that they really happened.

A suite keeps only what is its own: settings, the hub's wiring, the user's actions and what the
end state must show (`Scenario`).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from so24_pipelines.settings import Settings
from so24_pipelines.staging.db import connect
from so24_pipelines_tests.safety import systems
from so24_pipelines_tests.safety.hub import Hub, webhook_receiver
from so24_pipelines_tests.safety.user import User
from so24_pipelines_tests.sandbox_process import SandboxProcess

# 10 % of the hub's calls to a faulted system fail. "limit" (429 with Retry-After: 1 s, no work done)
# is left out: for what a write leaves behind it is the same path as "5xx", and each costs a second.
# "drop" and "malformed" do the work and lose the answer: the dangerous ones.
FAULTS = {"rate": 0.1, "kinds": ["5xx", "drop", "malformed", "html", "latency"], "latency_ms": 50}
SETTLE_TICKS = 2
FIRST_SEED = 7


def check(problems: list[str], ok: bool, what: str) -> None:
    if not ok:
        problems.append(f"expected: {what}")


class Scenario(ABC):
    """What a suite's users do before each tick and what the end state must show."""

    ticks = 3
    # (loader flow, source key) of records expected to stay failed, with why
    expected_failures: dict[tuple[str, str], str] = {}
    # source keys a flow holds back with a reason: they may stay failed, and need not
    held_keys: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self.made: dict[str, Any] = {}

    @abstractmethod
    def act(self, user: User, tick: int, snap: systems.Snapshot) -> None:
        """The users' actions before hub tick `tick`, on the snapshot the hub left."""

    def manual(self, hub: Hub, tick: int) -> None:  # noqa: B027 - an optional hook: most users launch nothing by hand
        """Runs a user launches by hand in the hub (R9), inside the tick."""

    @abstractmethod
    def expect(self, snap: systems.Snapshot) -> list[str]:
        """What the end state must show, as problems (empty: the users' actions arrived where meant)."""


@dataclass
class Window:
    """What happened between two snapshots: the user's actions, or one hub tick (with its log)."""

    name: str
    by_hub: bool
    changes: list[systems.Change]
    log: list[systems.LogRow]
    before: systems.Snapshot
    after: systems.Snapshot


@dataclass
class Outcome:
    windows: list[Window]
    final: systems.Snapshot
    failed_runs: list[str]
    sensor_errors: list[str]
    failed_records: dict[tuple[str, str], str]
    seconds: float
    injected: dict[str, int] = field(default_factory=dict)  # faults injected into the hub's calls, by system


class Faults:
    """The sandboxes' fault injection (/_sandbox/<system>/faults) on `systems_on`, when `on`; each
    switch-off adds what was injected since the switch-on (the sandbox forgets it on DELETE)."""

    def __init__(self, sandbox: SandboxProcess, systems_on: Iterable[str], on: bool) -> None:
        self.sandbox, self.on = sandbox, on
        self.injected = dict.fromkeys(systems_on, 0)

    def set(self, on: bool, seed: int = FIRST_SEED) -> None:
        if not self.on:
            return
        for system in self.injected:
            if on:
                self.sandbox.control("POST", f"{system}/faults", json={**FAULTS, "seed": seed})
            else:
                counts = self.sandbox.control("GET", f"{system}/faults").json()["injected"]
                self.injected[system] += sum(counts.values())
                self.sandbox.control("DELETE", f"{system}/faults")

    @contextmanager
    def paused(self, seed: int) -> Iterator[None]:
        """Off while the user acts (faults are the hub's), then on again with the next seed."""
        self.set(False)
        try:
            yield
        finally:
            self.set(True, seed=seed)


def run(
    sandbox: SandboxProcess,
    hub: Hub,
    scenario: Scenario,
    *,
    start: Sequence[tuple[str, Callable[[], None]]],
    faulted: Iterable[str],
    faults: bool,
    watched: Iterable[str] | None = None,
    sensors_settle: bool = False,
) -> Outcome:
    """The scenario from the seeded state: the hub's `start` windows (its first tick, an initial sync
    a user starts, a backfill), then the user and a hub tick, `scenario.ticks` times; with faults on
    `faulted`, then SETTLE_TICKS clean ticks. `watched` systems are snapshotted (all by default: one
    the hub does not talk to must stay as it is). Runs failed before the clean ticks are forgiven with
    faults (they retry), and so are sensor errors where `sensors_settle` (a sensor raising on a
    transient error is evaluated again by the daemon)."""
    started = time.monotonic()
    watched = tuple(watched) if watched is not None else tuple(systems.REGISTERS)
    user = User(sandbox)
    switch = Faults(sandbox, faulted, faults)
    windows: list[Window] = []
    prev = systems.snapshot(sandbox, watched)

    def window(name: str, by_hub: bool, action: Callable[[], Any]) -> None:
        nonlocal prev
        mark = systems.last_log_id(hub.db)
        action()
        after = systems.snapshot(sandbox, watched)
        log = systems.sync_log(hub.db, mark) if by_hub else []
        windows.append(Window(name, by_hub, systems.diff(prev, after), log, prev, after))
        prev = after

    settled, quiet = 0, 0
    try:
        with webhook_receiver(hub):
            switch.set(True)
            for name, action in start:
                window(name, True, action)
            for tick in range(1, scenario.ticks + 1):
                with switch.paused(seed=FIRST_SEED + tick):
                    window(f"user {tick}", False, lambda t=tick: scenario.act(user, t, prev))
                    hub.quiet_webhooks()
                window(f"tick {tick}", True, lambda t=tick: (scenario.manual(hub, t), hub.tick()))
            switch.set(False)
            settled, quiet = len(hub.failures), len(hub.sensor_errors)
            for n in range(SETTLE_TICKS if faults else 0):
                window(f"settle {n + 1}", True, hub.tick)
    finally:
        switch.set(False)
        user.close()
    failed = hub.failures[settled:] if faults else hub.failures
    errors = hub.sensor_errors[quiet:] if faults and sensors_settle else hub.sensor_errors
    seconds = time.monotonic() - started
    return Outcome(windows, prev, failed, errors, failed_records(hub.db), seconds, dict(switch.injected))


def failed_records(db: Path) -> dict[tuple[str, str], str]:
    """(flow, source key) -> reason of every record the loader holds as failed."""
    with connect(db) as con:
        return {
            (flow, key): reason
            for flow, key, reason in con.execute(
                "SELECT flow, source_key, reason FROM sync.failed_records"
            ).fetchall()
        }


def rules_for(settings: Settings, *, faults: bool) -> systems.Rules:
    """The rules as the settings make them: the stock master (R8 or O5) and the two-way R flows."""
    flows = settings.flows
    master = (
        "R8"
        if settings.rackbeat.enabled and flows.R8.enabled
        else "O5"
        if settings.ongoing.enabled and flows.O5.enabled
        else None
    )
    two_way = set()
    if settings.rackbeat.enabled:
        for flow, entity, direction in (("R1", "products", flows.R1.products), ("R2", "customers", flows.R2.customers),
                                        ("R2", "suppliers", flows.R2.suppliers)):  # fmt: skip
            if direction == "both":
                two_way |= {f"{flow}.{entity}.to_rackbeat", f"{flow}.{entity}.to_so24"}
    return systems.Rules(stock_master=master, two_way=frozenset(two_way), faults=faults)


def judge(outcome: Outcome, rules: systems.Rules) -> list[systems.Damage]:
    rules.learn_targets(row for window in outcome.windows for row in window.log)
    for window in outcome.windows:
        if window.by_hub:
            rules.hub_window(window.name, window.before, window.changes, window.after, window.log)
        else:
            rules.user_window(window.name, window.before, window.changes, window.after)
    return rules.damage


def problems(outcome: Outcome, rules: systems.Rules, scenario: Scenario) -> list[str]:
    """Everything wrong with a run: damage by the rules, an end state the users did not get, records
    made twice, failed runs and sensors, records left failed (or not, where the scenario expects it)."""
    out = [str(damage) for damage in judge(outcome, rules)]
    out += scenario.expect(outcome.final)
    out += [f"twins: {twin}" for twin in systems.twins(outcome.final)]
    out += [f"run failed: {failure}" for failure in outcome.failed_runs]
    out += [f"sensor failed: {error}" for error in outcome.sensor_errors]
    expected = scenario.expected_failures
    out += [f"still failed: {flow} {key}: {reason}" for (flow, key), reason in outcome.failed_records.items()
            if (flow, key) not in expected and key not in scenario.held_keys]  # fmt: skip
    out += [f"expected to be held as failed: {flow} {key} ({why})" for (flow, key), why in expected.items()
            if (flow, key) not in outcome.failed_records]  # fmt: skip
    return out


def report(label: str, outcome: Outcome, rules: systems.Rules) -> str:
    """One line for the issue note: the hub's changes, how each was explained, the time taken and,
    with faults, what was injected and how many writes failed and were retried on a later tick."""
    hub_changes = sum(len(w.changes) for w in outcome.windows if w.by_hub)
    unexplained = len({d.change for d in rules.damage})
    derived = hub_changes - rules.explained - unexplained
    line = (
        f"{label}: {hub_changes} hub changes: {rules.explained} explained by a sync_log write of a flow owning "
        f"the field, {derived} derived by the system from those, {unexplained} unexplained; {outcome.seconds:.0f} s"
    )
    if any(outcome.injected.values()):
        retried = sum(1 for w in outcome.windows for row in w.log if row.action == "fail")
        line += f"; faults injected: {outcome.injected}; {retried} write(s) failed and were retried on a later tick"
    return line


def touched(outcome: Outcome) -> set[str]:
    """The systems the hub's ticks changed."""
    return {c.system for w in outcome.windows if w.by_hub for c in w.changes}


def clean_then_faulty(
    sandbox: SandboxProcess, tmp: Path, run_one: Callable[..., Outcome], make: Callable[[], Scenario]
) -> tuple[Outcome, Outcome, Scenario]:
    """The scenario fault-free, then from the seeded state again with faults: (clean, faulty, and the
    faulty run's scenario, whose records the verdict reads)."""
    clean = run_one(sandbox, tmp / "clean", make(), faults=False)
    sandbox.reset()
    scenario = make()
    return clean, run_one(sandbox, tmp / "faulty", scenario, faults=True), scenario


def assert_changes_only_owned(
    label: str, outcome: Outcome, rules: systems.Rules, scenario: Scenario, *, more_than: int, systems_changed: set[str]
) -> None:
    """The fault-free verdict: no problem, more than `more_than` explained changes (a scenario that
    ran and did nothing would pass every rule), and only `systems_changed` changed by the hub."""
    found = problems(outcome, rules, scenario)
    print(report(label, outcome, rules))
    assert rules.explained > more_than, f"the hub changed almost nothing ({rules.explained}): is the scenario running?"
    assert touched(outcome) == systems_changed, f"the hub's ticks changed {touched(outcome)}"
    assert not found, f"{len(found)} problem(s):\n" + "\n".join(found)


def assert_settles_as_clean(
    label: str, clean: Outcome, faulty: Outcome, rules: systems.Rules, scenario: Scenario,
    end_state: Callable[[systems.Snapshot], dict[str, Any]],
) -> None:  # fmt: skip
    """The verdict with faults: faults were injected on every faulted system, no problem, and the
    same end state as the fault-free run (`end_state` leaves out the ids and times a run chooses)."""
    found = problems(faulty, rules, scenario)
    print(report(label, faulty, rules))
    assert faulty.injected and all(count > 0 for count in faulty.injected.values()), faulty.injected
    assert not found, f"{len(found)} problem(s):\n" + "\n".join(found)
    want, got = end_state(clean.final), end_state(faulty.final)
    assert got == want, differences(want, got)


def differences(want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Where two end states part, part by part: the entries only one of them holds."""
    out = []
    for part in sorted(set(want) | set(got)):
        a, b = want.get(part), got.get(part)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            out += [f"{part}[{k!r}]: clean {a.get(k)!r}, faulty {b.get(k)!r}" for k in keys]
        elif isinstance(a, list) and isinstance(b, list):
            out += [f"{part}: only clean {x!r}" for x in a if x not in b]
            out += [f"{part}: only faulty {x!r}" for x in b if x not in a]
        else:
            out.append(f"{part}: clean {a!r}, faulty {b!r}")
    return out
