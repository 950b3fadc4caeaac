"""The whole so24.yaml as one validated pydantic model (ARCHITECTURE decision 8): the staging
section, every system section, the flows section, and the rules that span them.

Settings are data: which flows run, in which direction, at which 24SO status and how often. They
are validated when the Dagster code location loads, so a typo or an impossible value stops
`dagster definitions validate` with a message that names the key, instead of surfacing mid-sync as
a half-written order.

Credentials never live here. The file is meant to be committed; the secrets are read from the env
vars in CREDENTIAL_ENV_VARS (through `dagster.EnvVar` in the resources), and a file that tries to
hold one is refused with the name of the env var to use instead.

A flow's default switch depends on which systems the file connects, a sibling section the flows
section cannot see; Settings hands it over in the _CONNECTED context var while it validates.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    Field,
    ModelWrapValidatorHandler,
    StrictBool,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from so24_pipelines.settings import messages
from so24_pipelines.settings.base import FlowSettings, ScheduledFlowSettings, SystemSettings, _Model
from so24_pipelines.settings.company import current_company
from so24_pipelines.settings.cross import PAIRED_SYSTEMS, X7Settings, stock_master_problems
from so24_pipelines.settings.lnb import L1Settings, L2Settings, LnbSettings
from so24_pipelines.settings.netvisor import N1Settings, N3Settings, NetvisorSettings
from so24_pipelines.settings.ongoing import O2Settings, O3Settings, O5Settings, O6Settings, OngoingSettings
from so24_pipelines.settings.rackbeat import (
    R1Settings,
    R2Settings,
    R3Settings,
    R4Settings,
    R7Settings,
    R8Settings,
    RackbeatSettings,
)
from so24_pipelines.settings.registry import (
    CONNECTABLE_SYSTEMS,
    CREDENTIAL_ENV_VARS,
    FLOW_CATALOG,
    STOCK_MASTER_FLOWS,
    SYSTEM_TITLES,
    SYSTEMS,
    default_enabled,
    missing_systems,
)
from so24_pipelines.settings.smartdok import S3Settings, SmartdokSettings
from so24_pipelines.settings.so24 import So24Settings

STAGING_FILE_NAME = "so24_staging.duckdb"

# The connected systems of the Settings being validated, for the flows section's defaults and checks.
_CONNECTED: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "so24_connected_systems", default=frozenset()
)
_BOOL = TypeAdapter(StrictBool)

_fail = messages.fail


def _switched_on(entry: Any) -> bool:
    """Whether a raw section (system or flow) says `enabled: true`; an invalid value counts as off
    (the section's own validation reports it)."""
    if not isinstance(entry, dict) or "enabled" not in entry:
        return False
    try:
        return _BOOL.validate_python(entry["enabled"])
    except ValidationError:
        return False


def _raw_connected(data: Mapping[str, Any]) -> frozenset[str]:
    """The systems a raw settings mapping connects."""
    return frozenset(s for s in CONNECTABLE_SYSTEMS if _switched_on(data.get(s)))


class StagingSettings(_Model):
    path: str | None = Field(
        None,
        description="DuckDB staging file. Empty: $DAGSTER_HOME/so24_staging.duckdb, else "
        "./.dagster_home/so24_staging.duckdb, so staging survives runs like Dagster's own storage "
        "(so24_staging_<company>.duckdb in a company's code location, SO24_COMPANY).",
    )


class FlowsSettings(_Model):
    """One entry per flow ID of FLOWS.md; the X capabilities other than X7 are not switches."""

    E1: FlowSettings = Field(default_factory=FlowSettings)
    E2: FlowSettings = Field(default_factory=FlowSettings)
    E3: FlowSettings = Field(default_factory=FlowSettings)
    E4: FlowSettings = Field(default_factory=FlowSettings)
    E5: FlowSettings = Field(default_factory=FlowSettings)
    E6: FlowSettings = Field(default_factory=FlowSettings)
    E7: FlowSettings = Field(default_factory=FlowSettings)
    R1: R1Settings = Field(default_factory=R1Settings)
    R2: R2Settings = Field(default_factory=R2Settings)
    R3: R3Settings = Field(default_factory=R3Settings)
    R4: R4Settings = Field(default_factory=R4Settings)
    R5: FlowSettings = Field(default_factory=FlowSettings)
    R6: FlowSettings = Field(default_factory=FlowSettings)
    R7: R7Settings = Field(default_factory=R7Settings)
    R8: R8Settings = Field(default_factory=R8Settings)
    R9: FlowSettings = Field(default_factory=FlowSettings)
    O1: FlowSettings = Field(default_factory=FlowSettings)
    O2: O2Settings = Field(default_factory=O2Settings)
    O3: O3Settings = Field(default_factory=O3Settings)
    O4: FlowSettings = Field(default_factory=FlowSettings)
    O5: O5Settings = Field(default_factory=O5Settings)
    O6: O6Settings = Field(default_factory=O6Settings)
    L1: L1Settings = Field(default_factory=L1Settings)
    L2: L2Settings = Field(default_factory=L2Settings)
    L3: FlowSettings = Field(default_factory=FlowSettings)
    N1: N1Settings = Field(default_factory=N1Settings)
    N2: FlowSettings = Field(default_factory=FlowSettings)
    N3: N3Settings = Field(default_factory=N3Settings)
    S1: ScheduledFlowSettings = Field(default_factory=ScheduledFlowSettings)
    S2: ScheduledFlowSettings = Field(default_factory=ScheduledFlowSettings)
    S3: S3Settings = Field(default_factory=S3Settings)
    S4: FlowSettings = Field(default_factory=FlowSettings)
    X7: X7Settings = Field(default_factory=X7Settings)

    @model_validator(mode="before")
    @classmethod
    def _fill_switch_defaults(cls, data: Any) -> Any:
        """A flow the file leaves out, or whose switch it leaves out, gets default_enabled() for the
        connected systems, then the stock-master preference (R8 before O5)."""
        if data is None:
            data = {}
        if not isinstance(data, dict):
            return data
        connected = _CONNECTED.get()
        filled = {**data, **{f: {} for f in FLOW_CATALOG if data.get(f) is None}}
        first, second = STOCK_MASTER_FLOWS  # fill the preferred master first: the second depends on it
        for flow_id in (first, second, *FLOW_CATALOG):
            entry = filled[flow_id]
            if not isinstance(entry, dict) or "enabled" in entry:
                continue
            on = default_enabled(flow_id, connected)
            if flow_id == first:
                on = on and not _switched_on(data.get(second))
            elif flow_id == second:
                on = on and not _switched_on(filled[first])
            elif flow_id == "X7":
                on = on and any(system in connected for system in PAIRED_SYSTEMS)
            filled[flow_id] = {**entry, "enabled": on}
        return filled

    @field_validator("*")
    @classmethod
    def _refuse_switches_that_do_nothing(cls, flow: FlowSettings, info: ValidationInfo) -> FlowSettings:
        """Per flow, so every such switch is reported even when a sibling is invalid."""
        flow_id = str(info.field_name)
        flow._flow_id = flow_id
        if not flow.enabled:
            return flow
        if not flow.built:
            title = FLOW_CATALOG[flow_id].title
            _fail([("enabled", f"{flow_id} ({title}) is not built yet; set enabled: false")])
        missing = missing_systems(flow_id, _CONNECTED.get())
        if missing:
            names = " and ".join(SYSTEM_TITLES[s] for s in missing)
            keys = " and ".join(f"{s}.enabled: true" for s in missing)
            _fail([("enabled", f"{flow_id} needs {names}: set {keys} first")])
        return flow

    @model_validator(mode="after")
    def _check_cross_rules(self) -> FlowsSettings:
        problems = []
        if self.O3.set_status_on_import and self.O3.import_status == self.O2.so24_status:
            reason = (
                f"must differ from flows.O2.so24_status ({self.O2.so24_status}): "
                "setting the status orders are picked up at would show nothing in 24SO"
            )
            problems.append(("O3.import_status", reason))
        # R8 and O5 on together is decided by Settings: whether they write the same company is in
        # the system sections (cross.stock_master_problems).
        if problems:
            _fail(problems)
        return self

    def items(self) -> Iterator[tuple[str, FlowSettings]]:
        """(flow id, its settings) in FLOWS.md order."""
        for flow_id in FLOW_CATALOG:
            yield flow_id, getattr(self, flow_id)


# --------------------------------------------------------------------------- the file

_SECRET_WORDS = ("password", "passwd", "secret", "token", "apikey", "privatekey", "customerkey", "partnerkey")


def _compact(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _env_suffix(var: str) -> str:
    return _compact(var.split("_", 1)[1])


def _secret_env_vars(path: tuple[str, ...]) -> tuple[str, ...] | None:
    """The env vars to use instead if `path` looks like a credential, else None.

    Secret words are refused anywhere; a bare identifier such as `username` only in a system
    section or at the top, where it can only mean a login.
    """
    key = _compact(path[-1])
    section = path[0] if len(path) > 1 else None
    if section in CREDENTIAL_ENV_VARS:
        systems: tuple[str, ...] = (section,)
    elif section == "flows" and len(path) > 2 and path[1] in FLOW_CATALOG:
        systems = FLOW_CATALOG[path[1]].systems
    else:
        systems = tuple(s for s in SYSTEMS if key.startswith(s)) or SYSTEMS
    candidates = tuple(v for s in systems for v in CREDENTIAL_ENV_VARS[s])
    words = [w for w in _SECRET_WORDS if w in key]
    in_system_section = section is None or section in CREDENTIAL_ENV_VARS
    exact = tuple(v for v in candidates if _env_suffix(v) in (key, key.removeprefix(systems[0])))
    if not words and not (in_system_section and exact):
        return None
    related = tuple(v for v in candidates if any(w in _compact(v) for w in words))
    secretish = tuple(v for v in candidates if any(w in _compact(v) for w in _SECRET_WORDS))
    return exact or related or secretish or candidates


def _walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield path + (str(k),)
            yield from _walk(v, path + (str(k),))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, path + (str(i),))


class Settings(_Model):
    """The whole so24.yaml. Every section may be left out; it then takes its defaults."""

    staging: StagingSettings = Field(default_factory=StagingSettings)
    so24: So24Settings = Field(default_factory=So24Settings)
    rackbeat: RackbeatSettings = Field(default_factory=RackbeatSettings)
    ongoing: OngoingSettings = Field(default_factory=OngoingSettings)
    lnb: LnbSettings = Field(default_factory=LnbSettings)
    smartdok: SmartdokSettings = Field(default_factory=SmartdokSettings)
    netvisor: NetvisorSettings = Field(default_factory=NetvisorSettings)
    flows: FlowsSettings = Field(default_factory=FlowsSettings)

    @model_validator(mode="wrap")
    @classmethod
    def _validate(cls, data: Any, handler: ModelWrapValidatorHandler[Settings]) -> Settings:
        """Refuse credentials before anything else, so no later message can quote one; then
        validate with the connected systems known to the flows section."""
        if not isinstance(data, dict):
            return handler(data)
        advice = "secrets and credentials do not belong in the settings file; remove this key and set {} in the environment"
        problems = []
        for path in _walk(data):
            env_vars = _secret_env_vars(path)
            if env_vars:
                problems.append((".".join(path), advice.format(" / ".join(env_vars))))
        if problems:
            _fail(problems)
        data = {k: ({} if v is None and k in cls.model_fields else v) for k, v in data.items()}
        token = _CONNECTED.set(_raw_connected(data))
        try:
            settings = handler({"flows": {}, **data})
        finally:
            _CONNECTED.reset(token)
        settings._check_pairings()
        problems = stock_master_problems(settings)
        if problems:
            _fail(problems)
        return settings

    def _check_pairings(self) -> None:
        """A system paired with a company the extraction does not read would sync nothing (or the
        wrong company's records): its `so24_identity` must be one of `so24.identities`."""
        problems = []
        for name in CONNECTABLE_SYSTEMS:
            chosen = getattr(self, name).so24_identity
            if chosen and chosen not in self.so24.identities:
                problems.append((
                    f"{name}.so24_identity",
                    f"{chosen} is not in so24.identities; list it there so the extraction reads that company",
                ))  # fmt: skip
        if problems:
            _fail(problems)

    def flow(self, flow_id: str) -> FlowSettings:
        """One flow's settings by its FLOWS.md ID (case-insensitive)."""
        key = flow_id.upper()
        if key not in FLOW_CATALOG:
            raise KeyError(f"unknown flow {flow_id!r}; known: {', '.join(FLOW_CATALOG)}")
        return getattr(self.flows, key)

    def enabled_flows(self) -> list[str]:
        """IDs of the flows switched on, in FLOWS.md order."""
        return [flow_id for flow_id, flow in self.flows.items() if flow.enabled]

    def connected_systems(self) -> list[str]:
        """24SO plus every system with `enabled: true`, in SYSTEMS order."""
        return [s for s in SYSTEMS if s == "so24" or getattr(self, s).enabled]

    def systems_in_use(self) -> dict[str, list[str]]:
        """System -> the enabled flows that need it; what preflight checks credentials and URLs for."""
        used: dict[str, list[str]] = {}
        for flow_id in self.enabled_flows():
            for system in FLOW_CATALOG[flow_id].systems:
                used.setdefault(system, []).append(flow_id)
        return {s: used[s] for s in SYSTEMS if s in used}

    def system(self, name: str) -> SystemSettings:
        """A system section (so24, rackbeat, ongoing, lnb, smartdok, netvisor) by name."""
        if name not in SYSTEMS:
            raise KeyError(f"unknown system {name!r}; known: {', '.join(SYSTEMS)}")
        return getattr(self, name)

    def staging_path(self, env: Mapping[str, str] | None = None) -> Path:
        """The DuckDB file; resolved at call time so a DAGSTER_HOME set after loading still counts.

        Without `staging.path`, a company's code location (SO24_COMPANY) gets a file of its own
        under the shared DAGSTER_HOME (`so24_staging_<company>.duckdb`): companies sharing one file
        would share their sync state and failed records.
        """
        env = os.environ if env is None else env
        if self.staging.path:
            return Path(os.path.expandvars(self.staging.path)).expanduser()
        home = env.get("DAGSTER_HOME")
        base = Path(home).expanduser() if home else Path.cwd() / ".dagster_home"
        company = current_company(env)
        return base / (f"so24_staging_{company}.duckdb" if company else STAGING_FILE_NAME)


def _check_fields_match_registry() -> None:
    """Fail at import when a system or flow is registered but has no field here, or the reverse, or
    the order differs: the file could not reach it, and the docs and reports follow the registry."""
    sections = [s for s in Settings.model_fields if s not in ("staging", "flows")]
    problems = []
    if sections != list(SYSTEMS):
        problems.append(f"Settings has system sections {sections}, the registry {list(SYSTEMS)}")
    if list(FlowsSettings.model_fields) != list(FLOW_CATALOG):
        fields = list(FlowsSettings.model_fields)
        problems.append(f"FlowsSettings has flows {fields}, the registry {list(FLOW_CATALOG)}")
    if problems:
        raise RuntimeError("settings model: " + "; ".join(problems))


_check_fields_match_registry()
