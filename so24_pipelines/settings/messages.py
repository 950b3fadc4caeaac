"""Pydantic validation errors of so24.yaml in the words a data engineer reads in the UI.

Every message names its key path (`flows.R4.rackbeat_status`) and says what is allowed; none
quotes a value that could be a secret beyond what pydantic's hidden input allows. The model is
passed in (`root`), so this module imports no settings model and every settings module can use it.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, NoReturn

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

# Error type of rule violations raised by `fail`: one pydantic error that carries many problems.
RULES_ERROR = "settings_rules"


def fail(problems: list[tuple[str, str]]) -> NoReturn:
    """Raise rule violations as one pydantic error that carries each (key below here, message)."""
    summary = "; ".join(message for _, message in problems)
    raise PydanticCustomError(RULES_ERROR, "{summary}", {"summary": summary, "problems": tuple(problems)})


def key_path(loc: tuple[Any, ...]) -> str:
    """`('flows', 'L2', 'statuses', 1)` -> `flows.L2.statuses[1]`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model = root
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None or not (
            isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
        ):
            return None
        model = field.annotation
    return model


def _got(value: Any) -> str:
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_key_message(root: type[BaseModel], loc: tuple[Any, ...]) -> str:
    name = str(loc[-1])
    if len(loc) == 3 and loc[0] == "flows" and name == "built":
        return (
            "read-only: whether a flow is built is decided by the code (BUILT_FLOWS), not the file; remove it"
        )
    if loc == ("so24", "enabled"):
        return "24SO is the hub and always connected; remove it (only the other systems have enabled)"
    parent = _model_at(root, loc[:-1])
    allowed = list(parent.model_fields) if parent else []
    close = [a for a in allowed if a.lower() == name.lower()] or difflib.get_close_matches(
        name, allowed, 1, 0.6
    )
    what = "not a flow ID of FLOWS.md" if loc[:-1] == ("flows",) else "unknown key"
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{what}{hint} (allowed: {', '.join(allowed)})" if allowed else f"{what}{hint}"


def _message(root: type[BaseModel], err: Any) -> str:
    loc, kind, ctx = tuple(err["loc"]), err["type"], err.get("ctx") or {}
    if kind == "extra_forbidden":
        return _unknown_key_message(root, loc)
    if kind == "literal_error":
        values = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"must be one of {', '.join(values)} (got {_got(err['input'])})"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        parent = _model_at(root, loc[:-1])
        field = parent.model_fields.get(str(loc[-1])) if parent else None
        reason = f". {field.description}" if field and field.description else ""
        bound = {"greater_than_equal": "at least", "less_than_equal": "at most"}.get(
            kind, kind.replace("_", " ")
        )
        return f"must be {bound} {next(iter(ctx.values()))} (got {_got(err['input'])}){reason}"
    if kind == "missing":
        return "is required"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    text = str(err["msg"]).replace("Input should be", "must be")
    return f"{text[:1].lower()}{text[1:]} (got {_got(err['input'])})"


def describe_validation_error(exc: ValidationError, root: type[BaseModel]) -> list[tuple[str, str]]:
    """(key path, message) for every error of validating `root`."""
    problems: list[tuple[str, str]] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        if err["type"] == RULES_ERROR:
            base = key_path(loc)
            problems.extend((f"{base}.{sub}" if base else sub, msg) for sub, msg in err["ctx"]["problems"])
        else:
            problems.append((key_path(loc), _message(root, err)))
    return problems
