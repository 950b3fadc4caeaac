"""Execute a plan: claim, send with bounded concurrency, record. Crash-safe and never twice.

The writes go in batches of `batch_size`, each in three steps, and no DuckDB connection is open
while the target is being called (one writing process per staging file; Dagster steps are
separate processes):

1. Claim (one short transaction). For each record, re-read its id_map row and take it for this
   run: a create gets a 'pending_create' row *with its business key* before anything is sent, so
   if the process dies after the target accepted the create but before step 3, the next run finds
   the row and resolves it (look up by business key, then update or create) instead of creating
   a second record. A row claimed by another run is left alone (skipped with the reason) while
   that run may still be writing it: the double-click / overlapping-run guard. It is taken over
   when the claim is this same run's (a retried step), when the claiming run is over (`run_alive`
   says so: the Dagster layer asks its instance, so a crashed run's records resume on the next
   tick), or when the claim is older than `claim_ttl` (the fallback when nobody can tell, e.g.
   tests and scripts that pass no `run_alive`, or a run Dagster still shows as started).
2. Send (no connection open), at most `max_workers` calls in flight. RecordRejected and
   TransientError fail the record only; AuthError, ConfigError, UnreachableError (no connection
   to the target at all: every other record would meet the same wall, so the step fails at once
   with the URL instead of failing each record) or any unexpected error stops the load: the calls
   already running finish, nothing new starts.
3. Record (one short transaction): id_map, failed_records, sync_log for every outcome of the batch.
   If the load was stopped, the outcomes so far are recorded first, records that were never sent
   are marked failed (so failed_keys brings them back), and then the error is raised.

A failed create is told apart by the target's answer. A refusal (RecordRejected, a 429, any other
answer that is not transient) means the target made nothing: the failure keeps the target's own
words and the 'pending_create' row goes, so the retry is a create, not a resolve, and nobody calls
it unconfirmed. A TransientError (5xx, dropped connection, cut body, timeout) leaves the outcome
unknown: the row stays and the retry resolves it by business key first, naming the run that sent
it. A retried create still looks its business key up before creating, because a create made of
several calls may have made the record before one of them was refused.

`claim_ttl` must exceed the time one batch can take to send.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import duckdb

from so24_pipelines.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    RateLimited,
    RecordRejected,
    TransientError,
    UnreachableError,
)
from so24_pipelines.staging.db import transaction
from so24_pipelines.sync.hashing import canonical_json
from so24_pipelines.sync.planner import Plan, PlannedItem, run_name
from so24_pipelines.sync.records import Found, MappedRecord, Target, bulk_writer, upserts_by_key
from so24_pipelines.sync.report import LoadReport, Outcome, ReportBuilder
from so24_pipelines.sync.schema import ensure_sync_schema, utcnow
from so24_pipelines.sync.store import (
    IdMapRow,
    LoadContext,
    claim_rows,
    insert_pending_creates,
    read_id_map,
    record_outcomes,
)

# Errors about the whole target, not one record: the load stops and the error reaches the step.
_STOPS_THE_LOAD = (AuthError, ConfigError, UnreachableError)

DEFAULT_CLAIM_TTL = timedelta(minutes=30)
MAX_REASON_CHARS = 2000

RunAlive = Callable[[str], bool]
"""run id -> whether that run may still be writing (not finished, failed or canceled, and known)."""


@dataclass(frozen=True)
class _Send:
    """One call (or, for resolve, a short sequence of calls) to make for one record."""

    item: PlannedItem
    action: Literal["create", "update", "resolve"]
    target_key: str | None = None
    lookup_keys: tuple[str, ...] = ()
    origin_run: str | None = None


def execute(
    db_path: str | Path,
    plan: Plan,
    target: Target,
    *,
    run_id: str,
    dry_run: bool = False,
    max_workers: int = 4,
    batch_size: int = 100,
    claim_ttl: timedelta = DEFAULT_CLAIM_TTL,
    run_alive: RunAlive | None = None,
) -> LoadReport:
    """Carry out a plan against a target and record every outcome. A dry run touches nothing.

    `run_alive` tells whether the run holding a claim may still be writing; without it a claim
    held by another run is only taken over once it is older than `claim_ttl`.
    """
    _check(plan, target, run_id=run_id, max_workers=max_workers, batch_size=batch_size, claim_ttl=claim_ttl)
    if dry_run:
        return LoadReport(run_id=run_id, dry_run=True)
    builder = ReportBuilder(run_id)
    ctx = LoadContext(plan.flow, run_id, plan.source_system, plan.target_system, plan.target_entity)

    settled = _settled_outcomes(plan)
    with transaction(db_path) as con:
        ensure_sync_schema(con)
        record_outcomes(con, ctx, settled, utcnow())
    builder.add(settled)

    writes = plan.writes
    bulk = bulk_writer(target)
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=f"loader-{plan.flow}") as pool:
        for batch in _batches(writes, batch_size):
            with transaction(db_path) as con:
                sends, refused = _claim(con, ctx, batch, claim_ttl, plan.upserts_by_key, _Liveness(run_alive))
                record_outcomes(con, ctx, refused, utcnow())
            builder.add(refused)
            outcomes, stop = _send_bulk(bulk, sends) if bulk is not None else _send_all(pool, target, sends)
            with transaction(db_path) as con:
                record_outcomes(con, ctx, outcomes, utcnow())
            builder.add(outcomes)
            if stop is not None:
                stop.add_note(
                    f"loader: flow {plan.flow} stopped; recorded before stopping: {builder.summary()}"
                )
                raise stop
    return builder.build()


def _check(
    plan: Plan, target: Target, *, run_id: str, max_workers: int, batch_size: int, claim_ttl: timedelta
) -> None:
    if (target.system, target.entity) != (plan.target_system, plan.target_entity):
        raise ValueError(
            f"plan is for {plan.target_system}/{plan.target_entity}, target is {target.system}/{target.entity}"
        )
    if plan.upserts_by_key and not upserts_by_key(target):
        raise ValueError("plan assumed a target that upserts by key; this target does not")
    if not run_id:
        raise ValueError("run_id is required: it is how sync_log and claims name a run")
    if max_workers < 1 or batch_size < 1:
        raise ValueError("max_workers and batch_size must be at least 1")
    if claim_ttl < timedelta(0):
        raise ValueError("claim_ttl cannot be negative")


def _settled_outcomes(plan: Plan) -> list[Outcome]:
    """unchanged and skip: decided by the plan, logged without calling the target."""
    written = {item.record.source_key for item in plan.writes}
    outcomes = []
    for item in plan.items:
        record = item.record
        if item.action == "unchanged":
            outcomes.append(
                Outcome(
                    record.source_key,
                    "unchanged",
                    record.business_key,
                    item.target_key,
                    source_version=record.source_version,
                )
            )
        elif item.action == "skip":
            outcomes.append(
                Outcome(
                    record.source_key,
                    "skip",
                    record.business_key,
                    reason=item.reason,
                    source_version=record.source_version,
                    keeps_failure=record.source_key in written,
                )
            )
    return outcomes


def _batches(items: Sequence[PlannedItem], size: int) -> Iterator[Sequence[PlannedItem]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Liveness:
    """Whether the runs holding claims are over, asked at most once per run id and batch."""

    def __init__(self, run_alive: RunAlive | None) -> None:
        self.known = run_alive is not None
        self._run_alive = run_alive
        self._over: dict[str, bool] = {}

    def over(self, run_id: str) -> bool:
        if self._run_alive is None:
            return False
        if run_id not in self._over:
            try:
                self._over[run_id] = not self._run_alive(run_id)
            except Exception:  # noqa: BLE001 - cannot tell: the run may be writing; the TTL still applies
                self._over[run_id] = False
        return self._over[run_id]


def _claimable(row: IdMapRow, run_id: str, now: datetime, ttl: timedelta, liveness: _Liveness) -> bool:
    if row.claimed_run is None or row.claimed_run == run_id:
        return True
    if row.claimed_at is None or row.claimed_at <= now - ttl:
        return True
    return liveness.over(row.claimed_run)


def _claim(
    con: duckdb.DuckDBPyConnection,
    ctx: LoadContext,
    batch: Sequence[PlannedItem],
    ttl: timedelta,
    upserts: bool,
    liveness: _Liveness,
) -> tuple[list[_Send], list[Outcome]]:
    """Re-check each planned write against the id map and take it for this run (see module doc)."""
    now = utcnow()
    rows = read_id_map(con, ctx.flow, [item.record.source_key for item in batch])
    fresh: list[tuple[str, str | None]] = []
    claimed: list[str] = []
    sends: list[_Send] = []
    refused: list[Outcome] = []
    for item in batch:
        record = item.record
        row = rows.get(record.source_key)
        if row is None:
            if item.action == "update":
                refused.append(
                    _refusal(item, "its id map row disappeared after planning; re-planned next tick")
                )
                continue
            fresh.append((record.source_key, record.business_key))
            sends.append(_Send(item, "create"))
            continue
        if not _claimable(row, ctx.run_id, now, ttl, liveness):
            since = row.claimed_at.isoformat(sep=" ", timespec="seconds") if row.claimed_at else "unknown"
            until = "that run has ended" if liveness.known else "that run records it"
            refused.append(
                _refusal(
                    item,
                    f"run {row.claimed_run} is writing this record (claimed {since} UTC); "
                    f"retried once {until} or its claim expires",
                )
            )
            continue
        if row.status == "pending_create" or row.target_key is None:
            lookups = tuple(dict.fromkeys(k for k in (row.business_key, record.business_key) if k))
            if not lookups and not upserts:
                refused.append(
                    _refusal(
                        item,
                        "an unconfirmed create has no business key to look up: check the target "
                        f"for source key {record.source_key!r}, then fix or delete its sync.id_map row",
                    )
                )
                continue
            claimed.append(record.source_key)
            origin = row.claimed_run or item.origin_run
            sends.append(_Send(item, "resolve", lookup_keys=lookups, origin_run=origin))
            continue
        if item.action != "update":
            refused.append(
                _refusal(item, "another run created this record after planning; compared again next tick")
            )
            continue
        claimed.append(record.source_key)
        sends.append(_Send(item, "update", target_key=row.target_key))
    insert_pending_creates(con, ctx, fresh, now)
    claim_rows(con, ctx, claimed, now)
    return sends, refused


def _refusal(item: PlannedItem, reason: str) -> Outcome:
    record = item.record
    return Outcome(
        record.source_key,
        "skip",
        record.business_key,
        reason=reason,
        source_version=record.source_version,
        keeps_failure=True,
    )


def _send_all(
    pool: ThreadPoolExecutor, target: Target, sends: Sequence[_Send]
) -> tuple[list[Outcome], BaseException | None]:
    """Run the sends on the pool; after a load-stopping error, start nothing new and collect the rest.

    The worker that meets the error raises the stop flag itself, before its thread can pick up
    the next send, so with max_workers=1 nothing at all is sent after the error.
    """
    stopping = threading.Event()
    futures: dict[Future[Outcome | None], _Send] = {
        pool.submit(_send_unless_stopping, target, send, stopping): send for send in sends
    }
    outcomes: list[Outcome] = []
    stop: BaseException | None = None
    for future in as_completed(futures):
        send = futures[future]
        error = None if future.cancelled() else future.exception()
        if error is not None:
            outcomes.append(_failure(send, f"load stopped: {_reason(error)}"))
            if stop is None:
                stop = error
                for other in futures:
                    other.cancel()
            continue
        outcome = None if future.cancelled() else future.result()
        if outcome is None:
            outcomes.append(
                _failure(
                    send,
                    f"not sent: the load stopped on another record ({_name(stop)})",
                    never_sent=send.action == "create",
                )
            )
            continue
        outcomes.append(outcome)
    return outcomes, stop


def _send_bulk(
    write_many: Callable[[Sequence[MappedRecord]], Sequence[object]], sends: Sequence[_Send]
) -> tuple[list[Outcome], BaseException | None]:
    """One call for the whole batch (the target's `write_many`); one outcome per record from its answer."""
    if not sends:
        return [], None
    try:
        answers = list(write_many([send.item.record for send in sends]))
    except _STOPS_THE_LOAD as exc:
        return [_failure(send, f"load stopped: {_reason(exc)}") for send in sends], exc
    except ConnectorError as exc:
        return [_failure(send, _reason(exc), refused=_refused(exc)) for send in sends], None
    if len(answers) != len(sends):
        raise RuntimeError(f"write_many answered {len(answers)} results for {len(sends)} records")
    outcomes = []
    for send, answer in zip(sends, answers, strict=True):
        if isinstance(answer, ConnectorError):
            outcomes.append(_failure(send, _reason(answer), refused=_refused(answer)))
        elif send.action == "update" and send.target_key is not None:
            outcomes.append(_success(send, "update", send.target_key))
        else:
            outcomes.append(_success(send, "create", _key(answer)))
    return outcomes, None


def _send_unless_stopping(target: Target, send: _Send, stopping: threading.Event) -> Outcome | None:
    """None means: not sent, because another record stopped the load."""
    if stopping.is_set():
        return None
    try:
        return _send_one(target, send)
    except BaseException:
        stopping.set()
        raise


def _send_one(target: Target, send: _Send) -> Outcome:
    """Make the call(s) for one record. Record-level errors become a failed Outcome; others propagate."""
    record = send.item.record
    try:
        if send.action == "create":
            return _create(target, send, record)
        if send.action == "update":
            if send.target_key is None:
                raise RuntimeError(f"update of {record.source_key!r} planned without a target key")
            target.update(send.target_key, record)
            return _success(send, "update", send.target_key)
        return _resolve(target, send, record)
    except _STOPS_THE_LOAD:
        raise
    except ConnectorError as exc:
        return _failure(send, _reason(exc))


def _create(target: Target, send: _Send, record: MappedRecord) -> Outcome:
    """A create; after a failed attempt the business key is looked up first (it may have made the record)."""
    if not (send.item.after_failure and record.business_key):
        return _create_once(target, send, record)
    after = send.item.reason or "an earlier attempt failed"
    return _find_or_create(
        target, send, record, (record.business_key,),
        found=lambda key: f"{after}; the failed attempt had made it: found by business key {key!r}; updated",
    )  # fmt: skip


def _resolve(target: Target, send: _Send, record: MappedRecord) -> Outcome:
    origin = run_name(send.origin_run)
    looked = ", ".join(repr(k) for k in send.lookup_keys) or "(upsert target, no lookup)"
    return _find_or_create(
        target, send, record, send.lookup_keys,
        found=lambda key: f"unconfirmed create from {origin} found by business key {key!r}; updated",
        created=f"unconfirmed create from {origin} not found by {looked}; created",
    )  # fmt: skip


def _find_or_create(
    target: Target,
    send: _Send,
    record: MappedRecord,
    lookup_keys: Sequence[str],
    *,
    found: Callable[[str], str],
    created: str | None = None,
) -> Outcome:
    for business_key in lookup_keys:
        hit = target.find_by_business_key(business_key)
        if hit is None:
            continue
        target_key = _key(hit)
        try:
            target.update(target_key, record)
        except _STOPS_THE_LOAD:
            raise
        except ConnectorError as exc:
            return _failure(
                send,
                f"found by business key {business_key!r} but update failed: {_reason(exc)}",
                target_key=target_key,
            )
        return _success(send, "resolved", target_key, reason=found(business_key))
    return _create_once(target, send, record, reason=created)


def _create_once(target: Target, send: _Send, record: MappedRecord, reason: str | None = None) -> Outcome:
    """One call to `create`. A refusal says the target made nothing (see module doc); its words are the reason."""
    try:
        answer = target.create(record)
    except _STOPS_THE_LOAD:
        raise
    except ConnectorError as exc:
        return _failure(send, _reason(exc), refused=_refused(exc))
    if isinstance(answer, Found):
        return _success(send, "resolved", _key(answer.target_key), answer.how)
    return _success(send, "create", _key(answer), reason)


def _refused(exc: ConnectorError) -> bool:
    """The target answered with a refusal, so a create made nothing; a TransientError leaves it unknown."""
    return isinstance(exc, RateLimited) or not isinstance(exc, TransientError)


def _success(
    send: _Send, action: Literal["create", "update", "resolved"], target_key: str, reason: str | None = None
) -> Outcome:
    record = send.item.record
    return Outcome(
        record.source_key,
        action,
        record.business_key,
        target_key,
        reason or send.item.reason,
        payload_hash=send.item.payload_hash,
        source_version=record.source_version,
    )


def _failure(
    send: _Send, reason: str, *, target_key: str | None = None, never_sent: bool = False, refused: bool = False
) -> Outcome:
    record = send.item.record
    return Outcome(
        record.source_key,
        "fail",
        record.business_key,
        target_key,
        reason[:MAX_REASON_CHARS],
        payload_json=canonical_json(record.payload),
        source_version=record.source_version,
        never_sent=never_sent,
        refused=refused,
    )


def _key(value: object) -> str:
    """Targets return their key as text; an empty answer would make the record unresolvable."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise TypeError(f"target returned {type(value).__name__} {value!r} as a record key")
    return str(value)


def _reason(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, RecordRejected) and exc.field_errors:
        details = "; ".join(
            f"{name}: {', '.join(messages)}" for name, messages in sorted(exc.field_errors.items())
        )
        text = f"{text} ({details})"
    return text[:MAX_REASON_CHARS]


def _name(exc: BaseException | None) -> str:
    return type(exc).__name__ if exc is not None else "error"
