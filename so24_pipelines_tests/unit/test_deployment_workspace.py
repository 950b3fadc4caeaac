"""`so24 workspace`: one code location per 24SO company, split from one so24.yaml (deployment/)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from so24_pipelines.cli import main
from so24_pipelines.defs.company_scope import pool_for
from so24_pipelines.deployment.workspace import generate
from so24_pipelines.settings import load_settings
from so24_pipelines.settings.company import apply_company_env, company_env_var

ONE = "11111111-1111-1111-1111-111111111111"
TWO = "22222222-2222-2222-2222-222222222222"


def _source(tmp_path: Path, **extra) -> Path:
    data = {
        "so24": {"identities": [ONE, TWO]},
        "rackbeat": {"enabled": True, "so24_identity": ONE},
        "ongoing": {"enabled": True, "so24_identity": TWO},
        "netvisor": {"enabled": True},  # unpaired: the first company, as everywhere else
        **extra,
    }
    path = tmp_path / "so24.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_each_company_gets_its_identity_its_systems_and_its_staging_file(tmp_path: Path) -> None:
    locations = generate(_source(tmp_path), tmp_path / "out", names={ONE: "acme"}, base_port=4200)
    acme, second = locations
    assert (acme.name, second.name) == ("acme", "company_2")
    assert (acme.port, second.port) == (4200, 4201)
    first_settings, second_settings = load_settings(acme.settings_path), load_settings(second.settings_path)
    assert first_settings.so24.identities == [ONE] and second_settings.so24.identities == [TWO]
    assert first_settings.connected_systems() == ["so24", "rackbeat", "netvisor"]
    assert second_settings.connected_systems() == ["so24", "ongoing"]
    assert first_settings.staging_path() != second_settings.staging_path()
    assert first_settings.staging_path() == acme.staging_path
    workspace = yaml.safe_load((tmp_path / "out" / "workspace.yaml").read_text())
    assert workspace["load_from"] == [
        {"grpc_server": {"host": "localhost", "port": 4200, "location_name": "acme"}},
        {"grpc_server": {"host": "localhost", "port": 4201, "location_name": "company_2"}},
    ]
    env = (tmp_path / "out" / "acme" / "location.env").read_text()
    assert "SO24_COMPANY=acme\n" in env and f"SO24_SETTINGS={acme.settings_path}\n" in env
    example = (tmp_path / "out" / "acme" / "credentials.env.example").read_text()
    assert "ACME__SO24_PASSWORD=" in example and "ACME__RACKBEAT_API_TOKEN=" in example
    assert "ONGOING" not in example


def test_flows_of_another_companys_systems_are_left_out(tmp_path: Path) -> None:
    source = _source(tmp_path, flows={"O1": {"dry_run": True}, "R1": {"dry_run": True}})
    acme, second = generate(source, tmp_path / "out")
    assert "O1" not in yaml.safe_load(acme.settings_path.read_text()).get("flows", {})
    assert set(yaml.safe_load(second.settings_path.read_text())["flows"]) == {"O1"}


def test_a_switched_off_system_paired_with_another_company_stays_off(tmp_path: Path) -> None:
    source = _source(tmp_path, lnb={"enabled": False, "so24_identity": TWO})
    acme, second = generate(source, tmp_path / "out")
    assert "lnb" not in load_settings(acme.settings_path).connected_systems()
    assert load_settings(second.settings_path).lnb.so24_identity == TWO


def test_no_companies_or_a_bad_name_fails_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(yaml.safe_dump({"so24": {}}))
    with pytest.raises(ValueError, match="so24.identities"):
        generate(path, tmp_path / "out")
    with pytest.raises(ValueError, match="company name 'Acme Ltd'"):
        generate(_source(tmp_path), tmp_path / "out", names={ONE: "Acme Ltd"})
    assert main(["workspace", "--settings", str(path), "--out", str(tmp_path / "o")]) == 1


def test_the_cli_writes_the_workspace(tmp_path: Path, capsys) -> None:
    assert main(["workspace", "--settings", str(_source(tmp_path)), "--out", str(tmp_path / "o"), "--name", f"{TWO}=globex"]) == 0
    assert "globex: 24SO company " + TWO in capsys.readouterr().out
    assert (tmp_path / "o" / "globex" / "so24.yaml").is_file()


def test_a_location_takes_only_its_own_prefixed_credentials() -> None:
    env = {
        "SO24_COMPANY": "acme",
        company_env_var("acme", "SO24_USERNAME"): "acme-user",
        company_env_var("globex", "SO24_USERNAME"): "globex-user",
        company_env_var("globex", "SO24_PASSWORD"): "globex-secret",
    }
    assert apply_company_env(env) == ["SO24_USERNAME"]
    assert env["SO24_USERNAME"] == "acme-user"
    assert "SO24_PASSWORD" not in env
    assert apply_company_env({"SO24_USERNAME": "x"}) == []


def test_pools_carry_the_company_only_in_a_company_location(monkeypatch) -> None:
    monkeypatch.delenv("SO24_COMPANY", raising=False)
    assert pool_for("so24") == "so24_api"
    monkeypatch.setenv("SO24_COMPANY", "acme")
    assert pool_for("so24") == "so24_api:acme"
    assert pool_for("rackbeat") == "rackbeat_api:acme"
    monkeypatch.setenv("SO24_COMPANY", "Not A Name")
    with pytest.raises(ValueError, match="company name"):
        pool_for("so24")


def test_compose_serves_what_so24_workspace_writes(tmp_path: Path) -> None:
    """deploy/docker-compose.yaml (not run here: no Docker) agrees with the generator: service
    code_<company> serves location <company> on its port, with its company and settings file."""
    repo = Path(__file__).resolve().parents[2]
    compose = yaml.safe_load((repo / "deploy" / "docker-compose.yaml").read_text())["services"]
    locations = generate(
        _source(tmp_path), tmp_path / "out", names={ONE: "acme", TWO: "globex"}, host="code_{name}", base_port=4100
    )
    workspace = yaml.safe_load((tmp_path / "out" / "workspace.yaml").read_text())["load_from"]
    for loc, entry in zip(locations, workspace, strict=True):
        service = compose[entry["grpc_server"]["host"]]
        command = service["command"]
        assert command[command.index("--location-name") + 1] == loc.name
        assert command[command.index("-p") + 1] == str(loc.port)
        assert command[command.index("-m") + 1] == "so24_pipelines.deployment.location"
        assert service["environment"]["SO24_COMPANY"] == loc.name
        assert service["environment"]["SO24_SETTINGS"] == f"/opt/so24/locations/{loc.name}/so24.yaml"
    for name in ("webserver", "daemon"):
        assert "/opt/so24/locations/workspace.yaml" in compose[name]["command"]


def test_netvisor_goes_with_rackbeat_when_rackbeat_is_paired_with_another_company(tmp_path: Path) -> None:
    """Netvisor pairs with the Rackbeat account (N1-N3 move registers between the two), not with a
    24SO company: its location is Rackbeat's, wherever Rackbeat is paired."""
    source = _source(tmp_path, rackbeat={"enabled": True, "so24_identity": TWO}, flows={"N2": {"dry_run": True}})
    first, second = generate(source, tmp_path / "out")
    assert load_settings(first.settings_path).connected_systems() == ["so24"]
    assert load_settings(second.settings_path).connected_systems() == ["so24", "rackbeat", "ongoing", "netvisor"]
    assert "N2" in yaml.safe_load(second.settings_path.read_text())["flows"]
    assert "flows" not in yaml.safe_load(first.settings_path.read_text())
