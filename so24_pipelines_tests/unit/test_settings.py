"""so24.yaml: defaults follow the seeds for the connected systems, the example file is the
defaults, and every bad value fails with a message that names its key path (and never quotes a
secret)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pydantic
import pytest
import yaml

from so24_pipelines.settings import (
    BUILT_FLOWS,
    CONNECTABLE_SYSTEMS,
    CREDENTIAL_ENV_VARS,
    FLOW_CATALOG,
    FlowsSettings,
    Settings,
    SettingsError,
    load_settings,
)
from so24_pipelines.settings import registry as settings_module
from so24_pipelines.settings.cross import PAIRED_SYSTEMS
from so24_pipelines.settings.docs import DOC_BEGIN, DOC_END, settings_reference

REPO_ROOT = Path(__file__).resolve().parents[2]
FLOWS_MD = REPO_ROOT.parent / "shared" / "FLOWS.md"
EXAMPLE = REPO_ROOT / "so24.example.yaml"
DOCS = REPO_ROOT / "docs" / "settings.md"


@pytest.fixture(autouse=True)
def _no_ambient_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test in an empty directory with no SO24_SETTINGS, so only what a test sets counts."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SO24_SETTINGS", raising=False)


def write(tmp_path: Path, text: str, name: str = "so24.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str) -> SettingsError:
    with pytest.raises(SettingsError) as info:
        load_settings(write(tmp_path, text, "bad.yaml"))
    return info.value


def model_keys(model: type[pydantic.BaseModel], prefix: str = "") -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, pydantic.BaseModel):
            keys |= model_keys(nested, f"{key}.")
        else:
            keys.add(key)
    return keys


def yaml_keys(node: object, prefix: str = "") -> set[str]:
    keys = set()
    for name, value in (node or {}).items():  # type: ignore[attr-defined]
        key = f"{prefix}{name}"
        keys |= yaml_keys(value, f"{key}.") if isinstance(value, dict) else {key}
    return keys


# ---------------------------------------------------------------- defaults


def test_no_file_gives_the_seed_defaults() -> None:
    s = load_settings(env={})
    assert s == Settings()
    assert s.enabled_flows() == ["E1", "E2", "E3", "E4", "E5", "E6", "E7"]
    assert (s.so24.cadence_minutes, s.so24.overlap_minutes, s.so24.batch_size) == (15, 2, 1000)
    assert (s.so24.requests_per_hour, s.so24.timeout_seconds, s.so24.max_retries) == (7200, 60, 5)
    assert s.so24.base_url == "http://127.0.0.1:8024/24so"
    assert s.so24.effective_webservices_url == s.so24.base_url
    assert (s.flows.R4.so24_status, s.flows.R4.rackbeat_status) == ("Confirmed", "draft")
    assert (s.flows.R2.currency, s.flows.R2.language) == ("NOK", "Norsk")
    assert s.flows.R1.products == s.flows.R2.customers == s.flows.R2.suppliers == "24so"
    assert s.flows.R8.debounce_seconds == 60
    assert s.flows.O2.so24_status == "Confirmed"
    assert (s.flows.O3.report_fulfilled, s.flows.O3.set_status_on_import) == (True, False)
    assert s.flows.O3.fulfilled_status == "OrderState_Sent"
    assert s.flows.O5.stock_kind == "sellable"
    assert s.flows.O6.interval_minutes == 15
    assert s.flows.L1.key == "ean13"
    assert s.flows.N1.direction == "netvisor_to_rackbeat"
    assert s.flows.N1.registers == ["customers", "suppliers", "products"]
    assert s.flows.N3.go_live == "now"
    assert s.flows.S3.only_approved is True
    assert not any(flow.dry_run for _, flow in s.flows.items())


@pytest.mark.skipif(not FLOWS_MD.exists(), reason="../shared/FLOWS.md sits beside the checkout in CI only")
def test_every_flow_of_flows_md_has_a_switch() -> None:
    documented = set(re.findall(r"^\| ([ERLONSX]\d) \|", FLOWS_MD.read_text(encoding="utf-8"), re.MULTILINE))
    switchable = {f for f in documented if not f.startswith("X")} | {"X7"}
    assert set(FLOW_CATALOG) == switchable
    assert list(FlowsSettings.model_fields) == list(FLOW_CATALOG)


def test_unbuilt_flows_default_off_but_keep_the_seed_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # L3 is the one flow of FLOWS.md not built yet; pretend it is the unbuilt one if it gets built.
    monkeypatch.setattr(settings_module, "BUILT_FLOWS", BUILT_FLOWS - {"L3"})
    lnb = {"lnb": {"enabled": True}}
    s = Settings.model_validate(lnb)
    assert not s.flows.L3.enabled and not s.flows.L3.built
    assert s.flows.E4.enabled and s.flows.E4.built
    assert FLOW_CATALOG["L3"].seed_on and not FLOW_CATALOG["O4"].seed_on
    # Shipping a flow is one edit of BUILT_FLOWS: it then takes the seed's default and may be enabled.
    monkeypatch.setattr(settings_module, "BUILT_FLOWS", BUILT_FLOWS | {"L3"})
    s = Settings.model_validate(lnb)
    assert s.flows.L3.enabled and s.flows.L3.built
    assert not Settings().flows.L3.enabled  # ... once its system is connected


def test_systems_are_not_connected_by_default_so_only_24so_flows_run() -> None:
    s = Settings()
    assert not any(s.system(name).enabled for name in CONNECTABLE_SYSTEMS)  # type: ignore[attr-defined]
    assert s.connected_systems() == ["so24"]
    assert set(s.systems_in_use()) == {"so24"}
    assert all(
        not flow.enabled
        for flow_id, flow in s.flows.items()
        if set(FLOW_CATALOG[flow_id].systems) != {"so24"}
    )


def test_rackbeat_enabled_turns_the_r_flows_on_at_seed_defaults() -> None:
    s = Settings.model_validate({"rackbeat": {"enabled": True}})
    r_flows = [f for f in FLOW_CATALOG if f.startswith("R")]
    assert s.enabled_flows() == ["E1", "E2", "E3", "E4", "E5", "E6", "E7", *r_flows, "X7"]
    assert s.connected_systems() == ["so24", "rackbeat"]
    assert list(s.systems_in_use()) == ["so24", "rackbeat"]
    # A connected system's flows can still be switched off one by one.
    s = Settings.model_validate({"rackbeat": {"enabled": True}, "flows": {"R3": {"enabled": False}}})
    assert "R3" not in s.enabled_flows() and "R4" in s.enabled_flows()


def test_ongoing_enabled_turns_the_o_flows_on_at_seed_defaults() -> None:
    s = Settings.model_validate({"ongoing": {"enabled": True}})
    assert [f for f in s.enabled_flows() if not f.startswith("E")] == ["O1", "O2", "O3", "O5", "O6", "X7"]
    assert not s.flows.O4.enabled  # seed default off
    assert Settings.model_validate(
        {"ongoing": {"enabled": True}, "flows": {"O4": {"enabled": True}}}
    ).flows.O4.enabled


@pytest.mark.parametrize(
    ("flows", "r8", "o5"),
    [
        ({}, True, False),  # neither set: Rackbeat is the stock master
        ({"O5": {"enabled": True}}, False, True),  # choosing Ongoing turns R8's default off
        ({"R8": {"enabled": False}}, False, True),  # and R8 off leaves O5 at its seed default
        ({"R8": {"enabled": True}}, True, False),
        ({"R8": {"enabled": False}, "O5": {"enabled": False}}, False, False),
    ],
)
def test_24so_stock_has_one_master_when_rackbeat_and_ongoing_are_both_connected(
    flows: dict[str, dict[str, bool]], r8: bool, o5: bool
) -> None:
    s = Settings.model_validate({"rackbeat": {"enabled": True}, "ongoing": {"enabled": True}, "flows": flows})
    assert (s.flows.R8.enabled, s.flows.O5.enabled) == (r8, o5)
    assert s.flows.R4.enabled and s.flows.O2.enabled


def test_r8_and_o5_both_on_is_refused_naming_both_keys(tmp_path: Path) -> None:
    error = problems_of(
        tmp_path,
        "rackbeat: {enabled: true}\nongoing: {enabled: true}\nflows: {R8: {enabled: true}, O5: {enabled: true}}\n",
    )
    assert [key for key, _ in error.problems] == ["flows.R8.enabled", "flows.O5.enabled"]
    assert "24SO stock would be set by both Rackbeat (R8) and Ongoing (O5): switch one off" in str(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "flows: {R4: {enabled: true}}",
            "flows.R4.enabled: R4 needs Rackbeat: set rackbeat.enabled: true first",
        ),
        (
            "flows: {O4: {enabled: true}}",
            "flows.O4.enabled: O4 needs Ongoing: set ongoing.enabled: true first",
        ),
        (
            "ongoing: {enabled: true}\nflows: {R8: {enabled: true}, O5: {enabled: false}}",
            "flows.R8.enabled: R8 needs Rackbeat: set rackbeat.enabled: true first",
        ),
        (
            "rackbeat: {enabled: maybe}\nflows: {R4: {enabled: true}}",
            "rackbeat.enabled: must be a valid boolean",
        ),
    ],
)
def test_a_flow_of_an_unconnected_system_cannot_be_switched_on(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert f"{tmp_path / 'bad.yaml'}: {expected}" in str(problems_of(tmp_path, text))


def test_the_message_names_every_missing_system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_module, "BUILT_FLOWS", BUILT_FLOWS | {"N1"})
    text = "flows: {N1: {enabled: true}}"
    assert (
        "N1 needs Netvisor and Rackbeat: set netvisor.enabled: true and rackbeat.enabled: true first"
        in str(problems_of(tmp_path, text))
    )
    assert "N1 needs Netvisor: set netvisor.enabled: true first" in str(
        problems_of(tmp_path, "rackbeat: {enabled: true}\n" + text)
    )
    s = Settings.model_validate({"rackbeat": {"enabled": True}, "netvisor": {"enabled": True}})
    assert s.flows.N1.enabled


def system_bound_flows() -> set[str]:
    """Built flows whose default waits for a system: the example leaves their `enabled` out (X7 waits
    for any system it has a pair with)."""
    bound = {f for f, info in FLOW_CATALOG.items() if f in BUILT_FLOWS and set(info.systems) - {"so24"}}
    return bound | ({"X7"} & BUILT_FLOWS)


def test_example_file_is_the_defaults_and_lists_every_key() -> None:
    assert load_settings(EXAMPLE) == Settings()
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    omitted = {f"flows.{f}.enabled" for f in system_bound_flows()}
    assert yaml_keys(raw) == model_keys(Settings) - omitted


def test_example_with_a_system_connected_gives_its_seed_defaults(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for system in ("rackbeat", "ongoing"):
        connected = text.replace(f"\n{system}:\n  enabled: false", f"\n{system}:\n  enabled: true")
        assert connected != text
        expected = Settings.model_validate({system: {"enabled": True}})
        assert load_settings(write(tmp_path, connected)) == expected


def test_example_comments_give_the_seed_default_of_system_bound_flows() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for flow_id in system_bound_flows():
        line = next(line for line in lines if line.strip().startswith(f"{flow_id}:"))
        seed = "on" if FLOW_CATALOG[flow_id].seed_on else "off"
        systems = [s for s in FLOW_CATALOG[flow_id].systems if s != "so24"] or list(PAIRED_SYSTEMS)
        assert f"seed default: {seed}, once {systems[0]}.enabled" in line, line


def test_example_marks_every_unbuilt_flow() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for flow_id in FLOW_CATALOG:
        line = next(line for line in lines if line.strip().startswith(f"{flow_id}:"))
        assert ("not built yet" in line) == (flow_id not in BUILT_FLOWS), line


def test_docs_are_generated_from_the_model() -> None:
    text = DOCS.read_text(encoding="utf-8")
    block = text[text.index(DOC_BEGIN) + len(DOC_BEGIN) : text.index(DOC_END)]
    assert block.strip() == settings_reference().strip(), (
        "run: python -m so24_pipelines.settings.docs docs/settings.md"
    )
    for key in model_keys(Settings):
        assert f"`{key}`" in text, key
    for env_vars in CREDENTIAL_ENV_VARS.values():
        for var in env_vars:
            assert var in text


# ---------------------------------------------------------------- where the file comes from


def test_env_var_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    named = write(tmp_path, "so24: {batch_size: 250}\n", "elsewhere.yaml")
    write(tmp_path, "so24: {batch_size: 10}\n")  # ./so24.yaml loses to SO24_SETTINGS
    monkeypatch.setenv("SO24_SETTINGS", str(named))
    assert load_settings().so24.batch_size == 250
    assert load_settings(env={"SO24_SETTINGS": str(named)}).so24.batch_size == 250
    explicit = write(tmp_path, "so24: {batch_size: 7}\n", "explicit.yaml")
    assert load_settings(explicit).so24.batch_size == 7


def test_local_so24_yaml_is_used_when_nothing_names_a_file(tmp_path: Path) -> None:
    write(tmp_path, "so24: {batch_size: 10}\n")
    assert load_settings(env={}).so24.batch_size == 10


def test_missing_files_are_errors_not_silent_defaults(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SO24_SETTINGS"):
        load_settings(env={"SO24_SETTINGS": str(tmp_path / "nope.yaml")})
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "nope.yaml")


def test_empty_file_and_empty_sections_mean_defaults(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, "")) == Settings()
    assert load_settings(write(tmp_path, "so24:\nflows:\n  R4:\n")) == Settings()


# ---------------------------------------------------------------- valid non-defaults


def test_valid_options_are_accepted_and_normalised(tmp_path: Path) -> None:
    s = load_settings(
        write(
            tmp_path,
            """
so24:
  base_url: https://api.24sevenoffice.com/
  webservices_url: https://webservices.24sevenoffice.com
  identities: [3FA85F64-5717-4562-B3FC-2C963F66AFA6]
flows:
  E4: {enabled: false, dry_run: true}
  N3: {go_live: 2026-03-01}
  L2: {statuses: [confirmed, invoicing]}
""",
        )
    )
    assert s.so24.base_url == "https://api.24sevenoffice.com"
    assert s.so24.effective_webservices_url == "https://webservices.24sevenoffice.com"
    assert s.so24.identities == ["3fa85f64-5717-4562-b3fc-2c963f66afa6"]
    assert s.flows.N3.go_live == date(2026, 3, 1)
    assert s.flow("e4").dry_run and "E4" not in s.enabled_flows()
    assert s.systems_in_use() == {"so24": ["E1", "E2", "E3", "E5", "E6", "E7"]}


def test_flow_accessor_rejects_unknown_ids() -> None:
    assert Settings().flow("R4").flow_id == "R4"
    with pytest.raises(KeyError, match="R10"):
        Settings().flow("R10")


def test_settings_cannot_be_changed_after_loading() -> None:
    with pytest.raises(pydantic.ValidationError):
        Settings().so24.batch_size = 5  # type: ignore[misc]


def test_staging_path(tmp_path: Path) -> None:
    assert Settings().staging_path({"DAGSTER_HOME": "/srv/dagster"}) == Path(
        "/srv/dagster/so24_staging.duckdb"
    )
    assert Settings().staging_path({}) == tmp_path / ".dagster_home" / "so24_staging.duckdb"
    custom = Settings.model_validate({"staging": {"path": "$DATA_DIR/x.duckdb"}})
    assert custom.staging_path({}).name == "x.duckdb"


# ---------------------------------------------------------------- bad values name their key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "flows: {R4: {rackbeat_status: shipped}}",
            "flows.R4.rackbeat_status: must be one of draft, booked, booked_ready_for_shipment (got 'shipped')",
        ),
        (
            "flows: {R4: {so24_status: Sent}}",
            "flows.R4.so24_status: must be one of Confirmed, Production, Pack",
        ),
        (
            "flows: {O5: {stock_kind: all}}",
            "flows.O5.stock_kind: must be one of sellable, physical (got 'all')",
        ),
        ("flows: {L1: {key: gtin}}", "flows.L1.key: must be one of ean13, sku"),
        ("flows: {R1: {products: sideways}}", "flows.R1.products: must be one of 24so, rackbeat, both"),
        ("flows: {L2: {statuses: [confirmed, shipped]}}", "flows.L2.statuses[1]: must be one of draft,"),
        ("flows: {N1: {registers: [products, products]}}", "flows.N1.registers: lists an entry twice"),
        ("flows: {N3: {go_live: soon}}", "flows.N3.go_live: must be 'now' or a date YYYY-MM-DD (got 'soon')"),
        ("flows: {R2: {currency: kroner}}", "flows.R2.currency: must be a three-letter ISO 4217 code"),
        ("flows: {X7: {timezone: Mars/Olympus}}", "flows.X7.timezone: must be an IANA time zone"),
        ("so24: {bach_size: 3}", "so24.bach_size: unknown key; did you mean 'batch_size'?"),
        (
            "flows: {R4: {rackbeat_stauts: draft}}",
            "flows.R4.rackbeat_stauts: unknown key; did you mean 'rackbeat_status'?",
        ),
        ("flows: {r4: {}}", "flows.r4: not a flow ID of FLOWS.md; did you mean 'R4'?"),
        ("stagin: {path: x}", "stagin: unknown key; did you mean 'staging'?"),
        ("so24: {batch_size: 5000}", "so24.batch_size: must be at most 1000 (got 5000)"),
        ("so24: {overlap_minutes: 0}", "so24.overlap_minutes: must be at least 1 (got 0)"),
        ("so24: {cadence_minutes: often}", "so24.cadence_minutes: must be a valid integer"),
        ("so24: {identities: [not-a-guid]}", "so24.identities: every identity must be a GUID"),
        ("rackbeat: {base_url: app.rackbeat.com}", "rackbeat.base_url: must be an http:// or https:// URL"),
        (
            "flows: {L3: {enabled: true}}",
            "flows.L3.enabled: L3 (Le New Black monitoring (task logs, triggers, preview)) is not built yet",
        ),
        (
            "lnb: {enabled: true}\nflows: {L3: {enabled: true}}",
            "flows.L3.enabled: L3 (Le New Black monitoring (task logs, triggers, preview)) is not built yet",
        ),
        (
            "flows: {R4: {enabled: true}}",
            "flows.R4.enabled: R4 needs Rackbeat: set rackbeat.enabled: true first",
        ),
        ("so24: {enabled: true}", "so24.enabled: 24SO is the hub and always connected"),
        ("flows: {O1: {built: true}}", "flows.O1.built: read-only"),
        (
            "flows: {O3: {set_status_on_import: true, import_status: Confirmed}}",
            "flows.O3.import_status: must differ from flows.O2.so24_status (Confirmed)",
        ),
        ("flows: [E1]", "flows: must be a valid dictionary"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    error = problems_of(tmp_path, text)
    assert isinstance(error, ValueError)
    assert f"{tmp_path / 'bad.yaml'}: {expected}" in str(error)


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    error = problems_of(
        tmp_path,
        "so24: {batch_size: 0}\nflows:\n  R4: {enabled: true}\n  S3: {enabled: true}\n  R2: {currency: x}\n",
    )
    keys = [key for key, _ in error.problems]
    assert keys == ["so24.batch_size", "flows.R2.currency", "flows.R4.enabled", "flows.S3.enabled"]


@pytest.mark.parametrize(
    ("text", "key", "env_var"),
    [
        ("so24: {password: hunter2-very-secret}", "so24.password", "SO24_PASSWORD"),
        ("so24: {Username: ops@example.no}", "so24.Username", "SO24_USERNAME"),
        ("rackbeat: {api_token: hunter2-very-secret}", "rackbeat.api_token", "RACKBEAT_API_TOKEN"),
        ("lnb: {client_secret: hunter2-very-secret}", "lnb.client_secret", "LNB_CLIENT_SECRET"),
        ("netvisor: {partner_key: hunter2-very-secret}", "netvisor.partner_key", "NETVISOR_PARTNER_KEY"),
        ("ongoing: {goods_owner_id: 17}", "ongoing.goods_owner_id", "ONGOING_GOODS_OWNER_ID"),
        (
            "flows: {S3: {apiKey: hunter2-very-secret}}",
            "flows.S3.apiKey",
            "SO24_PASSWORD / SMARTDOK_API_TOKEN",
        ),
        ("smartdok_token: hunter2-very-secret", "smartdok_token", "set SMARTDOK_API_TOKEN in"),
        ("so24_password: hunter2-very-secret", "so24_password", "set SO24_PASSWORD in"),
    ],
)
def test_secrets_in_the_file_are_refused_naming_the_env_var(
    tmp_path: Path, text: str, key: str, env_var: str
) -> None:
    text_shown = str(problems_of(tmp_path, text)).replace(str(tmp_path), "")
    assert f"{key}: secrets and credentials do not belong in the settings file" in text_shown
    assert env_var in text_shown
    assert "hunter2" not in text_shown and "ops@example" not in text_shown and "17" not in text_shown


def test_pydantic_errors_never_echo_input() -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        Settings.model_validate({"so24": {"password": "hunter2-very-secret"}})
    assert "hunter2" not in str(info.value) and "hunter2" not in repr(info.value)


def test_credentials_in_a_url_are_refused_without_echoing_them(tmp_path: Path) -> None:
    error = problems_of(tmp_path, "ongoing: {base_url: 'https://user:hunter2@api.ongoingsystems.se/w'}")
    assert "ongoing.base_url: must not carry credentials" in str(error)
    assert "hunter2" not in str(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("flows:\n  E1: {enabled: true}\n  E1: {enabled: false}\n", "key 'E1' appears twice at line 3"),
        ("so24: [\n", "not valid YAML"),
        ("- so24\n", "the top level must be a mapping"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in str(problems_of(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "key", "given"),
    [
        ("rackbeat:\n  enabled: 'yes'\n", "rackbeat.enabled", "text"),
        ("flows:\n  E1:\n    dry_run: 1\n", "flows.E1.dry_run", "a number"),
        ("flows:\n  E1:\n    enabled: 'false'\n", "flows.E1.enabled", "text"),
    ],
)
def test_a_switch_takes_only_true_or_false(tmp_path: Path, text: str, key: str, given: str) -> None:
    message = str(problems_of(tmp_path, text))
    assert key in message and f"must be a valid boolean: true or false (unquoted YAML), not {given}" in message


def test_unquoted_yaml_booleans_still_switch(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "rackbeat:\n  enabled: yes\n"), env={})
    assert settings.rackbeat.enabled is True
