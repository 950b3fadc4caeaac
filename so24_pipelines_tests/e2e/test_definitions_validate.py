"""`dagster definitions validate` passes on the shipped settings and names the key of a bad one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _validate(tmp_path: Path, settings: str | None) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SO24_")}
    env["DAGSTER_HOME"] = str(home)
    if settings is not None:
        path = tmp_path / "so24.yaml"
        path.write_text(settings)
        env["SO24_SETTINGS"] = str(path)
    dagster = Path(sys.executable).with_name("dagster")
    return subprocess.run(
        [str(dagster), "definitions", "validate", "-w", str(REPO / "workspace.yaml")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180,
    )


def test_validate_passes_with_the_shipped_instance_config_and_example_settings(tmp_path):
    result = _validate(tmp_path, (REPO / "so24.example.yaml").read_text())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


def test_a_bad_setting_fails_validate_with_the_key_named(tmp_path):
    result = _validate(tmp_path, "so24:\n  batch_size: 5000\n")
    assert result.returncode != 0
    assert "so24.batch_size" in result.stdout + result.stderr


def test_validate_runs_in_the_project_root_with_nothing_set() -> None:
    """The first command a Dagster user types: no DAGSTER_HOME, no SO24_* env, in the repo root."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SO24_", "DAGSTER_"))}
    dagster = Path(sys.executable).with_name("dagster")
    result = subprocess.run(
        [str(dagster), "definitions", "validate"], cwd=REPO, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr
