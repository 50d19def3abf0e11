"""Reporters turn a RunResult into text: ``render(result, options) -> str``. They never print or exit."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Type

from ..model import Finding
from ..rule import Rule, help_url


def findings_payload(findings: List[Finding], rules: Optional[Mapping[str, Type[Rule]]] = None) -> List[Dict[str, Any]]:
    """The serialised findings shared by the JSON and SARIF reporters (with ``help_uri`` when ``rules`` are given)."""
    return [finding_dict(f, rules) for f in findings]


def finding_dict(finding: Finding, rules: Optional[Mapping[str, Type[Rule]]] = None) -> Dict[str, Any]:
    """:meth:`Finding.to_dict`, plus the ``help_uri`` of its rule when ``rules`` knows it."""
    d = finding.to_dict()
    rule = rules.get(finding.rule_id) if rules else None
    uri = help_url(rule) if rule is not None else None
    if uri:
        d["help_uri"] = uri
    return d
