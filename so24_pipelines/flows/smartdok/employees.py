"""S1 employees, 24SO -> Smartdok: every staged 24SO employee as a Smartdok user, keyed by contact id.

1. Staged read: the employees E7 staged for the paired 24SO company (staging.so24_persons).
2. Spec mapping/specs/smartdok_employees.yaml: EmployeeNo <- the contact id, the name.
3. The loader with SmartdokUsers (employee_target.py): match by EmployeeNo before creating, write
   only the owned fields (read-modify-write), hold what would make a person twice. An employee
   whose staged values did not change since the last tick is not mapped again (map_changed), and
   the loader sends nothing for one whose payload is what Smartdok last got: a quiet tick writes 0.
4. The report, as run notes: `in_smartdok`, the staged employees Smartdok already carried before
   the load; `smartdok_only` and `smartdok_only_list`, the Smartdok users no 24SO employee claims,
   left alone, each with what to change in Smartdok (seed 004: IDs cannot change in 24SO, so
   Smartdok is aligned).

S1 reads 24SO (staging, and the employees' e-mail only when it must create a user) and never
writes it.
"""

from __future__ import annotations

from collections.abc import Callable

from so24_pipelines.connectors.smartdok import SmartdokClient
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.flows.smartdok import employee_target
from so24_pipelines.flows.smartdok.employee_target import Contacts, SmartdokUsers
from so24_pipelines.flows.smartdok.register import Record, Register
from so24_pipelines.mapping import load_spec
from so24_pipelines.mapping.engine import map_changed, source_digest
from so24_pipelines.sync import flow_key
from so24_pipelines.sync.planner import remember_inputs

FLOW = flow_key("S1")
SPEC = "smartdok_employees"
GONE = "the employee is no longer staged for the paired 24SO company (E7); the Smartdok user is left as it is"


def user_register(client: SmartdokClient) -> Register:
    """Every Smartdok user, ended ones included (their numbers are still taken)."""
    return Register(
        lambda: client.list_users(include_ended=True),
        key="EmployeeNo", label="Name", noun="user", source_noun="employee",
    )  # fmt: skip


def user_state(user: Record) -> str:
    return ", ".join(s for s in (str(user.get("Role") or ""), "ended" if user.get("IsEnded") else "") if s)


def sync_employees(
    run: RunContext, client: SmartdokClient, identity: str, contacts: Callable[[], Contacts]
) -> FlowRun:
    """S1 for the 24SO company `identity`; `contacts` reads the employees' e-mail and mobile from 24SO."""
    batch = map_changed(
        run.db_path,
        load_spec(SPEC),
        identity,
        flow=FLOW,
        context=source_digest(__name__, employee_target.__name__),
    )
    claimed = frozenset(record.source_key for record in batch.records)
    records = run.retire_failures(FLOW, batch.records, GONE)
    register = user_register(client)
    in_smartdok = register.carried(claimed)
    result = run.load(FLOW, records, SmartdokUsers(client, register, claimed, contacts), source_system="so24")
    if not run.dry_run:
        remember_inputs(run.db_path, FLOW, batch.inputs, result.plans)
    return result.noting(in_smartdok=in_smartdok, **register.report(claimed, user_state))
