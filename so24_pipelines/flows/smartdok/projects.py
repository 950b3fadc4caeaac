"""S2 projects, 24SO -> Smartdok: every staged 24SO project as a Smartdok project, keyed by project id.

1. Staged read: the projects E5 staged for the paired 24SO company (staging.so24_projects; 24SO's
   GetProjectList lists active projects, so a project deactivated in 24SO is not seen again and S2
   does not end it in Smartdok).
2. Spec mapping/specs/smartdok_projects.yaml: ProjectNumber <- the project id, name, dates, and
   what a new project gets once (active, description, the customer's name).
3. The loader with SmartdokProjects (project_target.py): match by number before creating, write
   only the owned fields (read-modify-write), hold what would make a project twice; a quiet tick
   writes 0.
4. The report, as run notes: `in_smartdok`, the staged projects Smartdok already carried before
   the load; `smartdok_only` and `smartdok_only_list`, the Smartdok projects and orders no 24SO
   project claims (internal, absence, orders, numbers typed otherwise), left alone.

Tasks and sub-projects are not transferred (seed 004). S2 never writes 24SO.
"""

from __future__ import annotations

from so24_pipelines.connectors.smartdok import SmartdokClient
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.flows.smartdok import project_target
from so24_pipelines.flows.smartdok.project_target import SmartdokProjects
from so24_pipelines.flows.smartdok.register import Record, Register
from so24_pipelines.mapping import load_spec
from so24_pipelines.mapping.engine import map_changed, source_digest
from so24_pipelines.sync import flow_key
from so24_pipelines.sync.planner import remember_inputs

FLOW = flow_key("S2")
SPEC = "smartdok_projects"
GONE = (
    "the project is no longer staged for the paired 24SO company (E5); the Smartdok project is left as it is"
)


def project_register(client: SmartdokClient) -> Register:
    """Every Smartdok project, inactive ones and orders included (their numbers are still taken)."""
    return Register(
        lambda: client.list_projects(include_inactive=True, include_orders=True),
        key="ProjectNumber", label="ProjectName", noun="project", source_noun="project",
    )  # fmt: skip


def project_state(project: Record) -> str:
    kinds = ("order" if project.get("IsOrder") else "", "absence" if project.get("IsAbsenceProject") else "",
             "inactive" if not project.get("IsActive") else "")  # fmt: skip
    return ", ".join(k for k in kinds if k)


def sync_projects(run: RunContext, client: SmartdokClient, identity: str) -> FlowRun:
    """S2 for the 24SO company `identity`."""
    spec = load_spec(SPEC)
    batch = map_changed(
        run.db_path, spec, identity, flow=FLOW, context=source_digest(__name__, project_target.__name__)
    )
    claimed = frozenset(record.source_key for record in batch.records)
    records = run.retire_failures(FLOW, batch.records, GONE)
    register = project_register(client)
    target = SmartdokProjects(client, register, claimed, spec.create_only_fields)
    in_smartdok = register.carried(claimed)
    result = run.load(FLOW, records, target, source_system="so24")
    if not run.dry_run:
        remember_inputs(run.db_path, FLOW, batch.inputs, result.plans)
    return result.noting(in_smartdok=in_smartdok, **register.report(claimed, project_state))
