"""Rule documentation rendered from the rules' own docstrings (for ``imslint rules`` and the README)."""

from __future__ import annotations

import json
from typing import Any, Type

from .rule import Rule


def rule_markdown(rule: Type[Rule]) -> str:
    """One README section for a rule, generated from its docstring and metadata."""
    lines = [f"### {rule.id} {rule.name}", ""]
    meta = f"Severity: **{rule.severity.label}**"
    if rule.security_severity:
        meta += f" · security severity {rule.security_severity}"
    if rule.tags:
        meta += " · tags: " + ", ".join(f"`{t}`" for t in rule.tags)
    lines += [meta, "", f"**{rule.summary()}**", "", rule.help_text()]
    if rule.defaults:
        lines += ["", f"Options (`[tool.imslint.rules.{rule.name}]`):", ""]
        for key, value in sorted(rule.defaults.items()):
            lines.append(f"- `{key}` (default `{json.dumps(value)}`)")
    return "\n".join(lines).rstrip() + "\n"


def rules_json(registry: Any) -> str:
    """Every loaded rule as JSON (id, name, severity, summary, plugin, options)."""
    doc = [
        {
            "id": cls.id,
            "name": cls.name,
            "severity": cls.severity.label,
            "summary": cls.summary(),
            "plugin": registry.rule_plugin[cls.id],
            "options": dict(cls.defaults),
            "tags": list(cls.tags),
        }
        for cls in registry.rules.values()
    ]
    return json.dumps(doc, indent=2, sort_keys=True)
