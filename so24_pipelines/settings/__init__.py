"""so24.yaml as one validated pydantic model (ARCHITECTURE decision 8), one module per system.

Each system has a fixed room here, as it has in flows/, defs/ and connectors/: its module holds
its section model, its flows' settings models and its declarations for the registry (SYSTEM,
FLOWS, BUILT). What is shared stays small:

- base: the strict pydantic base, URL and list checks, system and flow section models;
- registry: SYSTEMS, FLOW_CATALOG, BUILT_FLOWS and the rules for a flow's default switch,
  assembled from the system modules;
- model: Settings and FlowsSettings (the file's shape), the cross-flow rules, the secret refusal;
- load: finding and reading the file (load_settings, SettingsError);
- messages: pydantic errors in the words a data engineer reads in the UI;
- docs: the generated "Every key" reference of docs/settings.md.

Adding a system (say Smartdok): write settings/smartdok.py with its section, its flows' models and
SYSTEM/FLOWS/BUILT; list the module in registry.py; give Settings its section and FlowsSettings a
field per flow in model.py (an import-time check names whatever the registry and the model disagree
on). Code outside this package imports from here; BUILT_FLOWS is read from (and patched on)
`settings.registry`.
"""

from so24_pipelines.settings.base import (
    ConnectedSystemSettings,
    FlowInfo,
    FlowSettings,
    ScheduledFlowSettings,
    SystemInfo,
    SystemSettings,
    UrlStr,
)
from so24_pipelines.settings.cross import X7Settings
from so24_pipelines.settings.lnb import L1Settings, L2Settings, LnbOrderStatus, LnbSettings
from so24_pipelines.settings.load import (
    DEFAULT_SETTINGS_FILE,
    SETTINGS_ENV_VAR,
    SettingsError,
    describe_validation_error,
    load_settings,
)
from so24_pipelines.settings.model import STAGING_FILE_NAME, FlowsSettings, Settings, StagingSettings
from so24_pipelines.settings.netvisor import N1Settings, N3Settings, NetvisorRegister, NetvisorSettings
from so24_pipelines.settings.ongoing import O2Settings, O3Settings, O5Settings, O6Settings, OngoingSettings
from so24_pipelines.settings.rackbeat import (
    Direction,
    R1Settings,
    R2Settings,
    R3Settings,
    R4Settings,
    R7Settings,
    R8Settings,
    RackbeatCreatedEntity,
    RackbeatInitialEntity,
    RackbeatOrderStatus,
    RackbeatSettings,
    So24TransferStatus,
)
from so24_pipelines.settings.registry import (
    BUILT_FLOWS,
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
from so24_pipelines.settings.so24 import So24OrderState, So24Settings

__all__ = [
    "BUILT_FLOWS",
    "CONNECTABLE_SYSTEMS",
    "CREDENTIAL_ENV_VARS",
    "DEFAULT_SETTINGS_FILE",
    "FLOW_CATALOG",
    "SETTINGS_ENV_VAR",
    "STAGING_FILE_NAME",
    "STOCK_MASTER_FLOWS",
    "SYSTEMS",
    "SYSTEM_TITLES",
    "ConnectedSystemSettings",
    "Direction",
    "FlowInfo",
    "FlowSettings",
    "FlowsSettings",
    "L1Settings",
    "L2Settings",
    "LnbOrderStatus",
    "LnbSettings",
    "N1Settings",
    "N3Settings",
    "NetvisorRegister",
    "NetvisorSettings",
    "O2Settings",
    "O3Settings",
    "O5Settings",
    "O6Settings",
    "OngoingSettings",
    "R1Settings",
    "R2Settings",
    "R3Settings",
    "R4Settings",
    "R7Settings",
    "R8Settings",
    "RackbeatCreatedEntity",
    "RackbeatInitialEntity",
    "RackbeatOrderStatus",
    "RackbeatSettings",
    "S3Settings",
    "ScheduledFlowSettings",
    "Settings",
    "SettingsError",
    "SmartdokSettings",
    "So24OrderState",
    "So24Settings",
    "So24TransferStatus",
    "StagingSettings",
    "SystemInfo",
    "SystemSettings",
    "UrlStr",
    "X7Settings",
    "default_enabled",
    "describe_validation_error",
    "load_settings",
    "missing_systems",
]
