"""Rule documentation rendered from the rules' own docstrings (for ``imslint rules`` and docs/rules.md)."""

from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, Iterable, List, Optional, Type

from .rule import Rule


def rule_markdown(rule: Type[Rule], others: Iterable[Type[Rule]] = ()) -> str:
    """One README section for a rule, generated from its docstring and metadata.

    ``others`` are the other loaded rules: options they share with this one are
    pointed out, with the table that sets them for all at once.
    """
    lines = [f"### {rule.id} {rule.name}", ""]
    meta = f"Severity: **{rule.severity.label}**"
    if rule.security_severity:
        meta += f" · security severity {rule.security_severity}"
    if rule.tags:
        meta += " · tags: " + ", ".join(f"`{t}`" for t in rule.tags)
    lines += [meta, "", f"**{rule.summary()}**", "", rule.help_text()]
    if rule.defaults:
        lines += ["", f"Options (`[tool.imslint.rules.{rule.name}]`):", ""]
        others = list(others)
        for key, value in sorted(rule.defaults.items()):
            line = f"- `{key}` (default `{json.dumps(value)}`)"
            sharers = sorted(o.id for o in others if o.id != rule.id and key in o.defaults)
            if sharers:
                prefix = os.path.commonprefix([rule.id, *sharers])
                table = f"rules.{prefix}" if len(prefix) > 3 else "rules.ALL"
                line += f"; also an option of {', '.join(sharers)}: set it once for all under `[tool.imslint.{table}]`"
            lines.append(line)
    return "\n".join(lines).rstrip() + "\n"


def rule_dict(rule: Type[Rule], plugin: str) -> Dict[str, Any]:
    """Everything known about a rule, for ``imslint rules --format json`` (one object per rule)."""
    from .rule import help_url

    return {
        "id": rule.id,
        "name": rule.name,
        "severity": rule.severity.label,
        "security_severity": rule.security_severity,
        "summary": rule.summary(),
        "description": rule.description(),
        "help": rule.help_text(),
        "help_uri": help_url(rule),
        "plugin": plugin,
        "subject": getattr(rule.subject, "kind", rule.subject.__name__),
        "languages": sorted(rule.languages) if rule.languages is not None else None,
        "tags": list(rule.tags),
        "options": {key: _plain(value) for key, value in sorted(rule.defaults.items())},
        "options_table": f"tool.imslint.rules.{rule.name}",
    }


def _plain(value: Any) -> Any:
    """A default as JSON can hold it (tuples and sets as sorted or ordered lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    return value


def rules_json(registry: Any, rule_ids: Optional[Iterable[str]] = None, single: bool = False) -> str:
    """The loaded rules (or those of ``rule_ids``) as JSON: a list, or one object when ``single``."""
    ids = list(registry.rules) if rule_ids is None else list(rule_ids)
    doc: Any = [rule_dict(registry.rules[rid], registry.rule_plugin[rid]) for rid in ids]
    if single:
        doc = doc[0]
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def rst_to_markdown(text: str) -> str:
    """A rule's reST help as Markdown: ``literal`` becomes `literal`, and a paragraph ending in ``::``
    introduces a fenced code block made of the indented lines that follow it.
    """
    lines = text.split("\n")
    out: List[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith("::"):
            head = line.rstrip()[:-2].rstrip()
            base = len(line) - len(line.lstrip())
            j = i + 1
            block: List[str] = []
            while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > base):
                block.append(lines[j])
                j += 1
            while block and not block[-1].strip():
                block.pop()
            body = [b for b in block]
            while body and not body[0].strip():
                body.pop(0)
            if body:
                indent = min(len(b) - len(b.lstrip()) for b in body if b.strip())
                if head:
                    out.append(head + ("" if head.endswith(":") else ":"))
                if out and out[-1].strip():
                    out.append("")
                out += ["```"] + [b[indent:] for b in body] + ["```"]
                i = j
                if i < len(lines) and lines[i].strip():
                    out.append("")
                continue
        out.append(line)
        i += 1
    # inline literals may run over a line break: convert the prose between the fences as a whole
    parts = re.split(r"(^```\n.*?^```$)", "\n".join(out), flags=re.S | re.M)
    return "".join(p if n % 2 else _inline(p) for n, p in enumerate(parts))


def _inline(text: str) -> str:
    def literal(m: "re.Match[str]") -> str:
        return f"`{m.group(1)}`" if "`" not in m.group(1) else f"`` {m.group(1)} ``"

    return re.sub(r"``(.+?)``", literal, text, flags=re.S)


START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def rules_section(registry: Any) -> str:
    """The rule reference (docs/rules.md): an index table, then one generated section per rule imslint ships."""
    builtin = [cls for cls in registry.rules.values() if cls.__module__.split(".")[0] == Rule.__module__.split(".")[0]]
    rows = ["| id | name | severity | summary |", "|---|---|---|---|"]
    for cls in builtin:
        anchor = f"{cls.id.lower()}-{cls.name}"
        rows.append(f"| [{cls.id}](#{anchor}) | `{cls.name}` | {cls.severity.label} | {cls.summary()} |")
    parts = ["\n".join(rows)] + [rule_markdown(cls, builtin) for cls in builtin]
    return "\n\n".join(p.rstrip() for p in parts) + "\n"


def update_readme(text: str, registry: Any) -> str:
    """``text`` (docs/rules.md) with its rules section, between the two markers, replaced by the generated one."""
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{rules_section(registry)}{END}{tail}"


def main(argv: Any = None) -> int:
    """``python -m imslint.docs docs/rules.md``: regenerate the rule reference in place."""
    import sys

    from .plugins import load_plugins

    args = list(sys.argv[1:] if argv is None else argv)
    path = args[0] if args else os.path.join("docs", "rules.md")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    new = update_readme(text, load_plugins())
    if new != text:
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(new)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
