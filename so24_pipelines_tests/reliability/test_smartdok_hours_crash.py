"""S3 interrupted between "24SO saved the hour" and "Smartdok marked it": never a second 24SO hour.

A child process runs the real S3 tick (`sync_hours`: Smartdok and 24SO sandboxes over HTTP, the real
staging file) as a backfill over the seeded hours. Three ways to be interrupted:

- `kill_inside_save`: the child SIGKILLs itself right after 24SO answered the k-th SaveHour, before
  the loader records anything: the hour is in 24SO, the hub does not know;
- `kill_before_marking`: the child SIGKILLs itself after the load, as it is about to mark the hours
  in Smartdok (the first `S3.mark` call): every hour is in 24SO and in S3's id map, none is marked;
- `lost_state`: a whole tick completes, then the hub's staging file is lost and Smartdok's marks
  are undone (the worst case of both at once): only the tag in Description is left to go by.

Then the next tick runs (a new run id; the dead run is known to be over) and must leave every
approved matching hour exactly once in 24SO, each marked in Smartdok; a hub that lost its record
finds the hour by its tag and logs it `resolved`. A third tick writes nothing.
Run as `python -m <this module> CHILD ...` it is the child.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

from so24_pipelines.connectors.smartdok import SmartdokClient
from so24_pipelines.connectors.so24 import session, writes
from so24_pipelines.connectors.so24.client import So24Client, So24Credentials
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.pairing import use_identity
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.flows.smartdok import hours
from so24_pipelines.flows.smartdok.hour_marks import SmartdokHourMarks
from so24_pipelines.flows.smartdok.hours_staging import Period
from so24_pipelines.flows.so24 import extract as so24_run
from so24_pipelines.flows.so24.entities import ENTITIES
from so24_pipelines_tests.e2e.smartdok_hours_harness import expected_transfers, smartdok_hours, tagged

pytestmark = pytest.mark.reliability

REPO_ROOT = Path(__file__).resolve().parents[2]
KILL_AT = 5
SPAN = Period(date(2025, 11, 1), date(2026, 6, 30), backfill=True)


def _clients(url: str) -> tuple[SmartdokClient, So24Client, str]:
    sd = requests.get(f"{url}/_sandbox/smartdok/credentials", timeout=10).json()
    c = requests.get(f"{url}/_sandbox/24so/credentials", timeout=10).json()
    smartdok = SmartdokClient(sd["baseUrl"], sd["apiToken"], requests_per_minute=60_000)
    so24 = So24Client(base_url=f"{url}/24so", credentials=So24Credentials(c["application_id"], c["username"],
                      c["password"]), backoff_base=0.02, max_retries=8)  # fmt: skip
    return smartdok, so24, session.current_identity(so24, None)


# The seed holds mismatched hours: S3 is told to send the matching ones (by default it would wait).
SENDING = hours.HourOptions(send_matching_while_mismatched=True)


def _tick(db: str, url: str, run_id: str) -> tuple[FlowRun, FlowRun]:
    """One S3 tick: (the hours' load, the marks' load)."""
    smartdok, so24, identity = _clients(url)
    try:
        use_identity(so24, identity, "smartdok")
        sent, marked = hours.sync_hours(RunContext.of(db, run_id, alive=lambda _: False), smartdok, so24,
                                        identity, SENDING, SPAN)  # fmt: skip
        return sent, marked
    finally:
        smartdok.close()
        so24.close()


def _child(db: str, url: str, mode: str) -> None:
    if mode == "kill_inside_save":
        save = writes.save_hour
        made: list[int] = []

        def save_then_die(client: So24Client, hour: Any) -> int:
            made.append(save(client, hour))
            if len(made) == KILL_AT:
                os.kill(os.getpid(), signal.SIGKILL)
            return made[-1]

        writes.save_hour = save_then_die  # type: ignore[assignment]
    else:

        def die(*_args: Any, **_kwargs: Any) -> int:
            os.kill(os.getpid(), signal.SIGKILL)
            return 0

        SmartdokHourMarks.write_many = die  # type: ignore[method-assign]
    _tick(db, url, "dead-run")


def _stage_so24(url: str, db: Path) -> None:
    """E5-E7 as the extraction assets stage them: the registers S3 joins."""
    _, so24, identity = _clients(url)
    so24_run.prepare(db)
    with so24:
        for name in ("persons", "projects", "work_types", "salary_types"):
            so24_run.extract(so24, db, ENTITIES[name], identity)


def _marked(sandbox: Any, keys: set[int]) -> set[int]:
    return {k for k, h in smartdok_hours(sandbox).items() if k in keys and h["ExportedExternal"]}


@pytest.mark.parametrize("mode", ["kill_inside_save", "kill_before_marking", "lost_state"])
def test_s3_interrupted_after_24so_saved_never_duplicates_an_hour(sandbox, tmp_path, mode):
    db = tmp_path / "staging.duckdb"
    _stage_so24(sandbox.url, db)
    send, _ = expected_transfers(sandbox)
    assert len(send) > KILL_AT * 2

    if mode == "lost_state":
        done, _ = _tick(str(db), sandbox.url, "first")
        assert done.counts()["created"] == len(send)
        smartdok, so24, _ = _clients(sandbox.url)
        with smartdok, so24:
            smartdok.unmark_batch(str(done.notes["batch_id"]))
        db.unlink()
        _stage_so24(sandbox.url, db)
    else:
        child = subprocess.Popen([sys.executable, "-m", __name__, "CHILD", str(db), sandbox.url, mode], cwd=REPO_ROOT)
        try:
            assert child.wait(timeout=120) == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
    interrupted = Counter({k: len(v) for k, v in tagged(sandbox).items()})
    assert set(interrupted.values()) == {1}
    assert not _marked(sandbox, send), "the interruption came before any marking"
    if mode == "kill_inside_save":
        assert KILL_AT <= len(interrupted) < len(send), "the kill must land mid-load"
    else:
        assert set(interrupted) == send

    after, marks = _tick(str(db), sandbox.url, "next-tick")

    assert after.counts()["failed"] == 0 and marks.counts()["failed"] == 0
    if mode == "kill_before_marking":
        assert after.counts()["created"] == after.counts()["resolved"] == 0, "the id map knew them all"
    elif mode == "lost_state":
        assert (after.counts()["created"], after.counts()["resolved"]) == (0, len(send)), "found by their tags"
    else:
        assert after.counts()["resolved"] >= 1, "the save that was never recorded is found, not repeated"
    assert Counter({k: len(v) for k, v in tagged(sandbox).items()}) == Counter(dict.fromkeys(send, 1))
    assert _marked(sandbox, send) == send and after.notes["marked"] == len(send)

    again, again_marks = _tick(str(db), sandbox.url, "third")
    assert again.counts()["created"] == again.counts()["resolved"] == again.counts()["updated"] == 0
    assert again.notes["marked"] == 0 and again_marks.counts()["created"] == 0
    assert Counter({k: len(v) for k, v in tagged(sandbox).items()}) == Counter(dict.fromkeys(send, 1))


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "CHILD":
    _child(*sys.argv[2:5])
