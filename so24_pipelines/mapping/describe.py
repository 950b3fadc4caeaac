"""A spec as a markdown table, for the Dagster UI (asset metadata) and the docs.

The point of keeping mappings as data is that a user can read them; this renders one the way the
vendors' guides print theirs: target field, source, and what happens to the value on the way.
"""

from __future__ import annotations

from so24_pipelines.mapping.spec import Condition, FieldRule, Param, Spec


def _row(rule: FieldRule, prefix: str = "") -> str:
    how = ", ".join(str(t) for t in rule.transforms)
    flags = ["required"] if rule.required else []
    if rule.create_only:
        flags.append("create only")
    if rule.not_sent:
        flags.append(f"not sent: {rule.not_sent}")
    if rule.note:
        flags.append(rule.note)
    cells = (f"{prefix}{rule.target}", rule.source_label, how, "; ".join(flags))
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _condition(cond: Condition) -> str:
    if cond.op in ("not_null", "is_null"):
        return f"{cond.column.label} {cond.op.replace('_', ' ')}"
    value = f"${cond.value.name}" if isinstance(cond.value, Param) else repr(cond.value)
    return f"{cond.column.label} {'=' if cond.op == 'equals' else '≠'} {value}"


def spec_markdown(spec: Spec) -> str:
    """Header line, then one table row per field (list fields under their list's name)."""
    where = ", ".join(_condition(c) for c in spec.filters)
    lines = [
        f"**{spec.flow}** `{spec.name}`: {spec.table} → {spec.target or 'target'}"
        + (f" (where {where})" if where else ""),
        "",
    ]
    if spec.skip_rules:
        lines += [f"- skipped unless {_condition(c)}: {c.else_skip}" for c in spec.skip_rules] + [""]
    lines += [
        "| target | source (fallbacks with ??) | transform | notes |",
        "|---|---|---|---|",
    ]
    lines += [_row(rule) for rule in spec.fields]
    for lst in spec.lists:
        on = ", ".join(f"{child} = {ours.label}" for child, ours in lst.on)
        where = "".join(f", {_condition(c)}" for c in lst.where)
        lines.append(f"| {lst.target}[] | {lst.table} ({on}{where}) | | {'required' if lst.required else ''} |")
        lines += [_row(rule, f"{lst.target}[].") for rule in lst.fields]
    return "\n".join(lines)
