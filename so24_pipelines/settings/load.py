"""Reading so24.yaml: which file counts, YAML that refuses duplicate keys, and one SettingsError that
lists every bad key, so one run of `dagster definitions validate` shows all of them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from so24_pipelines.settings import messages
from so24_pipelines.settings.model import Settings

SETTINGS_ENV_VAR = "SO24_SETTINGS"
DEFAULT_SETTINGS_FILE = "so24.yaml"


class SettingsError(ValueError):
    """A bad settings file. `problems` holds (key path, message); the text never quotes a secret."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [
            f"{source}: {key}: {message}" if key else f"{source}: {message}" for key, message in problems
        ]
        super().__init__("\n".join(lines))


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice: PyYAML would silently keep the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key) if isinstance(key, str | int | float | bool) else None
        return super().construct_mapping(node, deep=deep)


def describe_validation_error(exc: ValidationError) -> list[tuple[str, str]]:
    """(key path, message) for every error, in the words a data engineer reads in the UI."""
    return messages.describe_validation_error(exc, Settings)


def _resolve_source(path: str | Path | None, env: Mapping[str, str]) -> Path | None:
    if path is not None:
        source = Path(path)
        if not source.is_file():
            raise SettingsError(str(source), [("", "settings file not found")])
        return source
    named = env.get(SETTINGS_ENV_VAR)
    if named:
        source = Path(named).expanduser()
        if not source.is_file():
            raise SettingsError(str(source), [("", f"settings file not found (named by {SETTINGS_ENV_VAR})")])
        return source
    local = Path(DEFAULT_SETTINGS_FILE)
    return local if local.is_file() else None


def _read_yaml(source: Path) -> dict[str, Any]:
    try:
        raw = yaml.load(source.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except OSError as exc:
        raise SettingsError(str(source), [("", f"cannot read the file ({exc.strerror})")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise SettingsError(str(source), [("", f"not valid YAML: {problem}{where}")]) from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SettingsError(
            str(source),
            [("", f"the top level must be a mapping of sections ({', '.join(Settings.model_fields)})")],
        )
    return raw


def load_settings(path: str | Path | None = None, *, env: Mapping[str, str] | None = None) -> Settings:
    """Load and validate so24.yaml: `path`, else $SO24_SETTINGS, else ./so24.yaml, else defaults.

    Raises SettingsError naming every bad key, so one run of `dagster definitions validate` shows
    all of them.
    """
    env = os.environ if env is None else env
    source = _resolve_source(path, env)
    raw = _read_yaml(source) if source else {}
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        label = str(source) if source else "settings (defaults)"
        raise SettingsError(label, describe_validation_error(exc)) from None

